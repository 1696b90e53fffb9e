"""The messages collections sends to the patient's portal inbox (reminders, notices): the patient reading them."""

from django.utils import timezone
from django.utils.translation import gettext as _

from clinic_billing.exceptions import NotFound

from .models import PortalMessage


def portal_message_mark_read(*, patient_id: int, message_id: int) -> PortalMessage:
    """The patient's message, marked read the first time it is opened; another patient's is NotFound."""
    message = PortalMessage.objects.filter(pk=message_id, patient_id=patient_id).first()
    if message is None:
        raise NotFound(_("No such message."), field="message")
    if message.read_at is None:
        now = timezone.now()
        # Conditional update: two tabs opening the message at once record one read time.
        PortalMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        message.read_at = now
    return message
