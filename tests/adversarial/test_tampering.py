"""Ids guessed and tampered with in forms: every field that carries the id of another record (a
pupil, a member of staff, a parent, a school, an account, a photo, a platform) is posted with the id
of school B's record, a random UUID and garbage. The answer is an error next to the field (the page
shown again with what was typed), a message and nothing done, or a 404: never a 500, and never a
saved change pointing at school B.

Each case posts a form that is valid as it stands (the last step of every test proves it by saving
it); the fields tampered with are read from the form the page really uses, so a new id field of a
covered form is tampered with the day it is added, and ``test_every_form_with_an_id_field_is_covered``
fails for a new form until it has a case here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Pupil, School, User
from accounts.roles import Role
from approvals.models import OfficialAccount, PostMedia
from consent.forms import EventRemovePupilForm
from consent.models import Event, Purpose
from governance.models import TrainingSession
from governance.views.data_protection import RetentionRuleForm
from incidents.models import Incident, Platform
from tests.access.sweep import sweep_objects
from tests.adversarial.common import row_counts
from tests.approvals.helpers import official_account, png, post_request, site_fields
from tests.conftest import signed_in_client
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db

GARBAGE = ["1 OR 1=1", "../../etc/passwd", "9" * 5000, "' OR ''='", "-1"]
TYPED = "Typed by the person and kept"


class Ctx:
    """The personas, school A's records the URLs point at, and school B's records to smuggle in."""

    def __init__(self, personas):
        self.personas = personas
        self.a = personas.a
        self.b = personas.b

    @cached_property
    def objects(self) -> dict:
        return sweep_objects(self.personas)

    def kwargs(self, name: str) -> dict:
        return self.objects[name][0]

    @cached_property
    def a_account(self) -> OfficialAccount:
        return OfficialAccount.objects.get(pk=self.kwargs("official_account")["account_id"])

    @cached_property
    def b_account(self) -> OfficialAccount:
        return official_account(self.b, handle="@school_b_news")

    @cached_property
    def b_media(self) -> PostMedia:
        post = post_request(self.b, self.b_account, media=[png()])
        return PostMedia.objects.get(post__request=post)

    @cached_property
    def a_pupil(self) -> Pupil:
        return PupilFactory(school=self.a.school)


def b_record(ctx: Ctx, form_field: forms.Field, name: str):
    """School B's record of the kind the field picks (by its queryset's model)."""
    model = getattr(getattr(form_field, "queryset", None), "model", None)
    if model is Pupil or name == "pupil":
        return ctx.b.child.pk
    if model is School or name in ("school", "scope"):
        return ctx.b.school.pk
    if model is OfficialAccount:
        return ctx.b_account.pk
    if model is PostMedia:
        return ctx.b_media.pk
    if model is User:
        role = {"parent": Role.PARENT, "moderator": Role.MARKETING_OFFICER}.get(name, Role.HEADTEACHER)
        return ctx.b[role].pk
    return None  # a record no school owns (a platform): a guessed or garbage id is all there is


def is_id_field(form_field: forms.Field) -> bool:
    widget = form_field.widget
    return isinstance(form_field, forms.ModelChoiceField | forms.UUIDField) or isinstance(
        widget, forms.HiddenInput | forms.MultipleHiddenInput
    )


def today_parts(prefix: str, day=None) -> dict:
    day = day or timezone.localdate()
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


@dataclass
class Case:
    url_name: str
    persona: str
    data: Callable[[Ctx], dict]
    obj: str | None = None
    # The form the page posts, unbound, to read its fields from (default: the page's own form).
    form: Callable[[Ctx, Client, str], forms.BaseForm] | None = None
    # Fields that are choices of ids but not model choice fields (a platform list, "school:<id>").
    extra: dict[str, Callable[[Ctx, str], object]] = field(default_factory=dict)
    # "field": the page again with the error next to the field; "message": an error message.
    refusal: str = "field"
    # Hidden fields that are not ids of records (checked in their own tests).
    skip: tuple[str, ...] = ()
    # The name the page's form has in the response's context.
    context_form: str = "form"
    # The persona works across the trust: school B's records are theirs to choose, so only guessed
    # and garbage ids are tampering.
    trust_wide: bool = False

    def url(self, ctx: Ctx) -> str:
        return reverse(self.url_name, kwargs=ctx.kwargs(self.obj) if self.obj else {})


def page_form(ctx: Ctx, client: Client, url: str) -> forms.BaseForm:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return response.context["form"]


def case_page_form(name: str):
    def get(ctx: Ctx, client: Client, url: str) -> forms.BaseForm:
        from incidents.views.case import case_form

        return case_form(name, Incident.objects.get(pk=ctx.kwargs("incident")["incident_id"]))

    return get


def report_data(ctx: Ctx) -> dict:
    now = timezone.localtime()
    return {
        "kind": "cyberbullying_pupil",
        "immediate_risk": "no",
        "description": TYPED,
        "platform": str(Platform.objects.get(name="Instagram").pk),
        **today_parts("seen_date", now.date()),
        "seen_time": "00:01",
        "pupils": [ctx.a.child.pk],
        "staff": [ctx.a[Role.HEADTEACHER].pk],
    }


def site_data(ctx: Ctx) -> dict:
    fields = site_fields(ctx.a, handle="@school_a_sport")
    go_live = fields.pop("go_live")
    fields.pop("trust_branded")
    return {
        **fields,
        "team": TYPED,
        "moderator": ctx.a[Role.MARKETING_OFFICER].pk,
        "administrators": [ctx.a[Role.STAFF].pk, ctx.a[Role.HEADTEACHER].pk],
        "authorised_posters": [ctx.a[Role.STAFF].pk],
        **today_parts("go_live", go_live),
    }


def paper_data(ctx: Ctx) -> dict:
    return {
        "parent": ctx.a[Role.PARENT].pk,
        **today_parts("paper_form_dated"),
        **{purpose: "skip" for purpose in Purpose.values},
        Purpose.SCHOOL_WEBSITE: "yes",
        "note": TYPED,
    }


CASES = [
    Case("incidents:report", "a:staff", report_data, extra={"platform": lambda ctx, v: v}, skip=("staged",)),
    Case(
        "incidents:assign",
        "a:deputy_dsl",
        lambda ctx: {"assign-assignee": ctx.a[Role.DEPUTY_DSL].pk},
        obj="incident",
        form=case_page_form("assign"),
        context_form="",
    ),
    Case(
        "incidents:link_pupil",
        "a:deputy_dsl",
        lambda ctx: {"link-pupil": ctx.a.child.pk, "link-role": "affected"},
        obj="incident",
        form=case_page_form("link"),
        context_form="",
    ),
    Case(
        "incidents:link_staff",
        "a:deputy_dsl",
        lambda ctx: {"staff-staff_member": ctx.a[Role.STAFF].pk, "staff-role": "subject"},
        obj="incident",
        form=case_page_form("staff"),
        context_form="",
    ),
    Case(
        "governance:breach_new",
        "trust:data_protection_officer",
        lambda ctx: {
            "school": ctx.a.school.pk,
            "what_happened": TYPED,
            "data_involved": "Names of pupils in one class",
            "found_on": timezone.localdate().isoformat(),
            "found_time": "09:30",
        },
        trust_wide=True,
    ),
    Case(
        "incidents:moderation_new",
        "a:marketing_officer",
        lambda ctx: {
            "school": ctx.a.school.pk,
            "platform": Platform.objects.get(name="Instagram").pk,
            "account": "@school_a_news",
            "comment_text": TYPED,
            # Yesterday: 09:30 today is still to come for a run early in the morning (refused).
            **today_parts("seen_date", timezone.localdate() - timedelta(days=1)),
            "seen_time": "09:30",
            "action_taken": "hidden",
        },
    ),
    Case("approvals:create_site_creation", "a:staff", site_data),
    Case(
        "approvals:create_connection",
        "a:staff",
        lambda ctx: {
            "with_whom": "pupil",
            "pupil": ctx.a.child.pk,
            "platform": "x",
            "profile": "@coach_northfield",
            "reason": TYPED,
        },
    ),
    Case(
        "approvals:create_post",
        "a:marketing_officer",
        lambda ctx: {"account": ctx.a_account.pk, "text": TYPED, "pupils": [ctx.a.child.pk]},
    ),
    Case(
        "approvals:edit",
        "a:marketing_officer",
        lambda ctx: {
            "account": ctx.a_account.pk,
            "text": TYPED,
            "pupils": [ctx.a.child.pk],
            "remove_media": [PostMedia.objects.get(pk=ctx.kwargs("approval_media")["media_id"]).pk],
            "save_draft": "1",
        },
        obj="approval_request",
    ),
    Case("consent:paper_form", "a:marketing_officer", paper_data, obj="pupil"),
    Case(
        "consent:collection_open",
        "a:marketing_officer",
        lambda ctx: {
            "scope": str(ctx.a.school.pk),
            "academic_year": _next_collection_year(ctx),
            **today_parts("closes_on", timezone.localdate() + timedelta(days=28)),
            "message": TYPED,
        },
        extra={"scope": lambda ctx, v: str(v)},
    ),
    Case(
        "consent:event_create",
        "a:marketing_officer",
        lambda ctx: {
            "name": TYPED,
            **today_parts("date"),
            "schools": [ctx.a.school.pk],
            "purposes": [Purpose.SCHOOL_WEBSITE],
        },
    ),
    Case(
        "consent:event_add_pupils",
        "a:marketing_officer",
        lambda ctx: {"pupils": [ctx.a_pupil.pk]},
        obj="consent_event",
        form=lambda ctx, client, url: _event_add_form(ctx),
        refusal="message",
    ),
    Case(
        "consent:event_remove_pupil",
        "a:marketing_officer",
        lambda ctx: {"pupil": ctx.a.child.pk},
        obj="consent_event",
        form=lambda ctx, client, url: EventRemovePupilForm(),
        refusal="message",
    ),
    Case(
        "governance:policy_create",
        "a:headteacher",
        lambda ctx: {
            "title": TYPED,
            "scope": f"school:{ctx.a.school.pk}",
            "owner": ctx.a[Role.HEADTEACHER].pk,
        },
        extra={"scope": lambda ctx, v: f"school:{v}"},
    ),
    Case(
        "governance:training_new",
        "a:headteacher",
        lambda ctx: {"school": ctx.a.school.pk, "kind": "staff", "title": TYPED, "held_on": "2026-10-01"},
    ),
    Case(
        "governance:training_detail",
        "a:headteacher",
        lambda ctx: {"attendees": [ctx.a[Role.STAFF].pk]},
        obj="training_session",
    ),
    Case(
        "governance:retention",
        "trust:data_protection_officer",
        lambda ctx: {"record_type": "consent", "years": "8"},
        form=lambda ctx, client, url: RetentionRuleForm(),
        refusal="message",
        trust_wide=True,
    ),
    # Only the trust administrator imports, for any school of the trust.
    Case(
        "accounts:import_upload",
        "trust:trust_administrator",
        lambda ctx: {
            "school": ctx.a.school.pk,
            "file": SimpleUploadedFile(
                "export.csv", b"UPN,Forename,Surname,DOB,Year\nS1,Sam,Lee,01/01/2015,5\n"
            ),
        },
        trust_wide=True,
    ),
]


def _next_collection_year(ctx: Ctx) -> str:
    from core.calendar import academic_year_for, next_academic_year

    return next_academic_year(academic_year_for(timezone.localdate()))


def _event_add_form(ctx: Ctx) -> forms.BaseForm:
    from consent.forms import EventAddPupilsForm

    event = Event.objects.get(pk=ctx.kwargs("consent_event")["event_id"])
    return EventAddPupilsForm(user=ctx.a[Role.MARKETING_OFFICER], event_schools=list(event.schools.all()))


def tampered_values(
    ctx: Ctx, form_field: forms.Field, name: str, extra, *, trust_wide: bool = False
) -> list[tuple[str, object]]:
    """(what it is, the value) for every kind of bad id."""
    values = []
    b_value = None if trust_wide else b_record(ctx, form_field, name)
    if b_value is not None and not (name == "platform"):
        values.append(("school B's record", extra(ctx, b_value) if extra else b_value))
    values.append(("a random UUID", extra(ctx, uuid.uuid4()) if extra else uuid.uuid4()))
    values += [(f"garbage {g[:20]!r}", g) for g in GARBAGE]
    return values


def snapshot() -> dict[str, int]:
    """Every table's size, audit entries of pages merely viewed left out."""
    from core.models import AuditEntry

    counts = row_counts()
    counts["core.auditentry"] = AuditEntry.objects.exclude(verb=AuditEntry.Verb.VIEW).count()
    return counts


