"""A signed-in person's own sessions: the staff "My account" page, and signing out everywhere else."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic_billing.roles import StaffRequest, acting_user, staff_only

from .models import UserSession
from .services import SIGNED_OUT_ELSEWHERE, sessions_end


def _sign_out_elsewhere(request: HttpRequest) -> None:
    user = acting_user(request)
    ended = sessions_end(
        user=user, reason=SIGNED_OUT_ELSEWHERE, actor=user, keep_session_key=request.session.session_key
    )
    if ended:
        messages.success(request, _("You are now signed out on every other computer and phone."))
    else:
        messages.info(request, _("You were not signed in anywhere else."))


@staff_only
@require_GET
def my_account(request: StaffRequest) -> HttpResponse:
    """The staff member's own account: who they are and where they are signed in."""
    sessions = list(UserSession.objects.filter(user=request.user))
    return render(
        request,
        "staff/session_policy/my_account.html",
        {
            "sessions": sessions,
            "current_key": request.session.session_key,
            "idle_minutes": settings.STAFF_SESSION_IDLE_SECONDS // 60,
        },
    )


@staff_only
@require_POST
def staff_sign_out_elsewhere(request: StaffRequest) -> HttpResponse:
    _sign_out_elsewhere(request)
    return redirect("sessions:my-account")


@login_required(login_url="portal:portal-login")
@require_POST
def portal_sign_out_elsewhere(request: HttpRequest) -> HttpResponse:
    """The portal button: back to the page it was pressed on."""
    _sign_out_elsewhere(request)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/portal/"
    return redirect(next_url)
