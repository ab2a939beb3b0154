"""Records of every kind holding a payload in every free-text field, for tests/adversarial/test_xss.py.

The records are the access sweep's (tests/access/sweep.py: school A's incident, takedown,
requests, account, consent records, policy, training, reports) plus the kinds the sweep does not
make (site creation, branding and connection requests, a moderation log entry, a report naming
someone by description, MIS imports), and records moved on to where their later text is shown. Then
every free-text field of every row gets its field's payload; append-only rows get theirs as new
rows, since their history may not be changed. Finally each app's own forms are posted with
payloads, so the path through a form is covered as well as the stored value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import ImportRun, TrustSignOn
from accounts.roles import Role
from approvals.models import ApprovalStep
from approvals.services import request_edit
from consent.models import CollectionSchedule, ConsentAnswer, Event, Purpose
from consent.services import collection_schedule_set
from core.models import AuditEntry
from governance.models import PolicyVersion
from incidents import services as incident_services
from incidents.models import Evidence, Incident, IncidentEvent, Kind, ModerationEntry, Platform, TakedownStep
from incidents.services import PersonInvolved
from tests.adversarial.xss_payloads import TextField, json_with_payloads, payload
from tests.conftest import signed_in_client

# Models whose rows are never changed once written (a save() guard, and for the audit log and the
# consent history a PostgreSQL trigger as well): their payloads go into new rows copied from the
# existing ones, written the way a service writes them (an INSERT), and the trigger stays on.
APPEND_ONLY = (AuditEntry, ConsentAnswer, IncidentEvent, TakedownStep, Evidence, ApprovalStep)

# Payloads posted through the portal's own forms: (label, token). Tokens 900+ never clash with the
# per-field ones (tests/adversarial/xss_payloads.classify numbers those from 0).
FORM_PAYLOADS = {
    "incidents: report form, description": "XS901Q",
    "incidents: report form, other platform": "XS902Q",
    "incidents: case note form": "XS903Q",
    "incidents: report form, people described": "XS915Q",
    "approvals: branding request form, usage": "XS904Q",
    "approvals: branding request form, reason": "XS905Q",
    "approvals: branding request form, where": "XS906Q",
    "consent: event form, name": "XS907Q",
    "consent: event form, location": "XS908Q",
    "consent: MIS import, pupil first name": "XS909Q",
    "consent: MIS import, pupil surname": "XS910Q",
    "consent: MIS import, class": "XS911Q",
    "governance: policy form, title": "XS912Q",
    "governance: policy version form, summary": "XS913Q",
    "governance: policy version form, text": "XS914Q",
}


def form_payload(label: str, max_length: int | None = None) -> str:
    return payload(FORM_PAYLOADS[label], label, max_length)


@dataclass
class Records:
    """The sweep's objects by name, and further objects of the same names for the detail pages, each
    with the personas who may open them."""

    objects: dict[str, tuple[dict, object]]
    extra: dict[str, list[tuple[dict, list[str]]]] = field(default_factory=dict)


def build_records(personas, capture_on_commit) -> Records:
    """Every kind of record, of school A, made through the services (as the pages would)."""
    from tests.access.sweep import sweep_objects
    from tests.approvals.helpers import branding_request, connection_request, site_request

    a = personas.a
    objects = sweep_objects(personas)
    incident = Incident.objects.get(pk=objects["incident"][0]["incident_id"])
    incident_services.incident_add_note(user=a[Role.DEPUTY_DSL], incident=incident, text="Spoke to the pupil")
    incident_services.moderation_record(
        user=a[Role.MARKETING_OFFICER],
        school=a.school,
        account="@school_a_sweep",
        comment_text="A rude comment under the sports day post",
        commenter="@someone",
        seen_at=timezone.now(),
        action_taken=ModerationEntry._meta.get_field("action_taken").choices[0][0],
        action_detail="Hidden and reported",
        platform=Platform.objects.get(name="Instagram"),
    )
    site, branding, connection = site_request(a), branding_request(a), connection_request(a)
    # Changed once: the case page shows what the first version said (RequestVersion's text).
    request_edit(user=site.requester, request=site, detail=site.detail, title=site.title)
    described = incident_services.incident_report(
        reporter=a[Role.STAFF],
        school=a.school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=timezone.now(),
        description="Comments about a pupil from an account nobody knows",
        people=[PersonInvolved(role="alleged", identity="described", description="An older pupil")],
    )
    _records_in_later_states(personas, objects)
    _trust_settings(personas)
    previewed, applied, failed = _mis_imports(personas, capture_on_commit)
    # Who opens each further record: its requester or reporter, and whoever decides or handles it.
    admin = ["trust:trust_administrator"]
    return Records(
        objects=objects,
        extra={
            "approval_request": [
                ({"request_id": site.pk}, ["a:staff", "a:marketing_officer"]),
                ({"request_id": branding.pk}, ["a:staff", "trust:director_of_marketing"]),
                ({"request_id": connection.pk}, ["a:staff", "a:headteacher"]),
                (objects["blocked_content_request"][0], ["a:staff", "a:ict_technician", "a:headteacher"]),
            ],
            "incident": [
                (objects["ict_incident"][0], ["a:staff", "a:ict_technician"]),
                ({"incident_id": described.pk}, ["a:staff", "a:dsl"]),
            ],
            "mis_import": [({"run_id": run.pk}, admin) for run in (previewed, applied, failed)],
        },
    )


def _trust_settings(personas) -> None:
    """The trust's own settings typed by its staff: the collection schedule and single sign-on."""
    collection_schedule_set(
        by=personas[Role.TRUST_ADMINISTRATOR],
        trust=personas.trust,
        opens_day=8,
        opens_month=9,
        weeks_open=4,
        message="Paper forms at the office",
    )
    CollectionSchedule.objects.update(last_problem="The collection could not be opened")
    TrustSignOn.objects.create(
        trust=personas.trust,
        provider=TrustSignOn.Provider.ENTRA,
        issuer="https://login.microsoftonline.com/tenant/v2.0",
        client_id="portal-client",
        client_secret_variable="PORTAL_SSO_SECRET",
        allowed_domains="northfield.example",
        enabled=False,
    )


