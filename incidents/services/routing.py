"""Who handles each report (SPEC §3.3), how soon, and the platform age check (000 §3.2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from accounts import access
from accounts.models import Pupil, School
from accounts.roles import Action
from incidents.models import Incident, IncidentPerson, Kind

KIND_HANDLER = {
    Kind.SAFEGUARDING: Action.TRIAGE_INCIDENTS,
    Kind.CYBERBULLYING_PUPIL: Action.TRIAGE_INCIDENTS,
    Kind.CYBERBULLYING_STAFF: Action.TRIAGE_INCIDENTS,
    Kind.PUPIL_CONTACT: Action.TRIAGE_INCIDENTS,
    Kind.UNDER_AGE: Action.TRIAGE_INCIDENTS,
    Kind.STAFF_CONDUCT: Action.HANDLE_STAFF_CONDUCT,
    Kind.INAPPROPRIATE_CONTENT: Action.RECORD_ICT_ACTIONS,
    Kind.ABUSIVE_COMMENT: Action.MODERATE_ACCOUNTS,
    Kind.MEDIA_ENQUIRY: Action.HANDLE_MEDIA_ENQUIRIES,
}

HANDLER_LABELS = {
    Action.TRIAGE_INCIDENTS: "Designated Safeguarding Lead",
    Action.HANDLE_STAFF_CONDUCT: "Headteacher",
    Action.HANDLE_HEADTEACHER_CONDUCT: "Chair of trustees",
    Action.RECORD_ICT_ACTIONS: "ICT technician",
    Action.MODERATE_ACCOUNTS: "Marketing officer",
    Action.HANDLE_MEDIA_ENQUIRIES: "Director of marketing and communications",
}


def handler_label(action: str) -> str:
    """Who handles an incident of this action, in the words the policies use."""
    return HANDLER_LABELS.get(action, str(action))


def handler_action_for(*, kind: str, school: School, people: Iterable) -> str:
    """The action whose holders handle this report, by who is named in it (004 §2, §6).

    A concern about a member of staff's conduct goes to the headteacher; one that names the
    headteacher at all (who could then not see it) goes to the chair of trustees. A safeguarding
    concern stays with the safeguarding team whoever it names (a deputy takes it when the DSL is
    named), as do ICT, moderation and media reports with theirs: subject exclusion leaves the
    person named out of it.
    """
    action = KIND_HANDLER[Kind(kind)]
    if action == Action.HANDLE_STAFF_CONDUCT:
        named_staff = [p.user.pk for p in people if getattr(p, "user", None) is not None]
        if named_staff and access.headteachers_of(school.pk).filter(pk__in=named_staff).exists():
            return Action.HANDLE_HEADTEACHER_CONDUCT
    return action


# Handlers who answer within a day (the safeguarding and conduct concerns); the others within three.
WITHIN_A_DAY = frozenset(
    {Action.TRIAGE_INCIDENTS, Action.HANDLE_STAFF_CONDUCT, Action.HANDLE_HEADTEACHER_CONDUCT}
)


def response_time(*, kind: str, immediate_risk: bool) -> timedelta:
    """How soon a first response to a new report of this kind is due."""
    return response_time_for(handler_action=KIND_HANDLER[Kind(kind)], immediate_risk=immediate_risk)


def response_time_for(*, handler_action: str, immediate_risk: bool) -> timedelta:
    """How soon a first response is due from this handler: within the hour for immediate risk."""
    if immediate_risk:
        return timedelta(hours=1)
    if handler_action in WITHIN_A_DAY:
        return timedelta(hours=24)
    return timedelta(days=3)


def handlers_of(incident: Incident):
    """The people who handle this incident now: holders of its action, less anyone named in it."""
    named = IncidentPerson.objects.filter(incident=incident).values_list("user_id", "pupil__user_id")
    excluded = {uid for pair in named for uid in pair if uid is not None}
    return access.users_with(incident.handler_action, incident.school_id).exclude(pk__in=excluded)


def under_age_pupils(incident: Incident) -> list[Pupil]:
    """Pupils named in the report who are younger than the platform's minimum age."""
    platform = incident.platform
    if platform is None or not platform.minimum_age:
        return []
    # The UK date: an hour past midnight BST on a 13th birthday is already that birthday.
    day = timezone.localdate(incident.seen_at or timezone.now())
    pupils = Pupil.objects.filter(incident_links__incident=incident).distinct()
    return [p for p in pupils if p.age_on(day) < platform.minimum_age]
