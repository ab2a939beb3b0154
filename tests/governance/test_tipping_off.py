"""No tipping-off: a concern about a person changes nothing that person can see.

For each page that shows figures, the person named in a new concern reads the same figures before
and after it (their dashboard, their queue, the trust's figures beside their school's), while
someone who is not named sees the concern counted: so each test can fail, and would have failed
when figures were counted without subject exclusion.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from incidents import services as incident_services
from incidents.models import Kind, Takedown
from incidents.services import PersonInvolved
from tests.pdftext import pdf_text

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
        opened = incident_services.takedown_open(
            user=_handler_for(personas, incident), incident=incident, content_url="https://example.com/p/1"
        )
        # Past its deadline, so that the figure counts it (one inside its window is not yet a hit
        # or a miss, and would show nothing whether hidden or not).
        Takedown.objects.filter(pk=opened.pk).update(deadline=timezone.now() - timedelta(hours=1))
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


# --- the trustees' report ------------------------------------------------------------------------


def _incident_figures(d) -> dict:
    return {
        "schools": [(s.name, s.open_incidents, s.takedowns, s.takedowns_in_time) for s in d.schools],
        "total": (d.total.open_incidents, d.total.takedowns, d.total.takedowns_in_time),
        "by_kind": [(row["label"], row["counts"], row["total"]) for row in d.incidents_by_kind],
        "trend": [
            (row["month"], row["takedowns"], row["in_time"], row["percent"]) for row in d.takedown_trend
        ],
    }


def test_a_trust_officer_named_in_a_concern_reads_the_report_as_their_dashboard(personas, client_for):
    from governance import dashboards, reports
    from governance.models import TrusteeReport

    ceo, chair = personas[Role.CEO], personas[Role.CHAIR_OF_TRUSTEES]
    # Another open concern and takedown that everyone counts, and the one naming the chief executive.
    _concern(personas, kind=Kind.CYBERBULLYING_STAFF, named=personas.a[Role.STAFF])
    _concern(personas, kind=Kind.STAFF_CONDUCT, named=ceo)
    report = reports.trustee_report_generate(trust=personas.trust, user=chair)
    report = TrusteeReport.objects.get(pk=report.pk)
    ids = list(personas.trust.schools.values_list("pk", flat=True))

    as_ceo = dashboards.Dashboard.from_data(report.figures).without(
        [added for pk, added in report.counted.items() if pk in _naming(ceo)]
    )
    # The report the chief executive reads has their dashboard's figures; the chair's has one more.
    assert _incident_figures(as_ceo) == _incident_figures(dashboards.dashboard(school_ids=ids, viewer=ceo))
    full = dashboards.Dashboard.from_data(report.figures)
    assert _incident_figures(full) == _incident_figures(dashboards.dashboard(school_ids=ids, viewer=chair))
    assert full.total.open_incidents == as_ceo.total.open_incidents + 1 == 2
    assert full.total.takedowns == as_ceo.total.takedowns + 1 == 2

    # Downloaded through the page, each reads their own figures.
    url = reverse("governance:trustee_report_download", kwargs={"report_id": report.pk})
    ceo_text = pdf_text(client_for(ceo).get(url).content, joined=True)
    chair_text = pdf_text(client_for(chair).get(url).content, joined=True)
    assert "Concern about a member of staff" not in ceo_text
    assert "Concern about a member of staff" in chair_text
    assert ceo_text != chair_text


def _naming(user) -> set[str]:
    from incidents.models import Incident

    return {
        str(pk)
        for pk in Incident.objects.filter(Incident.subject_exclusion_q(user)).values_list("pk", flat=True)
    }


def test_a_report_kept_without_figures_is_not_given_to_a_named_reader(personas, client_for):
    from governance import reports
    from governance.models import TrusteeReport

    ceo = personas[Role.CEO]
    _concern(personas, kind=Kind.STAFF_CONDUCT, named=ceo)
    report = reports.trustee_report_generate(trust=personas.trust)
    # A report kept before its figures were: it cannot be printed without the concern.
    TrusteeReport.objects.filter(pk=report.pk).update(figures={}, counted={})
    url = reverse("governance:trustee_report_download", kwargs={"report_id": report.pk})
    assert client_for(ceo).get(url).status_code == 404
    assert client_for(personas[Role.CHAIR_OF_TRUSTEES]).get(url).status_code == 200


# --- the audit log and the retention review list -----------------------------------------------


def test_the_audit_log_leaves_out_entries_about_a_concern_naming_its_reader(personas, client_for):
    from incidents.models import Evidence
    from tests.incidents.helpers import png

    dpo, lead = personas[Role.DATA_PROTECTION_OFFICER], personas[Role.TRUST_SAFEGUARDING_LEAD]
    incident = incident_services.incident_report(
        reporter=personas.a[Role.DSL],
        school=personas.a.school,
        kind=Kind.STAFF_CONDUCT,
        seen_at=timezone.now(),
        description="Posts seen on a public account",
        people=[PersonInvolved(role="alleged", identity="staff", user=dpo)],
        evidence_files=[png()],
    )
    evidence = Evidence.objects.get(incident=incident)
    handler = client_for(_handler_for(personas, incident))
    assert handler.get(reverse("incidents:detail", kwargs={"incident_id": incident.pk})).status_code == 200
    url = reverse("incidents:evidence", kwargs={"incident_id": incident.pk, "evidence_id": evidence.pk})
    assert handler.get(url).status_code == 200

    def about_it(client) -> int:
        response = client.get(reverse("governance:audit_log"))
        assert response.status_code == 200
        page = response.content.decode()
        return sum(
            page.count(text) for text in (incident.reference, str(incident.pk), evidence.original_name)
        )

    assert about_it(client_for(lead)) > 0
    assert about_it(client_for(dpo)) == 0


def test_a_review_of_a_concern_naming_the_officer_is_not_theirs_to_see_or_decide(personas, client_for):
    from datetime import date

    from governance import retention
    from governance.models import RetentionReview
    from tests.factories import PupilFactory

    dpo = personas[Role.DATA_PROTECTION_OFFICER]
    other = _second_dpo(personas)
    old = PupilFactory(school=personas.a.school, date_of_birth=date(1990, 3, 1))
    _concern(personas, kind=Kind.STAFF_CONDUCT, named=dpo, pupil=old, takedown=False)
    assert retention.retention_review_sweep() == 1
    review = RetentionReview.objects.get()
    assert list(retention.reviews_for(dpo)) == []
    assert list(retention.reviews_for(other)) == [review]
    me = client_for(dpo)
    assert review.object_label not in me.get(reverse("governance:retention")).content.decode()
    decide = reverse("governance:retention_decide", kwargs={"review_id": review.pk})
    assert me.post(decide, {"outcome": "erase"}).status_code == 404
    review.refresh_from_db()
    assert review.outcome == RetentionReview.Outcome.PENDING
    assert client_for(other).post(decide, {"outcome": "keep"}).status_code == 302
