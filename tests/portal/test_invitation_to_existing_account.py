"""An invitation to an address that already has an account is accepted by that account after it signs in:
the link alone never signs anyone in, and a password typed on the invitation page is never taken."""

import pytest
from django.test import Client
from django.urls import reverse

from clinic_billing.exceptions import Conflict
from patients.models import AuthorisedProxy
from portal.invitations import invitation_accept, invitation_create
from portal.models import PortalInvitation
from tests.factories import PatientFactory, ProxyFactory, UserFactory

pytestmark = pytest.mark.django_db

OWN_PASSWORD = "correct-horse-battery"  # the factory's: the account owner's own password
TYPED_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def sara(db):
    """Someone with a portal account already (a proxy for her father, say)."""
    return UserFactory(username="sara@example.org", email="sara@example.org")


@pytest.fixture
def grant_to_sara(patient, sara) -> tuple[AuthorisedProxy, str]:
    """The patient names Sara as proxy: the invitation goes to the address of her existing account."""
    grant = ProxyFactory(patient=patient, name="Sara Nordmann", email="sara@example.org")
    _invitation, token = invitation_create(patient_id=patient.pk, email=grant.email, proxy_id=grant.pk, by=None)
    return grant, token


def activate_url(token: str) -> str:
    return reverse("portal:portal-activate", kwargs={"token": token})


def test_the_link_alone_neither_signs_in_nor_takes_the_typed_password(client, sara, grant_to_sara):
    grant, token = grant_to_sara

    response = client.post(activate_url(token), {"password1": TYPED_PASSWORD, "password2": TYPED_PASSWORD})

    assert response.status_code == 200
    assert "Sign in to accept" in response.content.decode()
    assert "_auth_user_id" not in client.session
    sara.refresh_from_db()
    assert sara.check_password(OWN_PASSWORD)
    assert not sara.check_password(TYPED_PASSWORD)
    grant.refresh_from_db()
    assert grant.user is None
    assert PortalInvitation.objects.get().accepted_at is None


def test_the_account_accepts_after_signing_in_with_its_own_password(client, sara, grant_to_sara):
    grant, token = grant_to_sara
    page = client.get(activate_url(token))
    sign_in = reverse("portal:portal-login") + "?next=" + activate_url(token)
    assert f'href="{sign_in}"' in page.content.decode()

    signed_in = client.post(sign_in, {"username": "sara@example.org", "password": OWN_PASSWORD})
    assert signed_in["Location"] == activate_url(token)
    assert "Accept the invitation" in client.get(activate_url(token)).content.decode()
    accepted = client.post(activate_url(token))

    assert accepted["Location"] == reverse("portal:portal-home")
    grant.refresh_from_db()
    assert grant.user == sara
    assert PortalInvitation.objects.get().accepted_at is not None
    sara.refresh_from_db()
    assert sara.check_password(OWN_PASSWORD)


def test_another_signed_in_account_cannot_accept_it(client_for, other_patient, grant_to_sara):
    grant, token = grant_to_sara
    client = client_for(other_patient.user)

    assert client.get(activate_url(token)).status_code == 403
    assert client.post(activate_url(token)).status_code == 403

    grant.refresh_from_db()
    assert grant.user is None
    assert PortalInvitation.objects.get().accepted_at is None


def test_a_patients_invitation_to_an_existing_accounts_address_also_waits_for_sign_in(sara):
    patient = PatientFactory(email="sara@example.org", user=None)
    _invitation, token = invitation_create(patient_id=patient.pk, email=patient.email, by=None)

    with pytest.raises(Conflict):
        invitation_accept(token=token, password=TYPED_PASSWORD)

    response = Client().post(activate_url(token), {"password1": TYPED_PASSWORD, "password2": TYPED_PASSWORD})
    assert "Sign in to accept" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None
    sara.refresh_from_db()
    assert sara.check_password(OWN_PASSWORD)


@pytest.fixture
def anna(db):
    """A patient whose portal account signs in as anna@example.org."""
    return PatientFactory(
        name="Anna Lund", language="en", user=UserFactory(username="anna@example.org", email="anna@example.org")
    )


def test_it_refuses_to_invite_a_patient_to_the_address_of_another_patients_account(anna):
    son = PatientFactory(name="Even Lund", email="anna@example.org", user=None)

    with pytest.raises(Conflict) as refused:
        invitation_create(patient_id=son.pk, email="Anna@example.org ", by=None)

    assert "add that person as a proxy instead" in refused.value.message
    assert not PortalInvitation.objects.exists()


def test_the_staff_invite_page_explains_the_refusal(client_for, front_desk, anna):
    son = PatientFactory(name="Even Lund", email="anna@example.org", user=None)

    response = client_for(front_desk).post(
        reverse("portal:portal-staff-invite", kwargs={"patient_id": son.pk}), follow=True
    )

    assert response.status_code == 200
    assert "This address already signs in for another patient" in response.content.decode()


def test_accepting_into_another_patients_account_answers_a_clear_page(client_for, anna):
    son = PatientFactory(name="Even Lund", email="anna@example.org", user=None)
    # Sent before the address became the sign-in name of Anna's account.
    anna.user.username = "anna.old@example.org"
    anna.user.save()
    _invitation, token = invitation_create(patient_id=son.pk, email=son.email, by=None)
    anna.user.username = "anna@example.org"
    anna.user.save()

    response = client_for(anna.user).post(activate_url(token), follow=True)

    assert response.status_code == 200
    assert "This address already signs in for another patient" in response.content.decode()
    son.refresh_from_db()
    assert son.user is None
    assert PortalInvitation.objects.get().accepted_at is None
