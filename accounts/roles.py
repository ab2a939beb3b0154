"""The one table of who may do what. Everything that decides access reads it (accounts.access)."""

from django.db import models


class Role(models.TextChoices):
    # Roles held in one school.
    STAFF = "staff", "Member of staff"
    DSL = "dsl", "Designated Safeguarding Lead"
    DEPUTY_DSL = "deputy_dsl", "Deputy Designated Safeguarding Lead"
    HEADTEACHER = "headteacher", "Headteacher"
    MARKETING_OFFICER = "marketing_officer", "Marketing officer"
    ICT_TECHNICIAN = "ict_technician", "ICT technician"
    PUPIL = "pupil", "Pupil"
    PARENT = "parent", "Parent or carer"
    # Roles held across the whole trust.
    TRUST_SAFEGUARDING_LEAD = "trust_safeguarding_lead", "Trust safeguarding lead"
    DIRECTOR_OF_MARKETING = "director_of_marketing", "Director of marketing and communications"
    CEO = "ceo", "Chief executive officer"
    CHAIR_OF_TRUSTEES = "chair_of_trustees", "Chair of trustees"
    TRUSTEE = "trustee", "Trustee"
    DATA_PROTECTION_OFFICER = "data_protection_officer", "Data protection officer"
    TRUST_ADMINISTRATOR = "trust_administrator", "Trust administrator"


SCHOOL_ROLES = frozenset(
    {
        Role.STAFF,
        Role.DSL,
        Role.DEPUTY_DSL,
        Role.HEADTEACHER,
        Role.MARKETING_OFFICER,
        Role.ICT_TECHNICIAN,
        Role.PUPIL,
        Role.PARENT,
    }
)
TRUST_ROLES = frozenset(set(Role) - SCHOOL_ROLES)

# Every role whose holder must sign in with a second factor (TOTP). The ICT technician is one: they
# read reports of inappropriate content and keep the school's filtering records.
TWO_FACTOR_ROLES = frozenset(
    {Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER, Role.MARKETING_OFFICER, Role.ICT_TECHNICIAN} | TRUST_ROLES
)

# Roles that work in a school (as opposed to pupils and parents, who are its community).
SCHOOL_WORKFORCE = frozenset(SCHOOL_ROLES - {Role.PUPIL, Role.PARENT})
# Trust-wide roles that are members of staff (trustees govern; they are not asked to acknowledge
# policies).
TRUST_STAFF_ROLES = frozenset(
    {
        Role.TRUST_SAFEGUARDING_LEAD,
        Role.DIRECTOR_OF_MARKETING,
        Role.CEO,
        Role.DATA_PROTECTION_OFFICER,
        Role.TRUST_ADMINISTRATOR,
    }
)


class Action(models.TextChoices):
    """What a person may do in a school. Each is a django-guardian permission on School."""

    REPORT_CONCERN = "report_concern", "Report a concern"
    VIEW_PUPIL_DIRECTORY = "view_pupil_directory", "See the pupil directory"
    VIEW_SAFEGUARDING_RECORDS = "view_safeguarding_records", "See safeguarding records"
    TRIAGE_INCIDENTS = "triage_incidents", "Triage the safeguarding queue"
    HANDLE_STAFF_CONDUCT = "handle_staff_conduct", "Handle concerns about staff"
    HANDLE_HEADTEACHER_CONDUCT = "handle_headteacher_conduct", "Handle concerns about the headteacher"
    RECORD_ICT_ACTIONS = "record_ict_actions", "Record ICT actions and filtering changes"
    MODERATE_ACCOUNTS = "moderate_accounts", "Keep the moderation log of school accounts"
    HANDLE_MEDIA_ENQUIRIES = "handle_media_enquiries", "Handle media enquiries"
    REQUEST_APPROVAL = "request_approval", "Submit a request for approval"
    DECIDE_AS_HEADTEACHER = "decide_as_headteacher", "Decide requests as headteacher"
    DECIDE_AS_MARKETING = "decide_as_marketing", "Decide requests as marketing officer"
    DECIDE_AS_DIRECTOR_OF_MARKETING = (
        "decide_as_director_of_marketing",
        "Decide requests as director of marketing",
    )
    CHECK_CONSENT = "check_consent", "Check photo consent"
    MANAGE_CONSENT_REGISTER = "manage_consent_register", "Manage the consent register"
    RUN_CONSENT_COLLECTION = "run_consent_collection", "Run the annual photo consent collection"
    VIEW_DASHBOARD = "view_dashboard", "See the school dashboard"
    VIEW_AGGREGATES = "view_aggregates", "See aggregate figures"
    VIEW_AUDIT_LOG = "view_audit_log", "See the audit log"
    MANAGE_RETENTION = "manage_retention", "Manage retention and subject access"
    # Held by the data protection officer and, for a request the officer may not make (one needing
    # records that name them), by the chief executive.
    EXPORT_SUBJECT_ACCESS = "export_subject_access", "Make subject access exports"
    ADMINISTER_SCHOOL = "administer_school", "Administer schools, people and imports"
    MANAGE_POLICIES = "manage_policies", "Manage the policy register and training records"
    VIEW_TRUSTEE_REPORTS = "view_trustee_reports", "See the trustees' termly reports"
    VIEW_OPERATIONS = "view_operations", "See whether the portal's deadlines are being chased"