def references_to_school_b(ctx: Ctx) -> int:
    """Rows anywhere that point at school B's records smuggled in (its pupil, people, account, photo)."""
    from django.db.models import Q

    from accounts.models import ImportRun
    from approvals.models import ConnectionRequest, PostRequest, SiteCreationRequest
    from consent.models import Collection, ConsentAnswer
    from governance.models import Policy, TrainingAttendance
    from incidents.models import IncidentPerson, ModerationEntry

    b_people = [u.pk for u in ctx.b.users.values()]
    return sum(
        [
            IncidentPerson.objects.filter(pupil=ctx.b.child).count(),
            IncidentPerson.objects.filter(user__in=b_people, incident__school=ctx.a.school).count(),
            Incident.objects.filter(school=ctx.a.school, assigned_to__in=b_people).count(),
            ConnectionRequest.objects.filter(pupil=ctx.b.child).count(),
            PostRequest.objects.filter(pupils=ctx.b.child).count(),
            PostRequest.objects.filter(account__school=ctx.b.school, request__school=ctx.a.school).count(),
            SiteCreationRequest.objects.filter(moderator__in=b_people).count(),
            SiteCreationRequest.objects.filter(administrators__in=b_people).count(),
            ConsentAnswer.objects.filter(pupil=ctx.a.child, parent__in=b_people).count(),
            Event.objects.filter(pupils=ctx.b.child).count(),
            TrainingAttendance.objects.filter(user__in=b_people).count(),
            TrainingSession.objects.filter(school=ctx.b.school).count(),
            Policy.objects.filter(Q(school=ctx.b.school) | Q(owner__in=b_people)).count(),
            ModerationEntry.objects.filter(school=ctx.b.school).count(),
            Collection.objects.filter(school=ctx.b.school).count(),
            Event.objects.filter(schools=ctx.b.school).count(),
            ImportRun.objects.filter(school=ctx.b.school).count(),
        ]
    )


