"""Views of accounts, one module per part: signing in, two-factor and the pupil directory (people),
and the MIS import of pupils and parents (imports)."""

from accounts.views.imports import import_apply, import_run, import_upload
from accounts.views.people import (
    PasswordResetRequestView,
    SignInView,
    pupil_detail,
    pupil_list,
    sign_out,
    totp_secret_base32,
    two_factor_setup,
    two_factor_verify,
)

__all__ = [
    "PasswordResetRequestView",
    "SignInView",
    "import_apply",
    "import_run",
    "import_upload",
    "pupil_detail",
    "pupil_list",
    "sign_out",
    "totp_secret_base32",
    "two_factor_setup",
    "two_factor_verify",
]
