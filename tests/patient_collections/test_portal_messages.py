"""The patient reading a message collections put in their portal inbox (patient_collections/portal_messages.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic_billing.exceptions import NotFound
from patient_collections.models import PortalMessage
from patient_collections.portal_messages import portal_message_mark_read

pytestmark = pytest.mark.django_db

FIRST_OPENED = datetime(2027, 3, 4, 12, tzinfo=ZoneInfo("Europe/Oslo"))


def test_it_marks_a_message_read_the_first_time_it_is_opened(patient):
    message = PortalMessage.objects.create(patient=patient, subject="Reminder", body="Please pay.")
    with time_machine.travel(FIRST_OPENED, tick=False):
        opened = portal_message_mark_read(patient_id=patient.pk, message_id=message.pk)
    with time_machine.travel(datetime(2027, 3, 6, 8, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        portal_message_mark_read(patient_id=patient.pk, message_id=message.pk)
    message.refresh_from_db()
    assert opened.read_at == message.read_at == FIRST_OPENED


def test_it_answers_not_found_for_another_patients_message(patient, other_patient):
    message = PortalMessage.objects.create(patient=other_patient, subject="Private", body="Private")
    with pytest.raises(NotFound):
        portal_message_mark_read(patient_id=patient.pk, message_id=message.pk)
    message.refresh_from_db()
    assert message.read_at is None
