"""Setting up an authenticator app, giving its code or a recovery code, throttling, resets and the audit."""

import re
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mfa.services import RECOVERY_CODE_COUNT, recovery_codes_replace
from tests.conftest import confirmed_device, current_code, verify_otp


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def audit_events(user) -> list[str]:
    entries = LogEntry.objects.filter(object_pk=str(user.pk), additional_data__has_key="two_factor").order_by("pk")
    return [entry.additional_data["two_factor"] for entry in entries]


def set_up_device(client, user) -> TOTPDevice:
    client.get(reverse("mfa:mfa-setup"))
    return TOTPDevice.objects.get(user=user, confirmed=False)


# --- Set-up -------------------------------------------------------------------------------------------


def test_it_shows_a_qr_code_and_the_secret_for_manual_entry(billing):
    client = signed_in(billing)

    response = client.get(reverse("mfa:mfa-setup"))

    device = TOTPDevice.objects.get(user=billing)
    assert device.confirmed is False
    assert b"<svg" in response.content
    assert b" style=" not in response.content and b"<script>" not in response.content
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in response.content.decode()


def test_a_wrong_code_keeps_the_unconfirmed_device(billing):
    client = signed_in(billing)
    device = set_up_device(client, billing)

    response = client.post(
        reverse("mfa:mfa-setup"), {"code": "000000" if current_code(device) != "000000" else "111111"}
    )

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=billing).values_list("pk", "key", "confirmed")) == [
        (device.pk, device.key, False)
    ]
    assert client.get("/")["Location"].startswith(reverse("mfa:mfa-setup"))
    assert audit_events(billing) == ["verification_failed"]


def test_a_right_code_confirms_the_device_verifies_the_session_and_shows_recovery_codes_once(billing):
    client = signed_in(billing)
    device = set_up_device(client, billing)
    session_key_before = client.session.session_key

    response = client.post(reverse("mfa:mfa-setup"), {"code": current_code(device), "next": "/invoices/"})

    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session.session_key != session_key_before
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == RECOVERY_CODE_COUNT
    assert 'href="/invoices/"' in response.content.decode()
    assert client.get("/").status_code == 200
    assert audit_events(billing) == ["set_up"]
    # The codes are shown in that answer only: set-up now sends a verified person on.
    assert client.get(reverse("mfa:mfa-setup"))["Location"].startswith(reverse("mfa:mfa-verify"))


def test_it_writes_no_secret_or_code_to_the_audit_log(billing):
    client = signed_in(billing)
    device = set_up_device(client, billing)
    code = current_code(device)
    response = client.post(reverse("mfa:mfa-setup"), {"code": code})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())

    logged = " ".join(str(entry.additional_data) + entry.object_repr for entry in LogEntry.objects.all())
    for secret in [device.key, code, *codes]:
        assert secret not in logged


# --- The code page ------------------------------------------------------------------------------------


def test_a_right_code_verifies_the_session_and_goes_to_next(billing):
    device = confirmed_device(billing)
    client = signed_in(billing)

    response = client.post(reverse("mfa:mfa-verify"), {"code": current_code(device), "next": "/audit/"})

    assert response["Location"] == "/audit/"
    assert client.get("/").status_code == 200
    assert audit_events(billing) == ["verified"]


def test_a_wrong_code_is_refused(billing):
    device = confirmed_device(billing)
    client = signed_in(billing)
    wrong = "123456" if current_code(device) != "123456" else "654321"

    response = client.post(reverse("mfa:mfa-verify"), {"code": wrong})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/")["Location"].startswith(reverse("mfa:mfa-verify"))
    assert audit_events(billing) == ["verification_failed"]


def test_repeated_wrong_codes_are_throttled_even_when_the_next_one_is_right(billing, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = confirmed_device(billing)
    client = signed_in(billing)
    wrong = "123456" if current_code(device) != "123456" else "654321"
    client.post(reverse("mfa:mfa-verify"), {"code": wrong})

    response = client.post(reverse("mfa:mfa-verify"), {"code": current_code(device)})

    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/")["Location"].startswith(reverse("mfa:mfa-verify"))


def test_a_recovery_code_works_once(billing):
    confirmed_device(billing)
    code = recovery_codes_replace(user=billing)[0]
    first, second = signed_in(billing), signed_in(billing)

    assert first.post(reverse("mfa:mfa-verify"), {"code": code.upper()})["Location"] == reverse("frontdesk:home")
    assert first.get("/").status_code == 200
    second.post(reverse("mfa:mfa-verify"), {"code": code})
    assert second.get("/")["Location"].startswith(reverse("mfa:mfa-verify"))
    assert StaticToken.objects.filter(device__user=billing).count() == RECOVERY_CODE_COUNT - 1


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/", "javascript:alert(1)"]
)
def test_it_refuses_to_send_anyone_to_another_site(billing, next_url):
    device = confirmed_device(billing)

    response = signed_in(billing).post(reverse("mfa:mfa-verify"), {"code": current_code(device), "next": next_url})

    assert response["Location"] == reverse("frontdesk:home")