@pytest.mark.parametrize("case", CASES, ids=[c.url_name for c in CASES])
def test_tampered_ids_are_refused(case: Case, personas):
    ctx = Ctx(personas)
    user = personas.everyone()[case.persona]
    client = signed_in_client(user)
    url = case.url(ctx)
    form = (case.form or page_form)(ctx, client, url)
    valid = case.data(ctx)
    id_fields = {name: f for name, f in form.fields.items() if is_id_field(f) and name not in case.skip}
    id_fields.update({name: form.fields[name] for name in case.extra})
    assert id_fields, f"{case.url_name}: the form has no id field to tamper with"
    # School B's records to smuggle in exist before anything is counted.
    assert ctx.b_media.post.request.school == ctx.b.school
    before, b_refs = snapshot(), references_to_school_b(ctx)

    for name, form_field in id_fields.items():
        key = form.add_prefix(name)
        multiple = isinstance(form_field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField)
        for what, bad in tampered_values(
            ctx, form_field, name, case.extra.get(name), trust_wide=case.trust_wide
        ):
            valid = case.data(ctx)  # a fresh body: an uploaded file is read once
            good = valid.get(key)
            if multiple:
                good = good if isinstance(good, list) else ([good] if good else [])
                value = [*good, bad]
            else:
                value = bad
            response = client.post(url, {**valid, key: value})
            where = f"{case.url_name}: {name} = {what}"
            assert response.status_code in (200, 302, 404), f"{where}: {response.status_code}"
            if response.status_code != 404 and case.refusal == "field":
                assert response.status_code == 200, f"{where}: accepted ({response.status_code})"
                bound = _bound_form(response, case, name)
                assert name in bound.errors, f"{where}: no error next to the field ({bound.errors})"
                content = response.content.decode()
                assert "govuk-error-summary" in content, f"{where}: no error summary"
                if TYPED in valid.values():
                    assert TYPED in content, f"{where}: what was typed is lost"
            elif response.status_code != 404:
                shown = client.get(response["Location"]) if response.status_code == 302 else response
                assert any(m.level_tag == "error" for m in shown.context["messages"]), f"{where}: no message"
            assert snapshot() == before, f"{where}: something was saved"
            assert references_to_school_b(ctx) == b_refs, f"{where}: a record now points at school B"

    # The form as posted, untampered, does what it is for: the refusals above were the ids'.
    response = client.post(url, case.data(ctx))
    assert response.status_code == 302, (
        f"{case.url_name}: the valid form was refused ({response.status_code})"
    )
    assert snapshot() != before or case.url_name == "approvals:edit", f"{case.url_name}: nothing saved"
    assert references_to_school_b(ctx) == b_refs


def _bound_form(response, case: Case, name: str) -> forms.BaseForm:
    """The bound form the page shows again with its errors."""
    if case.context_form:
        return response.context[case.context_form]
    for action in response.context["actions"]:
        form = action["form"]
        if form.is_bound and name in form.fields:
            return form
    raise AssertionError("The case page shows no bound form")


# --- every form with an id field has a case (or is a filter read from the query string) -------------

# Forms read from the query string to filter a list: a bad id there is ignored or shown as an error,
# and tested by test_tampered_filters_are_never_an_error_page.
FILTER_FORMS = {
    "incidents.forms.records.QueueFilterForm": ("incidents:queue", "trust:trust_safeguarding_lead"),
    "incidents.forms.records.InspectionPackForm": (
        "incidents:inspection_pack",
        "trust:trust_safeguarding_lead",
    ),
    "consent.forms.CheckForm": ("consent:check", "trust:director_of_marketing"),
    "consent.forms.RegisterFilterForm": ("consent:register", "trust:director_of_marketing"),
    # Its school field is there only for an event of several schools, each of which the user may check.
    "consent.forms.EventPupilSearchForm": None,
    # The sign-in page's button: anyone may start a sign-in with any trust's enabled provider (it
    # links no one; the provider's answer does); an id that is none sends them back to sign in
    # with "Choose how to sign in" (accounts.sso_views.sso_start).
    "accounts.forms.SignOnStartForm": None,
}
# Forms whose hidden field is not a record's id: the version of a request the decider read, which
# the service compares with the current one (tests/approvals/test_versions.py refuses a stale one).
NOT_RECORD_IDS = {
    "approvals.forms.decisions.DecisionForm": "version",
    "approvals.forms.decisions.PostDecisionForm": "version",
    "approvals.forms.decisions.BlockedDecisionForm": "version",
}
# Forms with an id field whose POST is covered by a case under another form's name.
COVERED_BY_CASE = {
    "incidents.forms.report.ReportForm": "incidents:report",
    "incidents.forms.case.AssignForm": "incidents:assign",
    "incidents.forms.case.LinkPupilForm": "incidents:link_pupil",
    "incidents.forms.case.LinkStaffForm": "incidents:link_staff",
    "governance.forms.BreachForm": "governance:breach_new",
    "incidents.forms.records.ModerationForm": "incidents:moderation_new",
    "approvals.forms.requests.SiteCreationForm": "approvals:create_site_creation",
    "approvals.forms.requests.ConnectionForm": "approvals:create_connection",
    "approvals.forms.post.PostForm": "approvals:create_post",
    "consent.forms.PaperConsentForm": "consent:paper_form",
    "consent.forms.CollectionOpenForm": "consent:collection_open",
    "consent.forms.EventForm": "consent:event_create",
    "consent.forms.EventAddPupilsForm": "consent:event_add_pupils",
    "consent.forms.EventRemovePupilForm": "consent:event_remove_pupil",
    "accounts.forms.ImportUploadForm": "accounts:import_upload",
    "governance.forms.PolicyForm": "governance:policy_create",
    "governance.forms.TrainingSessionForm": "governance:training_new",
    "governance.forms.AttendanceForm": "governance:training_detail",
    "governance.views.data_protection.RetentionRuleForm": "governance:retention",
    # The base of every request form: its subclasses' cases cover it.
    "approvals.forms.base.RequestForm": "approvals:create_site_creation",
}
ID_FIELD_NAMES = (
    "ModelChoiceField",
    "ModelMultipleChoiceField",
    "UUIDField",
    "HiddenInput",
    "PersonChoice",
    "PeopleChoice",
    "PupilsChoice",
    "_schools_field",
    "scope",
)


def portal_form_classes() -> dict[str, type[forms.BaseForm]]:
    """Every form class defined in the portal's apps (forms modules and views that define forms)."""
    found = {}
    for app in ("accounts", "approvals", "consent", "governance", "incidents", "portal"):
        package = importlib.import_module(app)
        names = [app] + [m.name for m in pkgutil.walk_packages(package.__path__, f"{app}.")]
        for module_name in names:
            if ".migrations" in module_name or ".management" in module_name or ".tests" in module_name:
                continue
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            for obj in vars(module).values():
                if inspect.isclass(obj) and issubclass(obj, forms.BaseForm) and obj.__module__ == module_name:
                    found[f"{module_name}.{obj.__name__}"] = obj
    return found


def carries_ids(cls: type[forms.BaseForm]) -> bool:
    """Does the form pick a record by id: in its declared fields, its model's relations, or in the
    fields its __init__ adds (read from its source)?"""
    if any(is_id_field(f) for f in cls.base_fields.values()):
        return True
    source = inspect.getsource(cls)
    return any(name in source for name in ID_FIELD_NAMES)


def test_every_form_with_an_id_field_is_covered():
    classes = portal_form_classes()
    assert "incidents.forms.report.ReportForm" in classes  # the walk finds the forms
    with_ids = {name for name, cls in classes.items() if carries_ids(cls)}
    case_urls = {case.url_name for case in CASES}
    covered = (
        set(FILTER_FORMS)
        | set(NOT_RECORD_IDS)
        | {name for name, url in COVERED_BY_CASE.items() if url in case_urls}
    )
    # Forms whose id field is only the request's own, or a choice the view checks (see their cases).
    uncovered = sorted(with_ids - covered)
    assert not uncovered, f"Forms picking records by id with no tampering case: {uncovered}"
    stale = sorted((set(COVERED_BY_CASE) | set(FILTER_FORMS) | set(NOT_RECORD_IDS)) - set(classes))
    assert not stale, f"Listed forms that no longer exist: {stale}"