A = Action
ALL_COMMUNITY = {A.REPORT_CONCERN}
WORKFORCE = {A.REPORT_CONCERN, A.VIEW_PUPIL_DIRECTORY, A.REQUEST_APPROVAL, A.CHECK_CONSENT}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.STAFF: frozenset(WORKFORCE),
    Role.DSL: frozenset(WORKFORCE | {A.VIEW_SAFEGUARDING_RECORDS, A.TRIAGE_INCIDENTS, A.VIEW_DASHBOARD}),
    Role.DEPUTY_DSL: frozenset(WORKFORCE | {A.VIEW_SAFEGUARDING_RECORDS, A.TRIAGE_INCIDENTS}),
    Role.HEADTEACHER: frozenset(
        WORKFORCE
        | {
            A.HANDLE_STAFF_CONDUCT,
            A.DECIDE_AS_HEADTEACHER,
            A.VIEW_DASHBOARD,
            A.VIEW_AGGREGATES,
            A.MANAGE_POLICIES,
        }
    ),
    Role.MARKETING_OFFICER: frozenset(
        WORKFORCE
        | {A.DECIDE_AS_MARKETING, A.MODERATE_ACCOUNTS, A.MANAGE_CONSENT_REGISTER, A.RUN_CONSENT_COLLECTION}
    ),
    Role.ICT_TECHNICIAN: frozenset(WORKFORCE | {A.RECORD_ICT_ACTIONS}),
    Role.PUPIL: frozenset(ALL_COMMUNITY),
    Role.PARENT: frozenset(ALL_COMMUNITY),
    Role.TRUST_SAFEGUARDING_LEAD: frozenset(
        {
            A.VIEW_PUPIL_DIRECTORY,
            A.VIEW_SAFEGUARDING_RECORDS,
            A.TRIAGE_INCIDENTS,
            A.VIEW_DASHBOARD,
            A.VIEW_AGGREGATES,
            A.VIEW_AUDIT_LOG,
            A.VIEW_TRUSTEE_REPORTS,
            A.VIEW_OPERATIONS,
        }
    ),
    Role.DIRECTOR_OF_MARKETING: frozenset(
        {
            A.DECIDE_AS_DIRECTOR_OF_MARKETING,
            A.CHECK_CONSENT,
            A.VIEW_AGGREGATES,
            A.HANDLE_MEDIA_ENQUIRIES,
            A.VIEW_TRUSTEE_REPORTS,
        }
    ),
    Role.CEO: frozenset(
        {
            A.VIEW_DASHBOARD,
            A.VIEW_AGGREGATES,
            A.HANDLE_STAFF_CONDUCT,
            A.VIEW_TRUSTEE_REPORTS,
            A.EXPORT_SUBJECT_ACCESS,
        }
    ),
    Role.CHAIR_OF_TRUSTEES: frozenset(
        {A.VIEW_AGGREGATES, A.HANDLE_HEADTEACHER_CONDUCT, A.VIEW_TRUSTEE_REPORTS}
    ),
    Role.TRUSTEE: frozenset({A.VIEW_AGGREGATES, A.VIEW_TRUSTEE_REPORTS}),
    Role.DATA_PROTECTION_OFFICER: frozenset(
        {
            A.VIEW_PUPIL_DIRECTORY,
            A.MANAGE_RETENTION,
            A.EXPORT_SUBJECT_ACCESS,
            A.VIEW_AUDIT_LOG,
            A.VIEW_AGGREGATES,
            A.VIEW_TRUSTEE_REPORTS,
        }
    ),
    Role.TRUST_ADMINISTRATOR: frozenset(
        {
            A.ADMINISTER_SCHOOL,
            A.VIEW_PUPIL_DIRECTORY,
            A.RUN_CONSENT_COLLECTION,
            A.MANAGE_POLICIES,
            A.VIEW_OPERATIONS,
        }
    ),
}

# Who answers for an action when the person asked may not take it in one case (a subject access
# export needing records that name the officer): the roles holding the duty, in the order asked.
DUTY_HOLDERS: dict[str, tuple[str, ...]] = {
    Action.EXPORT_SUBJECT_ACCESS: (Role.DATA_PROTECTION_OFFICER, Role.CEO),
}

# The page each role lands on after signing in (accounts.views.home picks the first that applies).
HOME_ORDER = [
    Role.TRUST_SAFEGUARDING_LEAD,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.HEADTEACHER,
    Role.MARKETING_OFFICER,
    Role.ICT_TECHNICIAN,
    Role.DIRECTOR_OF_MARKETING,
    Role.CEO,
    Role.CHAIR_OF_TRUSTEES,
    Role.TRUSTEE,
    Role.DATA_PROTECTION_OFFICER,
    Role.TRUST_ADMINISTRATOR,
    Role.STAFF,
    Role.PARENT,
    Role.PUPIL,
]


def actions_for_roles(roles) -> frozenset[str]:
    """Every action that any of these roles allows."""
    allowed: set[str] = set()
    for role in roles:
        allowed |= ROLE_ACTIONS[role]
    return frozenset(allowed)
