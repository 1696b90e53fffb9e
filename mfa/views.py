"""The second step of signing in: set up an authenticator app, give its code, and staff resets.

The same views serve staff (staff templates, /two-factor/) and patients (portal templates, /portal/two-step/):
`audience` in the URL conf picks the templates and where to go afterwards.
"""

from base64 import b32encode
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic_billing.client_address import client_address
from clinic_billing.roles import OFFICE_MANAGER, STAFF_ROLES, user_roles
from session_policy.services import TWO_FACTOR_TURNED_ON, session_cycle_key, sessions_end

from . import services
from .forms import SetUpCodeForm, StaffLoginForm, VerifyCodeForm
from .sign_in_throttle import verify_session_after_sign_in

STAFF = "staff"
PORTAL = "portal"


def _default_next(audience: str) -> str:
    return reverse("frontdesk:home") if audience == STAFF else reverse("portal:portal-home")


def _next_url(request: HttpRequest, audience: str) -> str:
    """Where to go once the step is done: `next` if it is a path on this site, else the audience's home.

    Only a path: `redirect()` takes a bare word such as `foo` for a URL name and fails when none matches.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return _default_next(audience)


def _check_audience(request: HttpRequest, audience: str) -> None:
    """Staff set up and verify on the staff pages; patients on the portal's."""
    if (audience == STAFF) != services.requires_two_factor(request.user):
        raise PermissionDenied


def _throttled_message(locked_until: datetime) -> str:
    seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    return ngettext(
        "Too many wrong codes. Wait %(seconds)s second, then type the code your app shows then.",
        "Too many wrong codes. Wait %(seconds)s seconds, then type the code your app shows then.",
        seconds,
    ) % {"seconds": seconds}


def _grouped(secret: str) -> str:
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def _finish_sign_in(request: HttpRequest, device: Any) -> None:
    """Mark the session as verified by this device and give it a new key (the old one may have leaked)."""
    otp_login(request, device)
    session_cycle_key(request=request)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _template(audience: str, name: str) -> str:
    return f"mfa/{audience}/{name}.html"


@sensitive_post_parameters("code")
@never_cache
def set_up(request: HttpRequest, audience: str) -> HttpResponse:
    """Show the QR code and the secret of a new device; a right code confirms it and shows recovery codes."""
    _check_audience(request, audience)
    user = request.user
    if services.has_confirmed_device(user):  # type: ignore[arg-type]
        if audience == PORTAL:
            return redirect("mfa:mfa-portal-settings")
        return redirect(_with_next("mfa:mfa-verify", _next_url(request, audience)))
    device = services.totp_device_for_set_up(user=user)  # type: ignore[arg-type]
    form = SetUpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.totp_device_confirm(
            user=user,  # type: ignore[arg-type]
            code=form.cleaned_data["code"],
            remote_addr=client_address(request),
        )
        if result.accepted:
            _finish_sign_in(request, result.device)
            request.session[services.TWO_FACTOR_REQUIRED_SESSION_KEY] = True
            # Sessions signed in elsewhere with the password alone (perhaps someone who has it) end now.
            sessions_end(user=user, reason=TWO_FACTOR_TURNED_ON, keep_session_key=request.session.session_key)  # type: ignore[arg-type]
            # Shown in this answer only: the codes are never displayed again.
            return render(
                request,
                _template(audience, "recovery_codes"),
                {"codes": result.recovery_codes, "next": _next_url(request, audience)},
            )
        if result.locked_until is not None:
            form.add_error("code", _throttled_message(result.locked_until))
        else:
            form.add_error(
                "code",
                _(
                    "That code is not right. Check that the app shows the account for this clinic and that your "
                    "phone's clock is right, then type the code it shows now."
                ),
            )
    secret = b32encode(device.bin_key).decode("ascii")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=2, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )
    context = {"form": form, "qr_svg": qr_svg, "secret": _grouped(secret), "next": _next_url(request, audience)}
    return render(request, _template(audience, "set_up"), context)