@pytest.mark.parametrize("form_name", sorted(name for name, page in FILTER_FORMS.items() if page))
def test_tampered_filters_are_never_an_error_page(form_name, personas):
    """A filter read from the query string with another school's id, a guess or garbage: the list is
    shown (the bad value ignored or named as an error), never a 500, and school B's records are not
    in it for a person who cannot see them."""
    url_name, label = FILTER_FORMS[form_name]
    ctx = Ctx(personas)
    # The trust-wide viewer may see both schools: school B's pupil must not appear for school A's
    # people, so the same filters are tried by school A's marketing officer where the page is theirs.
    url = reverse(url_name)
    tried = 0
    for user in (personas.everyone()[label], personas.a[Role.MARKETING_OFFICER]):
        client = signed_in_client(user)
        page = client.get(url)
        if page.status_code == 403:
            continue
        form = page.context["form"]
        for name, form_field in form.fields.items():
            if not is_id_field(form_field):
                continue
            for what, bad in tampered_values(ctx, form_field, name, None):
                tried += 1
                response = client.get(url, {name: bad, "names": ctx.b.child.last_name})
                assert response.status_code == 200, f"{url_name}?{name}={what}: {response.status_code}"
                if user == personas.a[Role.MARKETING_OFFICER]:
                    assert ctx.b.child.last_name not in response.content.decode(), f"{url_name}?{name}={what}"
    # A page refused to both people, or a form with no id field left, would leave nothing tried.
    assert tried, f"{url_name}: no tampered filter was tried"


