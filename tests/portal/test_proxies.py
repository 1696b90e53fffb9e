"""A patient lets someone help with their bills, and stops it; only the patient manages this."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from patients.models import AuthorisedProxy
from portal.models import PortalInvitation
from tests.factories import ProxyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(patient):
    patient.language = "en"
    patient.save(update_fields=["language"])


def url(name: str, **kwargs: int) -> str:
    return reverse(name, kwargs=kwargs)


def test_it_grants_access_and_sends_an_invitation(client_for, patient, django_capture_on_commit_callbacks):
    until = timezone.localdate() + timedelta(days=90)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient.user).post(
            url("portal:portal-proxy-grant", patient_id=patient.pk),
            {"name": "Sara Nordmann", "email": "Sara@Example.org", "relationship": "daughter", "valid_to": until},
        )

    grant = AuthorisedProxy.objects.get(patient=patient)
    today = timezone.localdate()
    assert response.status_code == 302
    assert response["Location"] == url("portal:portal-proxies", patient_id=patient.pk)
    assert (grant.name, grant.email, grant.relationship) == ("Sara Nordmann", "sara@example.org", "daughter")
    assert grant.scope == AuthorisedProxy.Scope.BILLING
    assert (grant.valid_from, grant.valid_to) == (today, until)
    assert grant.document_reference == f"portal grant {today.isoformat()}"
    invitation = PortalInvitation.objects.get()
    assert (invitation.proxy, invitation.created_by) == (grant, patient.user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sara@example.org"]
    assert "/portal/activate/" in mail.outbox[0].body


def test_it_shows_the_error_summary_for_a_grant_without_email(client_for, patient):
    response = client_for(patient.user).post(
        url("portal:portal-proxy-grant", patient_id=patient.pk), {"name": "Sara Nordmann", "email": ""}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_email"' in text
    assert 'value="Sara Nordmann"' in text
    assert AuthorisedProxy.objects.count() == 0


def test_it_refuses_an_end_date_in_the_past(client_for, patient):
    response = client_for(patient.user).post(
        url("portal:portal-proxy-grant", patient_id=patient.pk),
        {"name": "Sara", "email": "sara@example.org", "valid_to": timezone.localdate() - timedelta(days=1)},
    )

    assert 'href="#id_valid_to"' in response.content.decode()
    assert AuthorisedProxy.objects.count() == 0


def test_it_lists_the_people_who_may_help(client_for, patient, proxy):
    response = client_for(patient.user).get(url("portal:portal-proxies", patient_id=patient.pk))

    assert response.status_code == 200
    assert proxy.name in response.content.decode()
    assert url("portal:portal-proxy-revoke", patient_id=patient.pk, proxy_id=proxy.pk) in response.content.decode()


def test_it_ends_access_at_once_when_the_patient_revokes(client_for, patient, proxy):
    proxy_client = client_for(proxy.user)
    assert proxy_client.get(url("portal:portal-callback", patient_id=patient.pk)).status_code == 200

    confirm = client_for(patient.user).get(url("portal:portal-proxy-revoke", patient_id=patient.pk, proxy_id=proxy.pk))
    response = client_for(patient.user).post(
        url("portal:portal-proxy-revoke", patient_id=patient.pk, proxy_id=proxy.pk)
    )

    proxy.refresh_from_db()
    assert confirm.status_code == 200
    assert response.status_code == 302
    assert proxy.revoked_at is not None
    assert proxy_client.get(url("portal:portal-callback", patient_id=patient.pk)).status_code == 404
    assert proxy_client.get(url("portal:portal-complaints", patient_id=patient.pk)).status_code == 404


def test_it_lets_only_the_patient_manage_proxies(client_for, patient, proxy):
    proxy_client = client_for(proxy.user)

    assert proxy_client.get(url("portal:portal-proxies", patient_id=patient.pk)).status_code == 404
    assert proxy_client.get(url("portal:portal-proxy-grant", patient_id=patient.pk)).status_code == 404
    granted = proxy_client.post(
        url("portal:portal-proxy-grant", patient_id=patient.pk), {"name": "Someone", "email": "someone@example.org"}
    )
    revoked = proxy_client.post(url("portal:portal-proxy-revoke", patient_id=patient.pk, proxy_id=proxy.pk))

    proxy.refresh_from_db()
    assert granted.status_code == revoked.status_code == 404
    assert AuthorisedProxy.objects.count() == 1
    assert proxy.revoked_at is None


def test_it_answers_404_for_another_patients_grant(client_for, patient, other_patient):
    theirs = ProxyFactory(patient=other_patient)
    response = client_for(patient.user).post(
        url("portal:portal-proxy-revoke", patient_id=patient.pk, proxy_id=theirs.pk)
    )

    theirs.refresh_from_db()
    assert response.status_code == 404
    assert theirs.revoked_at is None


def test_it_refuses_an_end_date_in_the_year_9999_on_the_field(client_for, patient):
    response = client_for(patient.user).post(
        url("portal:portal-proxy-grant", patient_id=patient.pk),
        {"name": "Sara Nordmann", "email": "sara@example.org", "valid_to": "9999-12-31"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["valid_to"] == ["Give a date between 1900-01-01 and 2199-12-31."]
    assert not AuthorisedProxy.objects.exists()
