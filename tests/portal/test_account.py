"""Portal accounts: invitations, signing in, the lockout page, password reset, and staff sending invitations."""

from datetime import timedelta

import pytest
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone, translation

from patients.models import Patient
from portal.invitations import invitation_create
from portal.models import PortalInvitation
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def invited(db) -> tuple[Patient, str]:
    patient = PatientFactory(name="Nora Berg", email="Nora.Berg@example.org", language="en")
    _invitation, token = invitation_create(patient_id=patient.pk, email=patient.email, by=None)
    return patient, token


@pytest.fixture
def portal_user(db) -> Patient:
    """A patient with an account named by their email, as invitation_accept makes it."""
    user = UserFactory(username="kari@example.org", email="kari@example.org")
    return PatientFactory(name="Kari Nordmann", email="kari@example.org", language="nb", user=user)


@pytest.fixture
def lockout_page(settings):
    settings.AXES_LOCKOUT_CALLABLE = "portal.views.account.locked_out"


def activate_url(token: str) -> str:
    return reverse("portal:portal-activate", kwargs={"token": token})


# --- Invitations --------------------------------------------------------------------------------------


def test_it_opens_the_account_from_an_invitation_and_signs_the_patient_in(client, invited):
    patient, token = invited
    page = client.get(activate_url(token))
    assert page.status_code == 200
    assert "nora.berg@example.org" in page.content.decode()

    response = client.post(activate_url(token), {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:portal-home")
    patient.refresh_from_db()
    assert patient.user is not None
    assert patient.user.username == "nora.berg@example.org"
    assert patient.user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(patient.user.pk)


def test_it_shows_an_error_summary_linked_to_the_field_when_passwords_differ(client, invited):
    _patient, token = invited
    response = client.post(activate_url(token), {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert '<a href="#id_password2">The two passwords are not the same.' in html
    assert 'aria-describedby="id_password2_error"' in html
    assert "Error:" in html.split("<title>")[1]


def test_it_refuses_a_weak_password_and_keeps_the_invitation_open(client, invited):
    _patient, token = invited
    response = client.post(activate_url(token), {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert 'href="#id_password1"' in response.content.decode()
    assert PortalInvitation.objects.get().accepted_at is None


@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_it_answers_an_unknown_invitation_with_a_friendly_page(client, invited, token):
    response = client.get(activate_url(token or "x" * 43))
    assert response.status_code == 404
    assert "This invitation link does not work any more" in response.content.decode()


def test_it_answers_an_expired_or_used_invitation_with_a_friendly_page(client, invited):
    _patient, token = invited
    PortalInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(activate_url(token)).status_code == 404
    PortalInvitation.objects.update(expires_at=timezone.now() + timedelta(days=1), accepted_at=timezone.now())
    response = client.post(activate_url(token), {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


# --- Signing in ---------------------------------------------------------------------------------------


def test_it_signs_a_patient_in_with_their_email_address_in_any_case(client, portal_user):
    page = client.get(reverse("portal:portal-login"))
    html = page.content.decode()
    assert "Email address" in html
    assert "30 minutes without activity" in html
    response = client.post(
        reverse("portal:portal-login"), {"username": " KARI@Example.org ", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:portal-home")
    assert client.session["_auth_user_id"] == str(portal_user.user_id)


def test_it_says_plainly_when_the_email_or_password_is_wrong(client, portal_user):
    response = client.post(reverse("portal:portal-login"), {"username": "kari@example.org", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert '<a href="#id_username">The email address or password is not right.' in html


def test_it_sends_a_staff_member_who_signs_in_on_the_portal_to_the_staff_home(client, billing):
    response = client.post(
        reverse("portal:portal-login"), {"username": billing.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:home")


def test_it_signs_out_and_back_to_the_sign_in_page(client, portal_user):
    client.force_login(portal_user.user)
    response = client.post(reverse("portal:portal-logout"))
    assert response["Location"] == reverse("portal:portal-login")
    assert "_auth_user_id" not in client.session


def test_it_sets_a_thirty_minute_idle_expiry_on_a_patients_session(client, portal_user):
    client.force_login(portal_user.user)
    client.get(reverse("portal:portal-home"))
    assert client.session.get_expiry_age() == 30 * 60


def test_it_shows_a_plain_lockout_page_after_five_failed_attempts(client, portal_user, lockout_page):
    for _ in range(5):
        client.post(reverse("portal:portal-login"), {"username": "kari@example.org", "password": "wrong"})
    response = client.post(
        reverse("portal:portal-login"), {"username": "kari@example.org", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "Signing in is blocked for now" in html
    assert "Wait 60 minutes, then try again." in html
    assert reverse("portal:portal-password-reset") in html
    assert "_auth_user_id" not in client.session


def test_it_locks_out_a_network_address_that_tries_many_email_addresses(client, portal_user, lockout_page):
    for number in range(5):
        client.post(reverse("portal:portal-login"), {"username": f"guess{number}@example.org", "password": "wrong"})
    response = client.post(
        reverse("portal:portal-login"), {"username": "kari@example.org", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429


# --- Password reset -----------------------------------------------------------------------------------


def test_it_emails_a_reset_link_in_the_patients_language(client, portal_user, mailoutbox, settings):
    languages: list[str | None] = []

    def record(sender, template, context, **kwargs):
        if template.name == "portal/email/password_reset.txt":
            languages.append(translation.get_language())

    template_rendered.connect(record)
    try:
        response = client.post(reverse("portal:portal-password-reset"), {"email": "kari@example.org"})
    finally:
        template_rendered.disconnect(record)
    assert response["Location"] == reverse("portal:portal-password-reset-done")
    assert languages == ["nb"]
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    link = next(line for line in body.splitlines() if line.startswith(settings.SITE_URL))
    page = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert page.status_code == 200
    assert "Choose a new password" in page.content.decode()


def test_it_gives_the_same_answer_for_an_unknown_email_address(client, mailoutbox):
    response = client.post(reverse("portal:portal-password-reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("portal:portal-password-reset-done")
    assert mailoutbox == []


def test_it_saves_a_new_password_from_the_reset_link(client, portal_user, mailoutbox, settings):
    client.post(reverse("portal:portal-password-reset"), {"email": "kari@example.org"})
    link = next(line for line in mailoutbox[0].body.splitlines() if line.startswith(settings.SITE_URL))
    form_page = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response["Location"] == reverse("portal:portal-password-reset-complete")
    portal_user.user.refresh_from_db()
    assert portal_user.user.check_password(PASSWORD)


# --- Staff send invitations ---------------------------------------------------------------------------


def invite_url(patient: Patient) -> str:
    return reverse("portal:portal-staff-invite", kwargs={"patient_id": patient.pk})


def test_it_lets_staff_with_the_permission_invite_a_patient(
    client_for, front_desk, mailoutbox, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="ivar@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(front_desk).post(invite_url(patient), follow=True)
    assert response.redirect_chain[0][0] == reverse("frontdesk:patient-detail", kwargs={"patient_id": patient.pk})
    assert "Invitation to the portal sent to ivar@example.org" in response.content.decode()
    assert PortalInvitation.objects.get().created_by == front_desk
    assert mailoutbox[0].to == ["ivar@example.org"]


def test_it_shows_the_invite_button_on_the_staff_account_page(client_for, front_desk):
    patient = PatientFactory()
    page = client_for(front_desk).get(reverse("frontdesk:patient-detail", kwargs={"patient_id": patient.pk}))
    assert invite_url(patient) in page.content.decode()


def test_it_says_why_a_patient_without_email_cannot_be_invited(client_for, front_desk):
    patient = PatientFactory(email="")
    response = client_for(front_desk).post(invite_url(patient), follow=True)
    assert "An email address is needed" in response.content.decode()
    assert not PortalInvitation.objects.exists()


def test_it_refuses_an_invitation_to_staff_without_the_permission(client_for, provider, patient):
    invitee = PatientFactory()
    assert client_for(provider).post(invite_url(invitee)).status_code == 403
    assert client_for(patient.user).post(invite_url(invitee)).status_code == 403
    anonymous = Client().post(invite_url(invitee))
    assert anonymous.status_code == 302
    assert not PortalInvitation.objects.exists()


def test_it_asks_for_each_missing_field_in_words_linked_from_the_summary(client):
    html = client.post(reverse("portal:portal-login"), {"username": "", "password": ""}).content.decode()
    assert '<a href="#id_username">Enter your email address.</a>' in html
    assert '<a href="#id_password">Enter your password.</a>' in html
