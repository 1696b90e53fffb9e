"""Two-step sign-in: set up an authenticator app, check its codes, recovery codes, resets, and their audit.

Secrets and codes never reach the audit log or the logs: an audit row says who, whose, what happened and
with which kind of factor, nothing more. Wrong codes are throttled by django-otp itself (each device
doubles the wait after each failure, OTP_TOTP_THROTTLE_FACTOR / OTP_STATIC_THROTTLE_FACTOR seconds first).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic_billing.roles import reaches_staff_screens

# Set at sign-in for a user who has a confirmed device: the middleware then asks for the second step on
# every page until the session is verified. Staff need no flag: they always need the second step.
TWO_FACTOR_REQUIRED_SESSION_KEY = "mfa_required"
RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The device demo data gives each demo staff user (demo/seeding.py), only with DEBUG on: its current code is
# what `manage.py demo_code` prints and, in demo mode, what the code page shows. No other device ever has it.
DEMO_DEVICE_NAME = "Demo authenticator"


class Event:
    SET_UP = "set_up"
    VERIFIED = "verified"
    VERIFICATION_FAILED = "verification_failed"
    RESET = "reset"
    TURNED_OFF = "turned_off"


EVENT_ACTIONS = {
    Event.SET_UP: LogEntry.Action.CREATE,
    Event.VERIFIED: LogEntry.Action.ACCESS,
    Event.VERIFICATION_FAILED: LogEntry.Action.ACCESS,
    Event.RESET: LogEntry.Action.DELETE,
    Event.TURNED_OFF: LogEntry.Action.DELETE,
}


@dataclass(frozen=True)
class CheckResult:
    """What a code check came to: the device that accepted it, or why not."""

    device: Device | None = None
    locked_until: datetime | None = None
    recovery_codes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.device is not None


def requires_two_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Everyone who can open a staff screen or the admin must use a second factor."""
    return bool(user.is_authenticated and reaches_staff_screens(user))


def session_verified(request: HttpRequest) -> bool:
    """Whether this request's session has passed the second step (django-otp's OTPMiddleware tells)."""
    is_verified = getattr(request.user, "is_verified", None)
    return callable(is_verified) and bool(is_verified())