@sensitive_post_parameters("code")
@never_cache
def verify(request: HttpRequest, audience: str) -> HttpResponse:
    """Ask for a code from the app (or a recovery code) once per sign-in."""
    _check_audience(request, audience)
    user = request.user
    next_url = _next_url(request, audience)
    if services.session_verified(request):
        return redirect(next_url)
    if not services.has_confirmed_device(user):  # type: ignore[arg-type]
        if audience == PORTAL:
            # Turned off in another session: nothing left to ask for.
            request.session.pop(services.TWO_FACTOR_REQUIRED_SESSION_KEY, None)
            return redirect(next_url)
        return redirect(_with_next("mfa:mfa-setup", next_url))
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_check(
            user=user,  # type: ignore[arg-type]
            code=form.cleaned_data["code"],
            remote_addr=client_address(request),
        )
        if result.accepted:
            _finish_sign_in(request, result.device)
            if result.device is not None and not isinstance(result.device, TOTPDevice):
                left = services.recovery_codes_left(user=user)  # type: ignore[arg-type]
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code. %(count)s is left; ask for a reset if you lost your phone.",
                        "You used a recovery code. %(count)s are left; ask for a reset if you lost your phone.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
        if result.locked_until is not None:
            form.add_error("code", _throttled_message(result.locked_until))
        else:
            form.add_error("code", _("That code is not right. Type the code your app shows now, or a recovery code."))
    context = {"form": form, "next": next_url, "demo_code": services.demo_code_shown(user=user)}  # type: ignore[arg-type]
    return render(request, _template(audience, "verify"), context)


@never_cache
@login_required(login_url="portal:portal-login")
def portal_settings(request: HttpRequest) -> HttpResponse:
    """A patient's two-step sign-in: turn it on (set-up) or off."""
    _check_audience(request, PORTAL)
    enabled = services.has_confirmed_device(request.user)  # type: ignore[arg-type]
    if request.method == "POST" and enabled:
        if not services.session_verified(request):
            return redirect(_with_next("mfa:mfa-portal-verify", reverse("mfa:mfa-portal-settings")))
        services.two_factor_reset(
            user=request.user,  # type: ignore[arg-type]
            actor=request.user,  # type: ignore[arg-type]
            event=services.Event.TURNED_OFF,
            remote_addr=client_address(request),
        )
        request.session.pop(services.TWO_FACTOR_REQUIRED_SESSION_KEY, None)
        messages.success(request, _("Two-step sign-in is off. You sign in with your password only."))
        return redirect("mfa:mfa-portal-settings")
    return render(request, "mfa/portal/settings.html", {"enabled": enabled})


def _may_reset(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or OFFICE_MANAGER in user_roles(user)


def _reset_refusal(*, actor: Any, member: Any) -> str | None:
    """Why `actor` may not reset `member`'s second factor, or None. A reset lets the next person with the
    password enrol a phone, so nobody resets their own, and only a superuser resets an admin account."""
    if member.pk == actor.pk:
        return _("You cannot reset your own two-step sign-in: ask another office manager.")
    if (member.is_superuser or member.is_staff) and not actor.is_superuser:
        return _("Only a superuser can reset the two-step sign-in of an administrator account.")
    return None


def _staff_members() -> Any:
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    return (
        User.objects.filter(Q(groups__name__in=STAFF_ROLES) | Q(is_staff=True) | Q(is_superuser=True))
        .distinct()
        .annotate(two_factor_on=Exists(confirmed))
        .order_by("username")
    )


@never_cache
@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """The office manager's list of staff and whether each has set up the second step, with resets."""
    if not _may_reset(request.user):
        raise PermissionDenied
    return render(request, "mfa/staff/staff_list.html", {"members": _staff_members()})


@require_POST
@login_required
def staff_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Delete a staff member's devices (lost phone); they set up a new one at their next page."""
    if not _may_reset(request.user):
        raise PermissionDenied
    member = get_object_or_404(_staff_members(), pk=user_id)
    refusal = _reset_refusal(actor=request.user, member=member)
    if refusal:
        messages.error(request, refusal)
        return redirect("mfa:mfa-staff-list")
    services.two_factor_reset(user=member, actor=request.user, remote_addr=client_address(request))  # type: ignore[arg-type]
    messages.success(
        request,
        _("Two-step sign-in of %(username)s is reset. They set it up again when they next sign in.")
        % {"username": member.get_username()},
    )
    return redirect("mfa:mfa-staff-list")


class StaffLoginView(auth_views.LoginView):
    """Password first, then the code page; while the username is throttled, both in one form (sign_in_throttle)."""

    template_name = "staff/login.html"
    authentication_form = StaffLoginForm

    def form_valid(self, form: StaffLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        verify_session_after_sign_in(self.request, form)
        return response
