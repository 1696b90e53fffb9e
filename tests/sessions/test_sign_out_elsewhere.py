"""“Sign out everywhere else” for staff (My account) and for patients (How we contact you)."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(patient):
    """These tests read the portal's English; pages follow the patient's language."""
    patient.language = "en"
    patient.save(update_fields=["language"])
    return patient


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_staff_menu_links_to_my_account(client_for, billing):
    html = client_for(billing).get(reverse("frontdesk:home")).content.decode()
    assert f'href="{reverse("sessions:my-account")}"' in html


def test_my_account_lists_where_the_staff_member_is_signed_in(client_for, billing, manager):
    here, elsewhere = client_for(billing), client_for(billing)
    client_for(manager)
    response = here.get(reverse("sessions:my-account"))
    assert response.status_code == 200
    assert len(response.context["sessions"]) == 2
    assert response.context["current_key"] == session_key(here)
    assert f'action="{reverse("sessions:sign-out-elsewhere")}"' in response.content.decode()
    assert session_key(elsewhere) in {s.session_key for s in response.context["sessions"]}


def test_a_staff_member_signs_out_everywhere_else_and_stays_signed_in_here(client_for, billing, manager):
    here, laptop, phone = client_for(billing), client_for(billing), client_for(billing)
    other_keys = [session_key(laptop), session_key(phone)]
    colleague = client_for(manager)

    response = here.post(reverse("sessions:sign-out-elsewhere"))

    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:my-account")
    assert here.get(reverse("frontdesk:home")).status_code == 200
    assert not Session.objects.filter(session_key__in=other_keys).exists()
    assert laptop.get(reverse("frontdesk:home"))["Location"].startswith(reverse("login"))
    assert colleague.get(reverse("frontdesk:home")).status_code == 200
    entry = LogEntry.objects.get(object_pk=str(billing.pk), additional_data__reason="signed_out_elsewhere")
    assert entry.actor == billing
    assert entry.additional_data["sessions_ended"] == 2


def test_the_contact_page_offers_signing_out_everywhere_else(client_for, patient):
    html = (
        client_for(patient.user)
        .get(reverse("portal:portal-contact", kwargs={"patient_id": patient.pk}))
        .content.decode()
    )
    assert f'action="{reverse("sessions:portal-sign-out-elsewhere")}"' in html


def test_a_patient_signs_out_everywhere_else_and_stays_signed_in_here(client_for, patient):
    here, shared_computer = client_for(patient.user), client_for(patient.user)
    contact_page = reverse("portal:portal-contact", kwargs={"patient_id": patient.pk})

    response = here.post(reverse("sessions:portal-sign-out-elsewhere"), {"next": contact_page})

    assert response["Location"] == contact_page
    page = here.get(contact_page)
    assert page.status_code == 200
    assert "You are now signed out on every other computer and phone." in page.content.decode()
    assert not Session.objects.filter(session_key=session_key(shared_computer)).exists()
    assert shared_computer.get(contact_page)["Location"].startswith(reverse("portal:portal-login"))
    assert LogEntry.objects.filter(
        object_pk=str(patient.user.pk), actor=patient.user, additional_data__reason="signed_out_elsewhere"
    ).exists()


def test_a_proxy_can_sign_out_everywhere_else_from_the_read_only_contact_page(client_for, proxy, patient):
    html = (
        client_for(proxy.user).get(reverse("portal:portal-contact", kwargs={"patient_id": patient.pk})).content.decode()
    )
    assert f'action="{reverse("sessions:portal-sign-out-elsewhere")}"' in html


def test_signing_out_elsewhere_goes_nowhere_outside_the_site(client_for, patient):
    response = client_for(patient.user).post(
        reverse("sessions:portal-sign-out-elsewhere"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/portal/"


def test_signing_out_elsewhere_needs_a_post(client_for, billing):
    assert client_for(billing).get(reverse("sessions:sign-out-elsewhere")).status_code == 405