def has_confirmed_device(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def remember_two_factor_at_login(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """`user_logged_in` receiver: a patient who turned the second step on must pass it in this session."""
    if request is None or not hasattr(request, "session"):
        return
    if has_confirmed_device(user):
        request.session[TWO_FACTOR_REQUIRED_SESSION_KEY] = True
    else:
        request.session.pop(TWO_FACTOR_REQUIRED_SESSION_KEY, None)


def two_factor_audit(
    *,
    user: AbstractBaseUser,
    actor: AbstractBaseUser | None,
    event: str,
    method: str = "",
    remote_addr: str | None = None,
) -> LogEntry:
    """One audit row on the user whose second factor this is: who did what, never a secret or a code."""
    additional: dict[str, str] = {"two_factor": event}
    if method:
        additional["method"] = method
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr=f"two-step sign-in of {user.get_username()}",
        action=EVENT_ACTIONS[event],
        actor=actor if actor is not None and actor.is_authenticated else None,
        remote_addr=remote_addr,
        additional_data=additional,
    )


def totp_device_for_set_up(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being set up (the same secret on every visit until a code confirms it)."""
    with transaction.atomic():
        # Two first visits at once (a double click, two tabs) must not make two secrets: lock the user's row.
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user_id=user.pk, name=DEVICE_NAME, confirmed=False)
    return device


def _locked_until(device: Device) -> datetime | None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    return (details or {}).get("locked_until")


def recovery_codes_replace(*, user: AbstractBaseUser) -> list[str]:
    """Throw away any recovery codes and make RECOVERY_CODE_COUNT new ones, each usable once."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user_id=user.pk, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def totp_device_confirm(*, user: AbstractBaseUser, code: str, remote_addr: str | None = None) -> CheckResult:
    """Confirm the device being set up with a code from the app; on success, issue new recovery codes.

    A wrong code keeps the unconfirmed device (and its secret), so the person can try again.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).order_by("pk").first()
        if device is None:
            return CheckResult()
        locked_until = _locked_until(device)
        if locked_until is not None:
            return CheckResult(locked_until=locked_until)
        if not device.verify_token(code):
            result = CheckResult(locked_until=None)
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
            codes = recovery_codes_replace(user=user)
            two_factor_audit(user=user, actor=user, event=Event.SET_UP, method="totp", remote_addr=remote_addr)
            return CheckResult(device=device, recovery_codes=codes)
    two_factor_audit(user=user, actor=user, event=Event.VERIFICATION_FAILED, method="totp", remote_addr=remote_addr)
    return result


def _looks_like_app_code(code: str) -> bool:
    return code.isdigit() and len(code) in (6, 8)


def two_factor_check(*, user: AbstractBaseUser, code: str, remote_addr: str | None = None) -> CheckResult:
    """Check a code from the app, or a recovery code (which is then used up), against the user's devices.

    Digits go to the app's device, anything else to the recovery codes, so a wrong code counts against one
    device's throttle only.
    """
    code = code.strip().replace(" ", "").lower()
    method = "totp" if _looks_like_app_code(code) else "recovery_code"
    model: type[Device] = TOTPDevice if method == "totp" else StaticDevice
    accepted = None
    locked_until = None
    with transaction.atomic():
        devices = list(model.objects.select_for_update().filter(user_id=user.pk, confirmed=True).order_by("pk"))
        for device in devices:
            locked_until = _locked_until(device)
            if locked_until is None and device.verify_token(code):
                accepted = device
                break
    if accepted is not None:
        two_factor_audit(user=user, actor=user, event=Event.VERIFIED, method=method, remote_addr=remote_addr)
        return CheckResult(device=accepted)
    two_factor_audit(user=user, actor=user, event=Event.VERIFICATION_FAILED, method=method, remote_addr=remote_addr)
    return CheckResult(locked_until=locked_until)


def recovery_codes_left(*, user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def two_factor_reset(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | None, event: str = Event.RESET, remote_addr: str | None = None
) -> int:
    """Delete every second-factor device of the user (lost phone); they set one up at their next page.

    Their open sessions lose their verification at once: the device those sessions name no longer exists.
    Returns how many devices were deleted.
    """
    with transaction.atomic():
        deleted = TOTPDevice.objects.filter(user_id=user.pk).delete()[0]
        StaticDevice.objects.filter(user_id=user.pk).delete()
        two_factor_audit(user=user, actor=actor, event=event, remote_addr=remote_addr)
    return deleted


def demo_device_ensure(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """Give a demo user a set-up authenticator whose codes the demo shows, so nobody needs an app to try it.

    Only with DEBUG on (None otherwise, and nothing is created); a user who already has a set-up device
    keeps it (returned only when it is the demo one).
    """
    if not settings.DEBUG:
        return None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        existing = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()
        if existing is not None:
            return existing if existing.name == DEMO_DEVICE_NAME else None
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        device = TOTPDevice.objects.create(user_id=user.pk, name=DEMO_DEVICE_NAME, confirmed=True)
        two_factor_audit(user=user, actor=None, event=Event.SET_UP, method="totp")
    return device


def demo_code(*, user: AbstractBaseUser) -> str | None:
    """The code a demo user's authenticator would show now; None unless DEBUG is on and the device is the demo one.

    A real device's code is never computed here, whatever the settings.
    """
    if not settings.DEBUG:
        return None
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True, name=DEMO_DEVICE_NAME).first()
    if device is None:
        return None
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def demo_code_shown(*, user: AbstractBaseUser) -> str | None:
    """The demo user's code for the code page: only in demo mode (DEMO_MODE, itself only honoured with DEBUG)."""
    if not settings.DEMO_MODE:
        return None
    return demo_code(user=user)
