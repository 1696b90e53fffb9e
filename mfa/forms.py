from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy

from clinic_billing.forms import StaffForm

from .sign_in_throttle import ThrottledSignInFormMixin, staff_throttled_message


class SetUpCodeForm(StaffForm):
    code = forms.CharField(
        label=gettext_lazy("The 6-digit code your app shows"),
        max_length=12,
        error_messages={"required": gettext_lazy("Enter the 6-digit code from your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(
                gettext_lazy("The code is 6 digits, like 123456. Type the one your app shows now.")
            )
        return code


class VerifyCodeForm(StaffForm):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your recovery codes."),
        error_messages={"required": gettext_lazy("Enter the code from your authenticator app, or a recovery code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "none"}),
    )


class StaffLoginForm(ThrottledSignInFormMixin, AuthenticationForm):
    """The staff sign-in; after many failures for the username, the code is asked with the password."""

    throttled_message = staticmethod(staff_throttled_message)

    otp_token = forms.CharField(
        label=gettext_lazy("Code"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )
