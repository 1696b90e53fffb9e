"""Portal accounts: signing in and out, opening an account from an invitation, resetting a password.

A patient signs in with their email address (their user name is the lower-cased address). Staff who sign in
here are sent to the staff screens. django-axes counts failed attempts; its lockout answer is `locked_out`.
"""

from typing import Any

from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.roles import is_staff_member
from mfa.sign_in_throttle import ThrottledSignInFormMixin, verify_session_after_sign_in
from patients.models import Patient
from patients.services import contact_change_confirm_by_patient, contact_change_for_token

from .. import staff_views
from ..invitations import (
    invitation_accept,
    invitation_accept_signed_in,
    invitation_for_existing_account,
    invitation_for_token,
)
from ..models import PortalInvitation

# The backend `login()` records for a user who has just set their password (no authentication ran).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _idle_minutes() -> int:
    return settings.PORTAL_SESSION_IDLE_SECONDS // 60


class PortalLoginForm(ThrottledSignInFormMixin, AuthenticationForm):
    username = forms.CharField(
        label=gettext_lazy("Email address"),
        max_length=254,
        error_messages={"required": gettext_lazy("Enter your email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "class": "form-control"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        error_messages={"required": gettext_lazy("Enter your password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"}),
    )
    otp_token = forms.CharField(
        label=gettext_lazy("Code"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "class": "form-control"}),
    )
    error_messages = {
        "invalid_login": gettext_lazy(
            "The email address or password is not right. Check them and try again, or reset your password."
        ),
        "inactive": gettext_lazy("This account is closed. Contact the clinic."),
    }

    def clean_username(self) -> str:
        # Portal accounts are named by the lower-cased email; staff user names are kept as typed.
        username = self.cleaned_data["username"].strip()
        return username.lower() if "@" in username else username


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/account/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True
    next_page = "portal:portal-home"

    def get_success_url(self) -> str:
        if is_staff_member(self.request.user):
            return reverse("frontdesk:home")
        return super().get_success_url()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "idle_minutes": _idle_minutes()}

    def form_valid(self, form: PortalLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        verify_session_after_sign_in(self.request, form)
        return response


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """django-axes' answer once an email address or a network address has failed too often (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    return render(request, "portal/account/locked_out.html", {"minutes": minutes}, status=429)


class ActivateForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("Create a password"),
        strip=False,
        error_messages={"required": gettext_lazy("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "form-control"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Type the password again"),
        strip=False,
        error_messages={"required": gettext_lazy("Type the password again, so we know it has no typing mistake.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "form-control"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(password_validation.password_validators_help_texts())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same. Type the same password twice."))
        return cleaned


@sensitive_post_parameters("password1", "password2")
@never_cache
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """Open the account an invitation offers: choose a password, then you are signed in. When the address
    already has an account, that account signs in first and then accepts (`_accept_into_existing_account`)."""
    try:
        invitation = invitation_for_token(token)
    except NotFound:
        return render(request, "portal/account/activate_invalid.html", status=404)
    existing = invitation_for_existing_account(invitation)
    if existing is not None:
        return _accept_into_existing_account(request, token, invitation, existing)
    form = ActivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["password1"])
        except NotFound:
            return render(request, "portal/account/activate_invalid.html", status=404)
        except ApplicationError as exc:
            form.add_error("password1" if exc.field == "password" else None, exc.message)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _("Your account is ready. You are signed in."))
            return redirect("portal:portal-home")
    return render(request, "portal/account/activate.html", {"form": form, "email": invitation.email})


def _accept_into_existing_account(
    request: HttpRequest, token: str, invitation: PortalInvitation, existing: Any
) -> HttpResponse:
    """Nobody is signed in: ask them to sign in with the account's own password (the link comes back here).
    Someone else is signed in: say so. The account itself is signed in: one button adds the access."""
    template = "portal/account/activate_existing.html"
    context = {"email": invitation.email, "next": request.path}
    if not request.user.is_authenticated:
        return render(request, template, {**context, "state": "sign_in"})
    if request.user.pk != existing.pk:
        return render(request, template, {**context, "state": "other_account"}, status=403)
    if request.method == "POST":
        try:
            invitation_accept_signed_in(token=token, user=existing)
        except NotFound:
            return render(request, "portal/account/activate_invalid.html", status=404)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The invitation is accepted: your account has the new access."))
        return redirect("portal:portal-home")
    return render(request, template, {**context, "state": "confirm"})


@never_cache
def contact_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to the patient's previous address (or phone) after someone else changed their email:
    the page asks, and only the button confirms (mail scanners open links, they do not press buttons)."""
    template = "portal/account/contact_change.html"
    try:
        change = contact_change_for_token(token)
    except NotFound:
        return render(request, template, {"state": "invalid"}, status=404)
    if request.method == "POST":
        try:
            contact_change_confirm_by_patient(token=token)
        except NotFound:
            return render(request, template, {"state": "invalid"}, status=404)
        return render(request, template, {"state": "done", "new_email": change.new_email})
    return render(request, template, {"state": "confirm", "new_email": change.new_email})


class PortalPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Enter your email address."),
            "invalid": gettext_lazy("Enter an email address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "form-control"}),
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Write the email in the patient's language (a proxy's own account gets the page's language)."""
        user = context["user"]
        patient = Patient.objects.filter(user_id=user.pk).only("language").first()
        language = patient.language if patient is not None else translation.get_language()
        context = {**context, "site_url": settings.SITE_URL, "CLINIC": settings.CLINIC}
        with translation.override(language):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
            )


class PortalSetPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
        self.fields["new_password1"].help_text = " ".join(password_validation.password_validators_help_texts())

    def save(self, commit: bool = True) -> Any:
        """A new password through the emailed link also lifts the username's sign-in throttle: the person
        proved they read the account's email, and the failures were against the old password."""
        user = super().save(commit=commit)
        axes_reset(username=user.get_username())
        return user


password_reset = auth_views.PasswordResetView.as_view(
    template_name="portal/registration/password_reset_form.html",
    email_template_name="portal/email/password_reset.txt",
    subject_template_name="portal/email/password_reset_subject.txt",
    form_class=PortalPasswordResetForm,
    success_url=reverse_lazy("portal:portal-password-reset-done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="portal/registration/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="portal/registration/password_reset_confirm.html",
    form_class=PortalSetPasswordForm,
    success_url=reverse_lazy("portal:portal-password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="portal/registration/password_reset_complete.html"
)

urlpatterns = [
    path("sign-in/", PortalLoginView.as_view(), name="portal-login"),
    path("sign-out/", auth_views.LogoutView.as_view(next_page="portal:portal-login"), name="portal-logout"),
    path("activate/<str:token>/", activate, name="portal-activate"),
    path("contact-change/<str:token>/", contact_change_confirm, name="portal-contact-change-confirm"),
    path("password-reset/", password_reset, name="portal-password-reset"),
    path("password-reset/sent/", password_reset_done, name="portal-password-reset-done"),
    path("password-reset/<uidb64>/<token>/", password_reset_confirm, name="portal-password-reset-confirm"),
    path("password-reset/done/", password_reset_complete, name="portal-password-reset-complete"),
    path("staff/patients/<int:patient_id>/invite/", staff_views.invite, name="portal-staff-invite"),
]
