"""Forms of accounts: sign-in, two-factor codes and the pupil directory search."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import YearGroup


class EmailLoginForm(AuthenticationForm):
    """Sign in with an email address. The error is the same whether or not the address exists."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "Enter a correct email address and password.",
    }


class TokenForm(forms.Form):
    """A six-digit code from an authenticator app."""

    otp_token = forms.RegexField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app.",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6-digit code from your authenticator app.",
                        "required": "Enter the 6-digit code from your authenticator app."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "govuk-input--width-5"}
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].strip()
        if self.device is None or not self.device.verify_token(token):
            raise forms.ValidationError("The code is not right or has expired. Enter the current code.")
        return token


class PupilSearchForm(forms.Form):
    q = forms.CharField(label="Name or MIS id", required=False, max_length=100)
    year_group = forms.TypedChoiceField(
        label="Year group",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any year group"), *YearGroup.choices],
    )