def _records_in_later_states(personas, objects) -> None:
    """The sweep's records moved on to where pages show their later text: an account suspended and
    reviewed, a post's takedown done, a filter change applied, a withdrawal followed up."""
    from approvals.models import ApprovalRequest, OfficialAccount, PostTakedownTask
    from approvals.services.accounts import account_review_done, account_set_status
    from approvals.services.blocked import APPLIED, blocked_filter_record
    from approvals.services.posts import post_takedown_done
    from consent.models import WithdrawalFollowUp
    from consent.services import follow_up_resolve

    a = personas.a
    officer = a[Role.MARKETING_OFFICER]
    account = OfficialAccount.objects.get(pk=objects["official_account"][0]["account_id"])
    account_review_done(user=officer, account=account, note="Purpose still met")
    account_set_status(
        user=officer, account=account, status=OfficialAccount.Status.SUSPENDED, reason="Hacked"
    )
    task = PostTakedownTask.objects.get(pk=objects["post_takedown"][0]["task_id"])
    post_takedown_done(user=officer, task=task, note="Photo removed from the post")
    blocked = ApprovalRequest.objects.get(pk=objects["blocked_content_request"][0]["request_id"])
    blocked_filter_record(user=a[Role.ICT_TECHNICIAN], request=blocked, change=APPLIED, note="Allowed")
    follow_up = WithdrawalFollowUp.objects.get(pk=objects["consent_follow_up"][0]["follow_up_id"])
    follow_up_resolve(by=officer, follow_up=follow_up, resolution="Photo taken off the website")


MIS_HEADER = "UPN,Forename,Surname,DOB,Year,Reg Group,Contact 1 Forename,Contact 1 Surname,Contact 1 Email\n"


def _mis_imports(personas, capture_on_commit) -> tuple[ImportRun, ImportRun, ImportRun]:
    """MIS exports previewed, applied, and refused, so every report of an import holds text."""
    from accounts import mis_import

    admin = personas[Role.TRUST_ADMINISTRATOR]
    runs = []
    for text in (
        f"{MIS_HEADER}X0,Ava,Lee,14/03/2016,5,5P,Kim,Lee,kim0@home.example\n",
        f"{MIS_HEADER}X1,Ben,Lee,14/03/2016,5,5P,Kim,Lee,kim1@home.example\n",
        "Name,Age\nAva,9\n",
    ):
        upload = SimpleUploadedFile("export.csv", text.encode(), "text/csv")
        with capture_on_commit(execute=True):
            run = mis_import.import_upload(by=admin, school=personas.a.school, upload=upload)
        runs.append(ImportRun.objects.get(pk=run.pk))
    with capture_on_commit(execute=True):
        mis_import.import_apply(by=admin, run=runs[1])
    for run in runs:
        run.refresh_from_db()
    statuses = [run.status for run in runs]
    assert statuses == [ImportRun.Status.PREVIEWED, ImportRun.Status.APPLIED, ImportRun.Status.FAILED], (
        statuses
    )
    return runs[0], runs[1], runs[2]


# --- the payloads -----------------------------------------------------------------------------------


def fill(targets: list[TextField]) -> dict[str, int]:
    """Give every row of every model its fields' payloads; returns the rows written per model."""
    by_model: dict[type, list[TextField]] = {}
    for target in targets:
        by_model.setdefault(target.model, []).append(target)
    written = {}
    for model, fields in by_model.items():
        if model in APPEND_ONLY:
            written[model.__name__] = _copy_with_payloads(model, fields)
        else:
            written[model.__name__] = _overwrite(model, fields)
    return written


def _value(target: TextField, current, row: int):
    if target.is_json:
        return json_with_payloads(current, target)
    # A row number in front keeps values distinct where a field is unique (names, MIS ids).
    prefix = str(row)
    room = None if target.max_length is None else target.max_length - len(prefix)
    return prefix + payload(target.token, target.label, room)


def _overwrite(model, fields: list[TextField]) -> int:
    rows = list(model._base_manager.order_by("pk"))
    for n, obj in enumerate(rows):
        values = {f.name: _value(f, getattr(obj, f.name), n) for f in fields}
        model._base_manager.filter(pk=obj.pk).update(**values)
    return len(rows)


def _copy_with_payloads(model, fields: list[TextField]) -> int:
    rows = list(model._base_manager.order_by("pk"))
    if model is AuditEntry:
        # One copy per kind of record is enough to reach every way the log shows an entry.
        first_of_type = {}
        for obj in rows:
            first_of_type.setdefault(obj.object_type, obj)
        rows = list(first_of_type.values())
    for n, obj in enumerate(rows):
        obj.pk = None
        obj._state.adding = True
        for f in fields:
            setattr(obj, f.name, _value(f, getattr(obj, f.name), n))
        if model is ConsentAnswer:
            # The newest answer is the one the register shows as current.
            obj.recorded_at = timezone.now()
        obj.save(force_insert=True)
    return len(rows)


def send_collection_messages(personas, records: Records) -> None:
    """Send the consent collection's invitation: the message its organiser typed reaches each
    parent's inbox, so the parent's copy is one of the pages read."""
    from consent.models import Collection
    from consent.services import collection_send_messages
    from core.models import Notification

    collection = Collection.objects.get(pk=records.objects["consent_collection"][0]["collection_id"])
    assert collection_send_messages(collection=collection) >= 1
    invitation = Notification.objects.filter(user=personas.a[Role.PARENT]).latest("created_at")
    records.extra.setdefault("notification", []).append(({"notification_id": invitation.pk}, ["a:parent"]))


# --- the forms ----------------------------------------------------------------------------------------


def post_forms(personas, records: Records, capture_on_commit) -> tuple[list[str], list]:
    """Post each app's free-text forms with payloads, following the redirect to the page that says
    what was done (its message repeats what was typed). Returns a line for every form that refused
    the input, and the (name, page) responses after each post."""
    a = personas.a
    refused: list[str] = []
    pages: list = []

    def post(user, url_name, data, *, kwargs=None) -> None:
        client = signed_in_client(user)
        with capture_on_commit(execute=True):
            response = client.post(reverse(url_name, kwargs=kwargs), data, follow=True)
        if not response.redirect_chain:
            form = (response.context or {}).get("form")
            refused.append(f"{url_name}: {response.status_code} {getattr(form, 'errors', '')}")
        pages.append((f"POST {url_name}", response))

    today = timezone.localtime()
    post(
        a[Role.STAFF],
        "incidents:report",
        {
            "kind": "cyberbullying_pupil",
            "immediate_risk": "no",
            "description": form_payload("incidents: report form, description"),
            "platform": "other",
            "platform_other": form_payload("incidents: report form, other platform", 100),
            "urls": "https://www.instagram.com/p/abc123/",
            "seen_date_day": str(today.day),
            "seen_date_month": str(today.month),
            "seen_date_year": str(today.year),
            "seen_time": "00:01",
            "others": form_payload("incidents: report form, people described"),
        },
    )
    reported = Incident.objects.filter(reporter=a[Role.STAFF]).latest("reported_at")
    records.extra["incident"].append(({"incident_id": reported.pk}, ["a:staff", "a:dsl"]))
    post(
        a[Role.DEPUTY_DSL],
        "incidents:add_note",
        {"note-text": form_payload("incidents: case note form")},
        kwargs=records.objects["incident"][0],
    )
    start = timezone.localdate() + timedelta(days=7)
    post(
        a[Role.STAFF],
        "approvals:create_branding",
        {
            "brand": "school",
            "platform": "facebook",
            "where": form_payload("approvals: branding request form, where", 300),
            "usage": form_payload("approvals: branding request form, usage"),
            "reason": form_payload("approvals: branding request form, reason"),
            "start_date_day": start.day,
            "start_date_month": start.month,
            "start_date_year": start.year,
        },
    )
    post(
        a[Role.MARKETING_OFFICER],
        "consent:event_create",
        {
            "name": form_payload("consent: event form, name", 200),
            "location": form_payload("consent: event form, location", 200),
            "date_day": start.day,
            "date_month": start.month,
            "date_year": start.year,
            "schools": [a.school.pk],
            "purposes": [Purpose.SCHOOL_SOCIAL_MEDIA],
        },
    )
    event = Event.objects.latest("created_at")
    records.extra.setdefault("consent_event", []).append(({"event_id": event.pk}, ["a:marketing_officer"]))
    first = form_payload("consent: MIS import, pupil first name", 100).replace('"', '""')
    last = form_payload("consent: MIS import, pupil surname", 100).replace('"', '""')
    klass = form_payload("consent: MIS import, class", 40).replace('"', '""')
    csv = f'{MIS_HEADER}X9,"{first}","{last}",14/03/2016,5,"{klass}",Kim,Lee,kim9@home.example\n'
    post(
        personas[Role.TRUST_ADMINISTRATOR],
        "accounts:import_upload",
        {"school": a.school.pk, "file": SimpleUploadedFile("export.csv", csv.encode(), "text/csv")},
    )
    run = ImportRun.objects.latest("uploaded_at")
    records.extra["mis_import"].append(({"run_id": run.pk}, ["trust:trust_administrator"]))
    # Applied, the pupil joins the directory with the names and class from the file.
    post(personas[Role.TRUST_ADMINISTRATOR], "accounts:import_apply", {}, kwargs={"run_id": run.pk})
    post(
        a[Role.HEADTEACHER],
        "governance:policy_create",
        {
            "title": form_payload("governance: policy form, title", 200),
            "scope": f"school:{a.school.pk}",
            "owner": a[Role.HEADTEACHER].pk,
        },
    )
    review = timezone.localdate() + timedelta(days=365)
    post(
        a[Role.HEADTEACHER],
        "governance:version_add",
        {
            "summary": form_payload("governance: policy version form, summary"),
            "text": form_payload("governance: policy version form, text"),
            "approved_on": today.date().isoformat(),
            "next_review_due": review.isoformat(),
        },
        kwargs=records.objects["policy"][0],
    )
    version = PolicyVersion.objects.filter(policy_id=records.objects["policy"][0]["policy_id"]).latest(
        "number"
    )
    post(a[Role.HEADTEACHER], "governance:version_publish", {}, kwargs={"version_id": version.pk})
    records.extra.setdefault("policy_version", []).append(({"version_id": version.pk}, ["a:staff"]))
    return refused, pages
