"""The per-username sign-in throttle: a lock that the right password *plus* the second step still passes.

django-axes locks a network address after `AXES_FAILURE_LIMIT` failures (AXES_LOCKOUT_PARAMETERS is the
address only). A lock per username, whoever sends the attempts, would let anyone on the internet lock the
office manager out for an hour with five wrong passwords; no lock per username would let a botnet guess a
password from many addresses. So, per username, after `AXES_FAILURE_LIMIT` failures counted over every
address within the cool-off (an hour after the last failure):

- the password alone no longer signs in: the sign-in form asks for the password *and* a code from the
  authenticator app (or a recovery code) in the same submission, and says only "not signed in" whichever of
  the two was wrong, so a guessed password learns nothing without the code, and each wrong code is throttled
  by django-otp on the device (1 s, 2 s, 4 s…);
- the real person, who has their app, signs in as usual with both and their session is verified at once;
- an account without a second step (a patient who has not turned it on) stays locked until the cool-off
  ends or a password reset (by the link sent to the account's email) clears its failures.

The trade-off is in docs/security.md ("Round 2").
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, user_login_failed
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import Device

from clinic_billing.client_address import client_address

from .services import two_factor_check


def username_failures(username: str) -> int:
    """Failed sign-ins for `username` within the cool-off, from every address."""
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    attempts = AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


def username_throttled(username: str) -> bool:
    return username_failures(username) >= settings.AXES_FAILURE_LIMIT


def throttled_message() -> str:
    """The portal's wording: a patient without their app can reset the password by the emailed link."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return _(
        "There were many failed attempts to sign in to this account, so the password alone is not enough for "
        "now. Type your password and the code from your authenticator app (or a recovery code). Without the "
        "app, reset your password or wait %(minutes)s minutes."
    ) % {"minutes": minutes}


def staff_throttled_message() -> str:
    """The staff wording: staff cannot reset their own password, the office manager or an administrator can."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return _(
        "There were many failed attempts to sign in to this account, so the password alone is not enough for "
        "now. Type your password and the code from your authenticator app (or a recovery code). Without the "
        "app, ask the office manager or an administrator, or wait %(minutes)s minutes."
    ) % {"minutes": minutes}


def sign_in_with_second_step(
    request: HttpRequest, *, username: str, password: str, code: str, refusal: Callable[[], str] = throttled_message
) -> tuple[User, Device]:
    """Authenticate a throttled username with its password and a second-step code, both right, or refuse with
    one message (`refusal`, the audience's wording) whichever was wrong (a wrong code counts as a failed
    sign-in, like a wrong password)."""
    user = authenticate(request, username=username, password=password)
    result = (
        two_factor_check(user=user, code=code, remote_addr=client_address(request))
        if user is not None and code.strip()
        else None
    )
    if user is None or result is None or result.device is None:
        if user is not None:
            # The password was right: count the attempt anyway, so the answer and the count do not tell.
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        raise ValidationError(refusal(), code="second_step_required")
    return user, result.device


class ThrottledSignInFormMixin:
    """For AuthenticationForm subclasses: the per-username throttle described above.

    Adds nothing while the username is not throttled; once it is, the form has `second_step_required` set,
    shows the code field, and `verified_device` holds the device that accepted the code.
    """

    request: HttpRequest | None
    user_cache: Any  # AuthenticationForm declares it with its own user type
    cleaned_data: dict[str, Any]
    data: Any
    second_step_required = False
    verified_device: Device | None = None
    # What a refused throttled sign-in is told; the staff form says whom to ask instead of "reset".
    throttled_message = staticmethod(throttled_message)

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password or not username_throttled(username):
            return super().clean()  # type: ignore[misc, no-any-return]
        self.second_step_required = True
        assert self.request is not None
        user, device = sign_in_with_second_step(
            self.request,
            username=username,
            password=password,
            code=str(self.data.get("otp_token", "")),
            refusal=self.throttled_message,
        )
        self.confirm_login_allowed(user)  # type: ignore[attr-defined]
        self.user_cache = user
        self.verified_device = device
        return self.cleaned_data


def verify_session_after_sign_in(request: HttpRequest, form: Any) -> None:
    """After `login()`: the code typed with the password verifies the session (no second prompt)."""
    device = getattr(form, "verified_device", None)
    if device is not None:
        otp_login(request, device)
