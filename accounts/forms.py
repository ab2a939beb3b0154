"""Forms of accounts: sign-in, two-factor codes, the pupil directory search and the MIS upload."""

import math
import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import timezone

from accounts import access, sso
from accounts.models import TrustSignOn, User, YearGroup
from accounts.roles import Action


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

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        # The password was right, so saying why it is not enough tells nobody anything new.
        if not sso.password_sign_in_allowed(user):
            raise forms.ValidationError(sso.password_refusal_message(user), code="sso_required")


class SignOnStartForm(forms.Form):
    """The single sign-on button of one trust (and where to go once signed in)."""

    sign_on = forms.ModelChoiceField(queryset=TrustSignOn.objects.filter(enabled=True))
    next = forms.CharField(required=False, max_length=2000)


class PortalPasswordResetForm(PasswordResetForm):
    """Password reset that also reaches people who have never set a password: parents and carers
    added by an MIS import get an account with no usable password and choose one this way."""

    def get_users(self, email):
        """Active users with this email address, whether or not they have set a password yet."""

        def folded(value: str) -> str:
            return unicodedata.normalize("NFKC", value).casefold()

        # As Django's own form does: the database's case-insensitive match is checked again with
        # Unicode case folding, so a look-alike address never receives someone else's link.
        users = User.objects.filter(email__iexact=email, is_active=True)
        return (user for user in users if folded(user.email) == folded(email))


class TokenForm(forms.Form):
    """A six-digit code from an authenticator app."""

    otp_token = forms.RegexField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app.",
        regex=r"^\s*\d{6}\s*$",
        error_messages={
            "invalid": "Enter the 6-digit code from your authenticator app.",
            "required": "Enter the 6-digit code from your authenticator app.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "govuk-input--width-5"}
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].strip()
        if self.device is None:
            raise forms.ValidationError("The code is not right or has expired. Enter the current code.")
        # After a wrong code the device waits (doubling each time) before it checks another; say so,
        # or a person typing the right code during the wait is told it is wrong.
        allowed, details = self.device.verify_is_allowed()
        if not allowed and details.get("locked_until"):
            wait = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
            raise forms.ValidationError(
                f"Too many wrong codes. Wait {wait} second{'s' if wait != 1 else ''}, then enter the "
                "current code."
            )
        if not self.device.verify_token(token):
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


class ImportUploadForm(forms.Form):
    """Upload an MIS export into one of the schools the user administers."""

    file = forms.FileField(
        label="Upload the MIS export",
        help_text="A CSV file, smaller than 50 MB.",
        error_messages={"required": "Choose the CSV file to import", "empty": "The file is empty"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The school comes first on the page; only the schools the user administers are offered,
        # so a posted id from elsewhere is a validation error.
        self.fields = {
            "school": forms.ModelChoiceField(
                label="School",
                queryset=access.schools_queryset(user, Action.ADMINISTER_SCHOOL).order_by("name"),
                empty_label="Choose a school",
                error_messages={
                    "invalid_choice": "Choose one of your schools.",
                    "required": "Choose a school.",
                },
            ),
            **self.fields,
        }
