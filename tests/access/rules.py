"""What the access sweep expects of every URL of the portal.

Each named URL pattern has exactly one rule here; a pattern without one fails the sweep, so a new
page cannot be added without saying who may reach it. The expectations are computed from the role
table (accounts.roles), never from the access layer under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.roles import Action


@dataclass(frozen=True)
class Rule:
    """Who may reach a URL.

    kind:
      "public"     – anyone, signed in or not (sign-in, password reset, health check);
      "signed_in"  – any signed-in person;
      "own"        – a signed-in person, only for an object that is theirs (others get 404);
      "action"     – a person whose roles grant ``action`` (in the object's school when ``obj``);
      "admin"      – the Django admin: trust technical staff only.
    obj: the name of the sweep's object fixture the URL's kwargs come from (school A's record).
    methods: the HTTP methods the view accepts; any other is refused.
    """

    kind: str
    action: str | None = None
    obj: str | None = None
    methods: tuple[str, ...] = ("GET",)
    subject_excluded: bool = False
    # The page's own answer is a redirect to sign-in (signing out), so that is not a refusal.
    ends_at_sign_in: bool = False
    kwargs: dict = field(default_factory=dict)


PUBLIC = Rule("public")
SIGNED_IN = Rule("signed_in")

RULES: dict[str, Rule] = {
    "home": SIGNED_IN,
    "healthz": PUBLIC,
    "accounts:login": Rule("public", methods=("GET", "POST")),
    "accounts:logout": Rule("public", methods=("POST",), ends_at_sign_in=True),
    "accounts:two_factor_setup": Rule("signed_in", methods=("GET", "POST")),
    "accounts:two_factor_verify": Rule("signed_in", methods=("GET", "POST")),
    "accounts:password_reset": Rule("public", methods=("GET", "POST")),
    "accounts:password_reset_done": PUBLIC,
    "accounts:password_reset_confirm": Rule("public", obj="password_reset_link", methods=("GET", "POST")),
    "accounts:password_reset_complete": PUBLIC,
    "accounts:pupil_list": Rule("action", action=Action.VIEW_PUPIL_DIRECTORY),
    "accounts:pupil_detail": Rule("action", action=Action.VIEW_PUPIL_DIRECTORY, obj="pupil"),
    "governance:inbox": SIGNED_IN,
    "governance:notification_detail": Rule("own", obj="notification", methods=("GET", "POST")),
    "governance:audit_log": Rule("action", action=Action.VIEW_AUDIT_LOG),
}

# The Django admin's own URLs are covered as one: every one of them needs is_staff and a verified
# second factor (django-otp's OTPAdminSite).
ADMIN_NAMESPACE = "admin"
