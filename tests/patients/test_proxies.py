"""Authorised proxies through patients/proxies.py: a grant, its end, and the account that signs in for it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.context import set_actor
from auditlog.models import LogEntry

from clinic_billing.exceptions import ApplicationError, NotFound
from patients.models import AuthorisedProxy
from patients.proxies import authorised_proxy_create, authorised_proxy_link_user, authorised_proxy_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2027, 3, 4, 12, tzinfo=ZoneInfo("Europe/Oslo"))


def grant_for(patient, **kwargs) -> AuthorisedProxy:
    values = {
        "name": "  Ola Nordmann ",
        "email": " Ola@Example.org ",
        "relationship": " son ",
        "valid_from": date(2027, 3, 4),
        "document_reference": "FULLMAKT-7",
    }
    return authorised_proxy_create(patient_id=patient.pk, **values | kwargs)


def test_it_records_a_grant_with_the_name_trimmed_and_the_address_in_lower_case(patient):
    grant = grant_for(patient, valid_to=date(2027, 12, 31))
    grant.refresh_from_db()
    assert (grant.name, grant.email, grant.relationship) == ("Ola Nordmann", "ola@example.org", "son")
    assert (grant.valid_from, grant.valid_to, grant.scope) == (date(2027, 3, 4), date(2027, 12, 31), "billing")
    assert LogEntry.objects.get_for_object(grant).get().action == LogEntry.Action.CREATE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"name": "  "}, "name"), ({"name": "Ola \u202eNordmann"}, "name"), ({"valid_to": date(2027, 3, 3)}, "valid_to")],
)
def test_it_refuses_a_grant_that_does_not_hold(patient, kwargs, field):
    with pytest.raises(ApplicationError) as error:
        grant_for(patient, **kwargs)
    assert error.value.field == field
    assert not AuthorisedProxy.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_it_ends_a_grant_now_and_the_audit_log_names_who_ended_it(patient, proxy):
    with set_actor(patient.user):
        authorised_proxy_revoke(patient_id=patient.pk, proxy_id=proxy.pk)
    proxy.refresh_from_db()
    assert proxy.revoked_at == NOON
    entry = LogEntry.objects.get_for_object(proxy).get(action=LogEntry.Action.UPDATE)
    assert (entry.actor, list(entry.changes_dict)) == (patient.user, ["revoked_at"])


def test_it_keeps_the_first_end_of_a_grant_revoked_twice(patient, proxy):
    with time_machine.travel(NOON, tick=False):
        authorised_proxy_revoke(patient_id=patient.pk, proxy_id=proxy.pk)
    with time_machine.travel(datetime(2027, 3, 5, 9, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        again = authorised_proxy_revoke(patient_id=patient.pk, proxy_id=proxy.pk)
    assert again.revoked_at == NOON


def test_it_answers_not_found_for_another_patients_grant(other_patient, proxy):
    with pytest.raises(NotFound):
        authorised_proxy_revoke(patient_id=other_patient.pk, proxy_id=proxy.pk)
    proxy.refresh_from_db()
    assert proxy.revoked_at is None


def test_it_links_the_account_that_signs_in_for_the_grant_in_the_audit_log(patient):
    grant = grant_for(patient)
    account = UserFactory(username="ola@example.org")
    authorised_proxy_link_user(proxy_id=grant.pk, user=account)
    grant.refresh_from_db()
    assert grant.user == account
    entry = LogEntry.objects.get_for_object(grant).get(action=LogEntry.Action.UPDATE)
    assert list(entry.changes_dict) == ["user"]


def test_it_answers_not_found_when_linking_a_grant_that_is_gone(patient):
    with pytest.raises(NotFound):
        authorised_proxy_link_user(proxy_id=999_999, user=UserFactory(username="nobody@example.org"))
