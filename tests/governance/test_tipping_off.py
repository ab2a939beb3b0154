"""No tipping-off: a concern about a person changes nothing that person can see.

For each page that shows figures, the person named in a new concern reads the same figures before
and after it (their dashboard, their queue, the trust's figures beside their school's), while
someone who is not named sees the concern counted: so each test can fail, and would have failed
when figures were counted without subject exclusion.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from incidents import services as incident_services
from incidents.models import Kind
from incidents.services import PersonInvolved

pytestmark = pytest.mark.django_db


def _concern(personas, *, kind: str, named, reporter=None, pupil=None, takedown: bool = True):
    """A report naming ``named`` (a member of staff or trust officer), with a takedown."""
    a = personas.a
    people = [PersonInvolved(role="alleged", identity="staff", user=named)]
    if pupil is not None:
        people.append(PersonInvolved(role="affected", identity="pupil", pupil=pupil))
    incident = incident_services.incident_report(
        reporter=reporter or a[Role.STAFF],
        school=a.school,
        kind=kind,
        seen_at=timezone.now(),
        description="Posts seen on a public account",
        people=people,
    )
    if takedown:
        # Opened as the platform's host (the system user is not named): a takedown is counted on
        # the dashboard, so it must be hidden with its incident.
        incident_services.takedown_open(
            user=_handler_for(personas, incident), incident=incident, content_url="https://example.com/p/1"
        )
    return incident


def _handler_for(personas, incident):
    from accounts import access

    return access.users_with(incident.handler_action, incident.school_id).exclude(
        pk__in=incident.people.exclude(user=None).values("user_id")
    )[0]


def _figures(client, url) -> dict:
    """Every incident-derived figure the dashboard page shows."""
    response = client.get(url)
    assert response.status_code == 200
    d = response.context["d"]
    return {
        "schools": [(s.name, s.open_incidents, s.takedowns, s.takedowns_in_time) for s in d.schools],
        "total": (d.total.open_incidents, d.total.takedowns, d.total.takedowns_in_time),
        "by_kind": [(row["label"], row["counts"], row["total"]) for row in d.incidents_by_kind],
        "trend": [(row["takedowns"], row["in_time"]) for row in d.takedown_trend],
        "page": _strip_time(response.content.decode()),
    }


def _strip_time(html: str) -> str:
    """The page without what changes on every request by itself: the "as at" time, the CSRF token
    and the script nonce."""
    html = re.sub(r"as at [^.]*\.", "as at …", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", html)
    return re.sub(r'nonce="[^"]*"', "nonce", html)


def _queue_total(client) -> int:
    response = client.get(reverse("incidents:queue"))
    assert response.status_code == 200
    return response.context["page"].paginator.count


def _school_url(personas):
    return reverse("governance:school_dashboard", kwargs={"school_id": personas.a.school.pk})


def test_a_headteacher_named_in_a_staff_concern_sees_the_same_dashboard_and_queue(personas, client_for):
    head = personas.a[Role.HEADTEACHER]
    me, dsl = client_for(head), client_for(personas.a[Role.DSL])
    before_mine = _figures(me, reverse("governance:dashboard"))
    before_school = _figures(me, _school_url(personas))
    before_queue = _queue_total(me)
    before_dsl = _figures(dsl, reverse("governance:dashboard"))

    # The staff-conduct concern goes to the chair (it names the headteacher) and has a takedown.
    _concern(personas, kind=Kind.STAFF_CONDUCT, named=head)

    assert _figures(me, reverse("governance:dashboard")) == before_mine
    assert _figures(me, _school_url(personas)) == before_school
    assert _queue_total(me) == before_queue
    # Someone not named sees it counted: the figures do move for them.
    after_dsl = _figures(dsl, reverse("governance:dashboard"))
    assert after_dsl["total"][0] == before_dsl["total"][0] + 1
    assert after_dsl["total"][1] == before_dsl["total"][1] + 1


def test_a_dsl_named_in_a_safeguarding_concern_sees_the_same_dashboard_and_queue(personas, client_for):
    dsl = personas.a[Role.DSL]
    me, head = client_for(dsl), client_for(personas.a[Role.HEADTEACHER])
    deputy = client_for(personas.a[Role.DEPUTY_DSL])
    before_mine = _figures(me, reverse("governance:dashboard"))
    before_queue = _queue_total(me)
    before_head = _figures(head, reverse("governance:dashboard"))
    before_deputy_queue = _queue_total(deputy)

    _concern(personas, kind=Kind.SAFEGUARDING, named=dsl, pupil=personas.a.child)

    assert _figures(me, reverse("governance:dashboard")) == before_mine
    assert _queue_total(me) == before_queue
    assert _queue_total(deputy) == before_deputy_queue + 1
    assert _figures(head, reverse("governance:dashboard"))["total"][0] == before_head["total"][0] + 1


def test_the_trust_figure_and_the_school_figure_agree_for_a_named_trust_officer(personas, client_for):
    ceo = personas[Role.CEO]
    me, chair = client_for(ceo), client_for(personas[Role.CHAIR_OF_TRUSTEES])
    before_trust = _figures(me, reverse("governance:dashboard"))
    before_school = _figures(me, _school_url(personas))
    before_chair = _figures(chair, reverse("governance:dashboard"))

    _concern(personas, kind=Kind.STAFF_CONDUCT, named=ceo)

    after_trust = _figures(me, reverse("governance:dashboard"))
    after_school = _figures(me, _school_url(personas))
    assert after_trust == before_trust
    assert after_school == before_school
    # The school's row on the trust page is the school page's figure.
    school_row = next(row for row in after_trust["schools"] if row[0] == personas.a.school.name)
    assert school_row[1:] == after_school["total"]
    assert _figures(chair, reverse("governance:dashboard"))["total"][0] == before_chair["total"][0] + 1


# --- subject access ------------------------------------------------------------------------------


def _second_dpo(personas):
    from accounts import access
    from tests.factories import person

    other = person(Role.DATA_PROTECTION_OFFICER, trust=personas.trust, full_name="Second Officer")
    access.sync_permissions([other.pk])
    return other


def test_a_dpo_named_with_a_pupil_gets_no_export_of_that_concern(personas, client_for):
    dpo = personas[Role.DATA_PROTECTION_OFFICER]
    pupil = personas.a.child
    dsl = personas.a[Role.DSL]
    incident = _concern(
        personas, kind=Kind.STAFF_CONDUCT, named=dpo, pupil=pupil, reporter=dsl, takedown=False
    )
    me = client_for(dpo)
    kwargs = {"pupil_id": pupil.pk}
    # The incident itself is hidden from them...
    assert me.get(reverse("incidents:detail", kwargs={"incident_id": incident.pk})).status_code == 404
    # ...and neither export carries it, nor who reported it: no export is made at all.
    for name in ("governance:subject_access_json", "governance:subject_access_pdf"):
        response = me.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 409
        assert response["Content-Type"].startswith("text/html")
        body = response.content.decode()
        assert incident.reference not in body
        assert personas.a[Role.DSL].full_name not in body
        assert "You cannot make this export" in body
    # The page says who should make it: no other officer exists, so the chief executive.
    page = me.get(reverse("governance:subject_access", kwargs=kwargs))
    assert page.status_code == 200
    assert "You cannot make this export" in page.content.decode()
    assert [p.pk for p in page.context["instead"]] == [personas[Role.CEO].pk]

    # Passed on: the chief executive is told (no pupil's name in the subject), and can export it.
    response = me.post(reverse("governance:subject_access_refer", kwargs=kwargs))
    assert response.status_code == 302
    ceo = personas[Role.CEO]
    notice = ceo.notifications.get(subject__contains="subject access")
    assert pupil.first_name not in notice.subject and pupil.last_name not in notice.subject
    assert notice.link == reverse("governance:subject_access", kwargs=kwargs)
    export = client_for(ceo).get(reverse("governance:subject_access_json", kwargs=kwargs))
    assert export.status_code == 200
    assert [row["reference"] for row in json.loads(export.content)["incidents"]] == [incident.reference]


def test_another_dpo_is_preferred_to_the_chief_executive(personas, client_for):
    dpo = personas[Role.DATA_PROTECTION_OFFICER]
    other = _second_dpo(personas)
    pupil = personas.a.child
    _concern(personas, kind=Kind.STAFF_CONDUCT, named=dpo, pupil=pupil, takedown=False)
    page = client_for(dpo).get(reverse("governance:subject_access", kwargs={"pupil_id": pupil.pk}))
    assert [p.pk for p in page.context["instead"]] == [other.pk]
    # The other officer is not conflicted, and makes the export as usual.
    response = client_for(other).get(reverse("governance:subject_access_json", kwargs={"pupil_id": pupil.pk}))
    assert response.status_code == 200


def test_a_dpo_not_named_still_exports_every_incident(personas, client_for):
    pupil = personas.a.child
    incident = _concern(
        personas, kind=Kind.STAFF_CONDUCT, named=personas.a[Role.STAFF], pupil=pupil, takedown=False
    )
    dpo = client_for(personas[Role.DATA_PROTECTION_OFFICER])
    page = dpo.get(reverse("governance:subject_access", kwargs={"pupil_id": pupil.pk}))
    assert "You cannot make this export" not in page.content.decode()
    url = reverse("governance:subject_access_json", kwargs={"pupil_id": pupil.pk})
    export = json.loads(dpo.get(url).content)
    assert [row["reference"] for row in export["incidents"]] == [incident.reference]
