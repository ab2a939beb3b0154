"""What the access sweep expects of every URL of the portal.

Each named URL pattern has exactly one rule here; a pattern without one fails the sweep, so a new
page cannot be added without saying who may reach it. The expectations are computed from the role
table (accounts.roles), never from the access layer under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.roles import Action


@dataclass(frozen=True)
class Rule:
    """Who may reach a URL.

    kind:
      "public"     – anyone, signed in or not (sign-in, password reset, health check);
      "signed_in"  – any signed-in person;
      "own"        – a signed-in person, only for an object that is theirs (others get 404);
      "parent"     – only the parent with parental responsibility for the pupil ``obj`` (school A's
                     child, whose parent is a:parent); every other persona gets 404;
      "action"     – a person whose roles grant ``action`` (in the object's school when ``obj``);
                     ``action`` may be a tuple: any one of them is enough;
      "trust_wide" – a person whose roles grant ``action`` in every school of the trust (others 403);
      "admin"      – the Django admin: trust technical staff only.
    obj: the name of the sweep's object fixture the URL's kwargs come from (school A's record).
    methods: the HTTP methods the view accepts; any other is refused.
    subject_excluded: the object names a persona (test_sweep.SUBJECT) as its subject, who must get
      404 whatever their role grants.
    redirects_to: where the page sends someone it lets in, when its answer is a redirect and not the
      page itself (200). A URL name is the answer to a POST (the page's GET is a page); a callable
      takes the method and the signed-in user (None when anonymous) and returns the URL name, or
      None for a page, for pages whose answer depends on who asks. Any other redirect of someone
      let in, and every redirect to sign in or to two-factor, is a refusal.
    before_two_factor: the page is open to a signed-in person who has not passed two-factor yet
      (the two-factor pages, signing out, the health check); every other page sends them to it.
    """

    kind: str
    action: str | None = None
    obj: str | None = None
    methods: tuple[str, ...] = ("GET",)
    subject_excluded: bool = False
    redirects_to: str | Callable[[str, object], str | None] | None = None
    before_two_factor: bool = False
    kwargs: dict = field(default_factory=dict)

    def redirect_for(self, method: str, user) -> str | None:
        """The URL name the page redirects ``user`` to for this method, or None when it answers 200."""
        if callable(self.redirects_to):
            return self.redirects_to(method, user)
        return self.redirects_to if method == "POST" else None


def _has_second_factor(user) -> bool:
    from django_otp import devices_for_user

    return user is not None and any(True for _ in devices_for_user(user, confirmed=True))


def _home_when_signed_in(method: str, user) -> str | None:
    # Django's sign-in page sends someone already signed in to their home page.
    return "home" if user is not None else None


def _home_or_sign_in(method: str, user) -> str:
    # Single sign-on sends someone already signed in home; a start or an answer with nothing to go
    # on (no trust chosen, no sign-in started in this browser) goes back to sign in, with a message.
    return "home" if user is not None else "accounts:login"


def _verify_if_set_up(method: str, user) -> str | None:
    # Someone with an authenticator already set up is sent to enter its code instead.
    return "accounts:two_factor_verify" if _has_second_factor(user) else None


def _to_its_set_password_form(method: str, user) -> str | None:
    # A valid reset link is moved out of the address (into the session) and the same page is asked
    # for again at .../set-password/, so the token never reaches another site in a Referer header.
    return "accounts:password_reset_confirm"


def _moved_to(url_name: str) -> Callable[[str, object], str]:
    """An old address of a page that moved: every method it takes is sent on to ``url_name``."""

    def target(method: str, user) -> str:
        return url_name

    return target


def _set_up_if_none(method: str, user) -> str | None:
    # Someone with no authenticator yet is sent to set one up before a code can be asked for.
    return None if _has_second_factor(user) else "accounts:two_factor_setup"


PUBLIC = Rule("public")
SIGNED_IN = Rule("signed_in")

RULES: dict[str, Rule] = {
    "home": SIGNED_IN,
    "healthz": Rule("public", before_two_factor=True),
    "accounts:login": Rule("public", methods=("GET", "POST"), redirects_to=_home_when_signed_in),
    "accounts:sso_start": Rule("public", redirects_to=_home_or_sign_in),
    "accounts:sso_callback": Rule("public", redirects_to=_home_or_sign_in),
    # Signing out ends at the sign-in page: that redirect is the page's answer, not a refusal.
    "accounts:logout": Rule(
        "public", methods=("POST",), redirects_to="accounts:login", before_two_factor=True
    ),
    "accounts:two_factor_setup": Rule(
        "signed_in", methods=("GET", "POST"), redirects_to=_verify_if_set_up, before_two_factor=True
    ),
    "accounts:two_factor_verify": Rule(
        "signed_in", methods=("GET", "POST"), redirects_to=_set_up_if_none, before_two_factor=True
    ),
    "accounts:password_reset": Rule("public", methods=("GET", "POST")),
    "accounts:password_reset_done": PUBLIC,
    "accounts:password_reset_confirm": Rule(
        "public", obj="password_reset_link", methods=("GET", "POST"), redirects_to=_to_its_set_password_form
    ),
    "accounts:password_reset_complete": PUBLIC,
    "accounts:pupil_list": Rule("action", action=Action.VIEW_PUPIL_DIRECTORY),
    "accounts:pupil_detail": Rule("action", action=Action.VIEW_PUPIL_DIRECTORY, obj="pupil"),
    # The MIS import; its record is school A's run waiting to be applied (made with the sweep's
    # consent records, tests.consent.helpers.consent_sweep_objects).
    "accounts:import_upload": Rule("action", action=Action.ADMINISTER_SCHOOL, methods=("GET", "POST")),
    "accounts:import_run": Rule("action", action=Action.ADMINISTER_SCHOOL, obj="mis_import"),
    "accounts:import_apply": Rule(
        "action",
        action=Action.ADMINISTER_SCHOOL,
        obj="mis_import",
        methods=("POST",),
        redirects_to="accounts:import_run",
    ),
    "governance:inbox": SIGNED_IN,
    # Marking a message read goes back to the inbox.
    "governance:notification_detail": Rule(
        "own", obj="notification", methods=("GET", "POST"), redirects_to="governance:inbox"
    ),
    "governance:audit_log": Rule("action", action=Action.VIEW_AUDIT_LOG),
}

# --- incidents -------------------------------------------------------------------------------------
# Whoever handles some kind of incident (the queue lists each person's own kinds).
INCIDENT_HANDLERS = (
    Action.TRIAGE_INCIDENTS,
    Action.HANDLE_STAFF_CONDUCT,
    Action.HANDLE_HEADTEACHER_CONDUCT,
    Action.RECORD_ICT_ACTIONS,
    Action.MODERATE_ACCOUNTS,
    Action.HANDLE_MEDIA_ENQUIRIES,
)
# The sweep's incident is a cyberbullying report of school A that names school A's DSL.
CASE_STEP = Rule(
    "action", action=Action.TRIAGE_INCIDENTS, obj="incident", methods=("POST",), subject_excluded=True
)
TAKEDOWN_STEP = Rule(
    "action", action=Action.TRIAGE_INCIDENTS, obj="takedown", methods=("POST",), subject_excluded=True
)
RULES.update(
    {
        "incidents:report": Rule("action", action=Action.REPORT_CONCERN, methods=("GET", "POST")),
        "incidents:report_done": Rule("own", obj="incident"),
        "incidents:mine": SIGNED_IN,
        "incidents:queue": Rule("action", action=INCIDENT_HANDLERS),
        "incidents:detail": Rule(
            "action", action=Action.TRIAGE_INCIDENTS, obj="incident", subject_excluded=True
        ),
        "incidents:evidence": Rule(
            "action", action=Action.TRIAGE_INCIDENTS, obj="evidence", subject_excluded=True
        ),
        "incidents:add_evidence": CASE_STEP,
        "incidents:set_severity": CASE_STEP,
        "incidents:assign": CASE_STEP,
        "incidents:add_note": CASE_STEP,
        "incidents:record_action": CASE_STEP,
        "incidents:refer": CASE_STEP,
        "incidents:link_pupil": CASE_STEP,
        "incidents:link_staff": CASE_STEP,
        "incidents:close": CASE_STEP,
        "incidents:reopen": CASE_STEP,
        "incidents:open_takedown": CASE_STEP,
        "incidents:ict_action": Rule(
            "action", action=Action.RECORD_ICT_ACTIONS, obj="ict_incident", methods=("POST",)
        ),
        "incidents:takedown_request": TAKEDOWN_STEP,
        "incidents:takedown_check": TAKEDOWN_STEP,
        "incidents:takedown_confirm": TAKEDOWN_STEP,
        "incidents:takedown_escalate": TAKEDOWN_STEP,
        # Reporting to the police goes back to the case (the consent question is asked there); so
        # does a second report, which the ladder refuses with a message on the case page.
        "incidents:takedown_police": Rule(
            "action",
            action=Action.TRIAGE_INCIDENTS,
            obj="takedown",
            methods=("POST",),
            subject_excluded=True,
            redirects_to="incidents:detail",
        ),
        # Every field of the CEOP step is optional: the sweep's empty post is recorded, and any
        # post after it refused with a message on the case page.
        "incidents:takedown_ceop": Rule(
            "action",
            action=Action.TRIAGE_INCIDENTS,
            obj="takedown",
            methods=("POST",),
            subject_excluded=True,
            redirects_to="incidents:detail",
        ),
        "incidents:takedown_support": TAKEDOWN_STEP,
        "incidents:takedown_withdraw": TAKEDOWN_STEP,
        "incidents:chronology": Rule("action", action=Action.VIEW_SAFEGUARDING_RECORDS, obj="pupil"),
        "incidents:chronology_pdf": Rule("action", action=Action.VIEW_SAFEGUARDING_RECORDS, obj="pupil"),
        "incidents:inspection_pack": Rule("action", action=Action.VIEW_SAFEGUARDING_RECORDS),
        "incidents:evidence_integrity": Rule(
            "action", action=(Action.VIEW_SAFEGUARDING_RECORDS, Action.MANAGE_RETENTION)
        ),
        "incidents:moderation_log": Rule("action", action=Action.MODERATE_ACCOUNTS),
        "incidents:moderation_new": Rule("action", action=Action.MODERATE_ACCOUNTS, methods=("GET", "POST")),
        "incidents:platforms": Rule("action", action=Action.ADMINISTER_SCHOOL),
        "incidents:platform_edit": Rule(
            "action",
            action=Action.ADMINISTER_SCHOOL,
            obj="platform",
            methods=("GET", "POST"),
            redirects_to="incidents:platforms",
        ),
    }
)

# --- approvals -------------------------------------------------------------------------------------
# The sweep's request is a post for school A's official account asked for by school A's marketing
# officer: a post is decided (and seen) by the marketing officers of its school and its requester,
# and a marketing officer's own post by the headteacher in their place.
POST_DECIDERS = (Action.DECIDE_AS_MARKETING, Action.DECIDE_AS_HEADTEACHER)
APPROVAL_CASE = Rule("action", action=POST_DECIDERS, obj="approval_request")
# Submitting and withdrawing one's own request go back to the request.
APPROVAL_OWN = Rule("own", obj="approval_request", methods=("POST",), redirects_to="approvals:detail")
FILTERING_REVIEW = Rule("action", action=Action.VIEW_DASHBOARD)
ACCOUNT_STEP = Rule("action", action=Action.MODERATE_ACCOUNTS, obj="official_account", methods=("POST",))
RULES.update(
    {
        # Everyone signed in has an inbox; it lists only what waits for their own decision.
        "approvals:inbox": SIGNED_IN,
        "approvals:list": Rule("action", action=Action.REQUEST_APPROVAL),
        **{
            f"approvals:create_{kind}": Rule(
                "action", action=Action.REQUEST_APPROVAL, methods=("GET", "POST")
            )
            for kind in ("site_creation", "branding", "connection", "blocked_content", "post")
        },
        "approvals:detail": APPROVAL_CASE,
        "approvals:pdf": APPROVAL_CASE,
        "approvals:decide": Rule("action", action=POST_DECIDERS, obj="approval_request", methods=("POST",)),
        "approvals:edit": Rule("own", obj="approval_request", methods=("GET", "POST")),
        "approvals:submit": APPROVAL_OWN,
        "approvals:withdraw": APPROVAL_OWN,
        "approvals:media": Rule("action", action=POST_DECIDERS, obj="approval_media"),
        # An approved blocked content request of school A, made by its member of staff.
        "approvals:filter_record": Rule(
            "action", action=Action.RECORD_ICT_ACTIONS, obj="blocked_content_request", methods=("POST",)
        ),
        "approvals:filter_changes": Rule("action", action=Action.RECORD_ICT_ACTIONS),
        "approvals:filtering_review": FILTERING_REVIEW,
        "approvals:filtering_review_pdf": FILTERING_REVIEW,
        "approvals:filtering_review_csv": FILTERING_REVIEW,
        "approvals:account_list": Rule("action", action=Action.REQUEST_APPROVAL),
        "approvals:account_detail": Rule("action", action=Action.REQUEST_APPROVAL, obj="official_account"),
        "approvals:account_status": ACCOUNT_STEP,
        "approvals:account_review": ACCOUNT_STEP,
        "approvals:takedown_list": Rule("action", action=Action.MODERATE_ACCOUNTS),
        # The post's takedown is recorded on the post's request.
        "approvals:takedown_done": Rule(
            "action",
            action=Action.MODERATE_ACCOUNTS,
            obj="post_takedown",
            methods=("POST",),
            redirects_to="approvals:detail",
        ),
    }
)

# --- consent ---------------------------------------------------------------------------------------
# The sweep's consent records are school A's (tests.consent.helpers.consent_sweep_objects): its child
# (the "pupil" object, whose parent with parental responsibility is a:parent), a withdrawal to follow
# up, a collection, an event of school A alone, and an MIS import waiting to be applied (the import
# is an accounts page now; its old addresses here send on whoever the import's pages let in).
CONSENT_PARENT = Rule("parent", obj="pupil", methods=("GET", "POST"))
CONSENT_EVENT = Rule("action", action=Action.CHECK_CONSENT, obj="consent_event")
RULES.update(
    {
        # Every signed-in person may open it; it lists only the children they hold responsibility for.
        "consent:parent": SIGNED_IN,
        "consent:parent_child": CONSENT_PARENT,
        "consent:parent_withdraw": Rule(
            "parent", obj="pupil", methods=("POST",), redirects_to="consent:parent"
        ),
        "consent:check": Rule("action", action=Action.CHECK_CONSENT),
        "consent:register": Rule("action", action=Action.CHECK_CONSENT),
        "consent:register_csv": Rule("action", action=Action.MANAGE_CONSENT_REGISTER),
        "consent:register_pdf": Rule("action", action=Action.MANAGE_CONSENT_REGISTER),
        "consent:pupil": Rule("action", action=Action.CHECK_CONSENT, obj="pupil"),
        "consent:paper_form": Rule(
            "action", action=Action.MANAGE_CONSENT_REGISTER, obj="pupil", methods=("GET", "POST")
        ),
        "consent:follow_ups": Rule("action", action=Action.MANAGE_CONSENT_REGISTER),
        "consent:follow_up_resolve": Rule(
            "action", action=Action.MANAGE_CONSENT_REGISTER, obj="consent_follow_up", methods=("GET", "POST")
        ),
        "consent:collections": Rule("action", action=Action.RUN_CONSENT_COLLECTION),
        "consent:collection_open": Rule(
            "action", action=Action.RUN_CONSENT_COLLECTION, methods=("GET", "POST")
        ),
        "consent:collection_schedule": Rule(
            "trust_wide",
            action=Action.RUN_CONSENT_COLLECTION,
            methods=("GET", "POST"),
        ),
        "consent:collection_detail": Rule(
            "action", action=Action.RUN_CONSENT_COLLECTION, obj="consent_collection"
        ),
        "consent:events": Rule("action", action=Action.CHECK_CONSENT),
        "consent:event_create": Rule("action", action=Action.CHECK_CONSENT, methods=("GET", "POST")),
        "consent:event_detail": CONSENT_EVENT,
        # Adding pupils comes back to the search, for the next ones.
        "consent:event_add_pupils": Rule(
            "action",
            action=Action.CHECK_CONSENT,
            obj="consent_event",
            methods=("GET", "POST"),
            redirects_to="consent:event_add_pupils",
        ),
        "consent:event_remove_pupil": Rule(
            "action",
            action=Action.CHECK_CONSENT,
            obj="consent_event",
            methods=("POST",),
            redirects_to="consent:event_detail",
        ),
        "consent:event_briefing": CONSENT_EVENT,
        "consent:import_upload_moved": Rule(
            "action",
            action=Action.ADMINISTER_SCHOOL,
            methods=("GET", "POST"),
            redirects_to=_moved_to("accounts:import_upload"),
        ),
        "consent:import_run_moved": Rule(
            "action",
            action=Action.ADMINISTER_SCHOOL,
            obj="mis_import",
            redirects_to=_moved_to("accounts:import_run"),
        ),
        "consent:import_apply_moved": Rule(
            "action",
            action=Action.ADMINISTER_SCHOOL,
            obj="mis_import",
            methods=("POST",),
            redirects_to="accounts:import_apply",
        ),
    }
)

# The Django admin's own URLs are covered as one: every one of them needs is_staff and a verified
# second factor (django-otp's OTPAdminSite).
ADMIN_NAMESPACE = "admin"

# --- governance: policies, dashboards, trustees' reports -------------------------------------------
# The sweep's policy is school A's, with version 1 published. Its readers are school A's staff:
# the school workforce, exactly the roles that hold REQUEST_APPROVAL (trust roles hold it nowhere).
POLICY_MANAGE = Rule("action", action=Action.MANAGE_POLICIES, obj="policy")
DASHBOARD_ACTIONS = (Action.VIEW_DASHBOARD, Action.VIEW_AGGREGATES)
RULES.update(
    {
        "governance:policy_list": Rule("action", action=Action.MANAGE_POLICIES),
        "governance:policy_create": Rule("action", action=Action.MANAGE_POLICIES, methods=("GET", "POST")),
        "governance:policy_detail": POLICY_MANAGE,
        "governance:version_add": Rule(
            "action", action=Action.MANAGE_POLICIES, obj="policy", methods=("GET", "POST")
        ),
        "governance:version_publish": Rule(
            "action",
            action=Action.MANAGE_POLICIES,
            obj="policy_version",
            methods=("POST",),
            redirects_to="governance:policy_detail",
        ),
        # Acknowledging a policy goes back to the home page, where the next one to read is listed.
        "governance:policy_read": Rule(
            "action",
            action=Action.REQUEST_APPROVAL,
            obj="policy_version",
            methods=("GET", "POST"),
            redirects_to="home",
        ),
        "governance:dashboard": Rule("action", action=DASHBOARD_ACTIONS),
        "governance:school_dashboard": Rule("action", action=DASHBOARD_ACTIONS, obj="school"),
        "governance:trustee_reports": Rule("action", action=Action.VIEW_TRUSTEE_REPORTS),
        "governance:trustee_report_generate": Rule(
            "action",
            action=Action.VIEW_TRUSTEE_REPORTS,
            methods=("POST",),
            redirects_to="governance:trustee_reports",
        ),
        "governance:trustee_report_download": Rule(
            "action", action=Action.VIEW_TRUSTEE_REPORTS, obj="trustee_report"
        ),
    }
)
# The sweep's training session is a staff session of school A.
RULES.update(
    {
        "governance:training_list": Rule("action", action=Action.MANAGE_POLICIES),
        "governance:training_new": Rule("action", action=Action.MANAGE_POLICIES, methods=("GET", "POST")),
        "governance:training_detail": Rule(
            "action", action=Action.MANAGE_POLICIES, obj="training_session", methods=("GET", "POST")
        ),
    }
)
# Data protection: school A's listed record and school A's child ("pupil").
RULES.update(
    {
        "governance:retention": Rule("action", action=Action.MANAGE_RETENTION, methods=("GET", "POST")),
        "governance:retention_decide": Rule(
            "action",
            action=Action.MANAGE_RETENTION,
            obj="retention_review",
            methods=("POST",),
            redirects_to="governance:retention",
        ),
        "governance:subject_access": Rule("action", action=Action.EXPORT_SUBJECT_ACCESS, obj="pupil"),
        # The sweep posts no confirmation: the page sends the officer back, and nothing is erased.
        "governance:pupil_erase": Rule(
            "action",
            action=Action.MANAGE_RETENTION,
            obj="pupil",
            methods=("POST",),
            redirects_to="governance:subject_access",
        ),
        "governance:breach_list": Rule("action", action=Action.MANAGE_RETENTION),
        "governance:breach_new": Rule("action", action=Action.MANAGE_RETENTION, methods=("GET", "POST")),
        # An empty form is shown again with its errors (200); school A's breach.
        "governance:breach_detail": Rule(
            "action", action=Action.MANAGE_RETENTION, obj="breach", methods=("GET", "POST")
        ),
        "governance:subject_access_refer": Rule(
            "action",
            action=Action.EXPORT_SUBJECT_ACCESS,
            obj="pupil",
            methods=("POST",),
            redirects_to="governance:subject_access",
        ),
        "governance:subject_access_json": Rule("action", action=Action.EXPORT_SUBJECT_ACCESS, obj="pupil"),
        "governance:subject_access_pdf": Rule("action", action=Action.EXPORT_SUBJECT_ACCESS, obj="pupil"),
    }
)

# --- operations: the figures for monitoring (no names, public like the liveness check) and the
# status page. /metrics is served only when a token is configured, and tests/operations covers it.
RULES.update(
    {
        "healthz_deadlines": Rule("public", before_two_factor=True),
        "operations": Rule("action", action=Action.VIEW_OPERATIONS),
    }
)
