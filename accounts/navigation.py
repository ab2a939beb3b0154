"""The navigation each person sees, from the actions the access table gives them."""

from collections.abc import Callable

from django.urls import NoReverseMatch, reverse

from accounts import access
from accounts.roles import Action, Role

# (label, url name, action needed, a predicate of the user, or None for every signed-in person).
# A feature adds its entry here.
NAV_ITEMS: list[tuple[str, str, str | Callable | None]] = [
    ("Home", "home", None),
    ("Pupils", "accounts:pupil_list", Action.VIEW_PUPIL_DIRECTORY),
    ("Audit log", "governance:audit_log", Action.VIEW_AUDIT_LOG),
    ("Inbox", "governance:inbox", None),
    ("Report a concern", "incidents:report", Action.REPORT_CONCERN),
    ("My reports", "incidents:mine", Action.REPORT_CONCERN),
    ("Safeguarding queue", "incidents:queue", Action.TRIAGE_INCIDENTS),
    (
        "Concerns to handle",
        "incidents:queue",
        lambda user: (
            not access.has_any(user, Action.TRIAGE_INCIDENTS)
            and any(
                access.has_any(user, action)
                for action in (
                    Action.HANDLE_STAFF_CONDUCT,
                    Action.HANDLE_HEADTEACHER_CONDUCT,
                    Action.RECORD_ICT_ACTIONS,
                    Action.MODERATE_ACCOUNTS,
                    Action.HANDLE_MEDIA_ENQUIRIES,
                )
            )
        ),
    ),
    ("Moderation log", "incidents:moderation_log", Action.MODERATE_ACCOUNTS),
    ("Platform ages", "incidents:platforms", Action.ADMINISTER_SCHOOL),
    ("Consent check", "consent:check", Action.CHECK_CONSENT),
    ("Your children's consent", "consent:parent", lambda user: Role.PARENT in access.roles_of(user)),
    ("Import pupils", "consent:import_upload", Action.ADMINISTER_SCHOOL),
    (
        "Approvals",
        "approvals:inbox",
        lambda user: any(
            access.has_any(user, action)
            for action in (
                Action.DECIDE_AS_HEADTEACHER,
                Action.DECIDE_AS_MARKETING,
                Action.DECIDE_AS_DIRECTOR_OF_MARKETING,
                Action.RECORD_ICT_ACTIONS,
            )
        ),
    ),
    ("Requests", "approvals:list", Action.REQUEST_APPROVAL),
    ("Official accounts", "approvals:account_list", Action.REQUEST_APPROVAL),
    (
        "Dashboard",
        "governance:dashboard",
        lambda user: (
            access.has_any(user, Action.VIEW_DASHBOARD) or access.has_any(user, Action.VIEW_AGGREGATES)
        ),
    ),
    ("Policies", "governance:policy_list", Action.MANAGE_POLICIES),
    ("Training", "governance:training_list", Action.MANAGE_POLICIES),
    ("Trustees' reports", "governance:trustee_reports", Action.VIEW_TRUSTEE_REPORTS),
    ("Retention", "governance:retention", Action.MANAGE_RETENTION),
]


def navigation_for(user, current_path: str) -> list[dict]:
    """The navigation entries this user may use, marking the current one."""
    items = []
    for label, url_name, action in NAV_ITEMS:
        if callable(action):
            # A predicate for entries no action grants (a parent's own children).
            if not action(user):
                continue
        elif action is not None and not access.has_any(user, action):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        current = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return items