@pytest.mark.parametrize("next_url", ["foo", "audit", "home.html"])
def test_it_sends_a_verified_session_home_when_next_is_no_path(billing, client_for, next_url):
    """A bare word in `next` is no address on this site (redirect() would look it up as a URL name and fail)."""
    response = client_for(billing).get(reverse("mfa:mfa-verify"), {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:home")


# --- Resets -------------------------------------------------------------------------------------------


def test_the_office_manager_resets_a_lost_device(manager, billing, client_for):
    billing_client = client_for(billing)  # verified, with a device
    assert billing_client.get("/").status_code == 200

    response = client_for(manager).post(reverse("mfa:mfa-staff-reset", args=[billing.pk]))

    assert response["Location"] == reverse("mfa:mfa-staff-list")
    assert not TOTPDevice.objects.filter(user=billing).exists()
    assert billing_client.get("/")["Location"].startswith(reverse("mfa:mfa-setup"))
    entry = LogEntry.objects.get(object_pk=str(billing.pk), additional_data__two_factor="reset")
    assert entry.actor == manager


def test_only_the_office_manager_may_reset(billing, front_desk, client_for):
    confirmed_device(front_desk)

    assert client_for(billing).post(reverse("mfa:mfa-staff-reset", args=[front_desk.pk])).status_code == 403
    assert client_for(billing).get(reverse("mfa:mfa-staff-list")).status_code == 403
    assert TOTPDevice.objects.filter(user=front_desk).exists()


def test_nobody_resets_their_own_second_step(manager, client_for):
    client = client_for(manager)

    response = client.post(reverse("mfa:mfa-staff-reset", args=[manager.pk]), follow=True)

    assert "You cannot reset your own two-step sign-in" in response.content.decode()
    assert TOTPDevice.objects.filter(user=manager).exists()


def test_only_a_superuser_resets_an_administrator_account(manager, client_for):
    from tests.factories import UserFactory

    admin = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    confirmed_device(admin)

    response = client_for(manager).post(reverse("mfa:mfa-staff-reset", args=[admin.pk]), follow=True)
    assert "Only a superuser can reset" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()

    other_admin = UserFactory(username="other_admin", is_staff=True, is_superuser=True)
    client_for(other_admin).post(reverse("mfa:mfa-staff-reset", args=[admin.pk]))
    assert not TOTPDevice.objects.filter(user=admin).exists()


def test_the_command_resets_and_audits(billing, manager):
    confirmed_device(billing)
    out = StringIO()

    call_command("reset_two_factor", billing.username, "--actor", manager.username, stdout=out)

    assert not TOTPDevice.objects.filter(user=billing).exists()
    assert LogEntry.objects.get(additional_data__two_factor="reset").actor == manager


def test_the_verified_session_is_refused_once_its_device_is_gone(billing, client_for):
    client = client_for(billing)
    TOTPDevice.objects.filter(user=billing).delete()

    assert client.get("/")["Location"].startswith(reverse("mfa:mfa-setup"))


def test_verify_otp_marks_the_session(billing):
    client = signed_in(billing)
    verify_otp(client, billing)

    assert client.get("/").status_code == 200


def test_signing_out_elsewhere_ends_a_session_verified_through_the_code_page(billing):
    """The code page gives the session a new key; the session register must follow it."""
    device = confirmed_device(billing)
    laptop, phone = signed_in(billing), signed_in(billing)
    for client in (laptop, phone):
        device.refresh_from_db()
        device.last_t = -1  # both sign in within one 30-second step
        device.save(update_fields=["last_t"])
        client.post(reverse("mfa:mfa-verify"), {"code": current_code(device)})
    assert laptop.get("/").status_code == 200

    phone.post(reverse("sessions:sign-out-elsewhere"))

    assert phone.get("/").status_code == 200
    assert laptop.get("/")["Location"].startswith(reverse("login"))