def test_a_staging_token_not_ones_own_attaches_nothing_and_removes_nothing(personas):
    """The report form's hidden ``staged`` field names the folder of files kept while errors are put
    right. Another person's token, a forged one or garbage attaches none of their files to a report,
    and ``remove_staged`` cannot delete them."""
    from incidents.services.staging import EvidenceStaging
    from tests.incidents.helpers import png

    ctx = Ctx(personas)
    b_client = signed_in_client(personas.b[Role.STAFF])
    # School B's member of staff leaves out the description: the file is kept, the form shown again.
    kept = b_client.post(
        reverse("incidents:report"),
        {**report_data(ctx), "description": "", "pupils": [], "staff": [], "evidence": [png()]},
    )
    token = kept.context["form"].data["staged"]
    staged = EvidenceStaging(personas.b[Role.STAFF], token).files()
    assert len(staged) == 1

    a_client = signed_in_client(personas.a[Role.STAFF])
    for bad in (token, token[:-4] + "AAAA", "../../evidence-staging", "9" * 5000, str(uuid.uuid4())):
        response = a_client.post(
            reverse("incidents:report"), {**report_data(ctx), "staged": bad, "remove_staged": [staged[0].id]}
        )
        assert response.status_code == 302, response.status_code
        incident = Incident.objects.filter(reporter=personas.a[Role.STAFF]).latest("reported_at")
        assert incident.evidence.count() == 0
    assert EvidenceStaging(personas.b[Role.STAFF], token).files() == staged


def test_a_policy_owner_is_chosen_from_the_schools_the_person_manages(personas):
    a_head, b_head = personas.a[Role.HEADTEACHER], personas.b[Role.HEADTEACHER]
    owners = signed_in_client(a_head).get(reverse("governance:policy_create")).context["form"].fields["owner"]
    offered = set(owners.queryset)
    assert a_head in offered and personas[Role.TRUST_ADMINISTRATOR] in offered
    assert b_head not in offered and personas.b[Role.STAFF] not in offered
    assert not offered & {personas.a[Role.PUPIL], personas.a[Role.PARENT]}
    admin = personas[Role.TRUST_ADMINISTRATOR]
    trust_wide = signed_in_client(admin).get(reverse("governance:policy_create")).context["form"]
    assert {a_head, b_head} <= set(trust_wide.fields["owner"].queryset)
