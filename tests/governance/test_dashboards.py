"""Dashboards: fixed queries whatever the number of schools, coverage that moves, no names."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Pupil, User
from accounts.roles import Role
from governance import dashboards, policies
from tests.factories import PupilFactory, SchoolFactory, person
from tests.governance.helpers import published_policy

pytestmark = pytest.mark.django_db


def _grow(personas, count: int) -> None:
    """Add schools, each with a member of staff and a pupil, to the trust."""
    from accounts import access

    for n in range(count):
        school = SchoolFactory(trust=personas.trust, name=f"Extra school {n}")
        person(Role.STAFF, school=school)
        PupilFactory(school=school)
    access.sync_trust(personas.trust.pk)


def test_dashboard_queries_do_not_grow_with_schools(personas, django_assert_num_queries):
    published_policy(personas)
    # 2 schools, then 6: the same 10 queries (schools; open incidents; takedowns by month; decisions
    # waiting; accounts due for review; consent by year group; staff per school; current policy
    # versions; acknowledgements; staff trained this term).
    with django_assert_num_queries(10):
        two = dashboards.dashboard(school_ids=[personas.a.school.pk, personas.b.school.pk], viewer=None)
    _grow(personas, 4)
    ids = list(personas.trust.schools.values_list("pk", flat=True))
    with django_assert_num_queries(10):
        six = dashboards.dashboard(school_ids=ids, viewer=None)
    assert len(two.schools) == 2 and len(six.schools) == 6


def test_the_page_costs_the_same_for_2_and_6_schools(personas, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    trustee = client_for(personas[Role.TRUSTEE])
    url = reverse("governance:dashboard")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert trustee.get(url).status_code == 200
        return len(captured.captured_queries)

    before = count()
    _grow(personas, 4)
    assert count() == before


def test_acknowledgement_coverage_moves_when_staff_acknowledge(personas):
    _, version = published_policy(personas)
    school_a = personas.a.school.pk
    figures = dashboards.dashboard(school_ids=[school_a], viewer=None).schools[0]
    assert figures.acknowledgements == 0 and figures.acknowledgements_expected == figures.staff > 0
    policies.acknowledgement_record(user=personas.a[Role.STAFF], version=version)
    figures = dashboards.dashboard(school_ids=[school_a], viewer=None).schools[0]
    assert figures.acknowledgements == 1
    assert figures.acknowledgement_percent == round(100 / figures.staff)


def test_training_coverage_counts_staff_trained_this_term(personas):
    from governance.models import TrainingAttendance, TrainingSession

    head = personas.a[Role.HEADTEACHER]
    # One day for both the session and the dashboard's "this term", and it is the UK's: the machine's
    # date (UTC on CI) is still 31 August, the summer term, for the first hour of 1 September.
    today = timezone.localdate()
    session = TrainingSession.objects.create(
        school=personas.a.school, kind="staff", title="Online safety", held_on=today, created_by=head
    )
    TrainingAttendance.objects.create(session=session, user=personas.a[Role.STAFF], recorded_by=head)
    figures = dashboards.dashboard(school_ids=[personas.a.school.pk], viewer=None, today=today).schools[0]
    assert figures.staff_trained == 1


def test_a_trustee_sees_figures_but_no_names_and_no_pupil_record(personas, client_for):
    published_policy(personas)
    trustee = client_for(personas[Role.TRUSTEE])
    html = trustee.get(reverse("governance:dashboard")).content.decode()
    # The header names whoever is signed in; the page's own content names no one.
    page = html.split('id="main-content"', 1)[1].split("</main>", 1)[0]
    assert "Trust dashboard" in page and "School A" in page and "School B" in page
    pupils, users = list(Pupil.objects.all()), list(User.objects.all())
    assert pupils and users  # names to look for, or the loops below check nothing
    for pupil in pupils:
        assert pupil.first_name not in page and pupil.last_name not in page
    for user in users:
        assert user.full_name not in page
    assert "style=" not in html
    pupil_url = reverse("accounts:pupil_detail", kwargs={"pupil_id": personas.a.child.pk})
    assert trustee.get(pupil_url).status_code in (403, 404)


def test_school_dashboard_for_its_own_school_only(personas, client_for):
    dsl_a = client_for(personas.a[Role.DSL])
    a_url = reverse("governance:school_dashboard", kwargs={"school_id": personas.a.school.pk})
    b_url = reverse("governance:school_dashboard", kwargs={"school_id": personas.b.school.pk})
    assert dsl_a.get(a_url).status_code == 200
    assert dsl_a.get(b_url).status_code == 404
    assert client_for(personas.a[Role.STAFF]).get(a_url).status_code == 403


def test_someone_working_in_two_schools_counts_only_where_the_policy_applies(personas):
    from tests.factories import membership

    staff = personas.a[Role.STAFF]
    membership(staff, Role.STAFF, school=personas.b.school)
    _, version = published_policy(personas)  # school A's policy
    policies.acknowledgement_record(user=staff, version=version)
    a, b = dashboards.dashboard(school_ids=[personas.a.school.pk, personas.b.school.pk], viewer=None).schools
    assert (a.name, a.acknowledgements) == ("School A", 1)
    assert (b.name, b.acknowledgements, b.acknowledgements_expected) == ("School B", 0, 0)
    _, trust_version = published_policy(personas, school=False, title="Trust policy")
    policies.acknowledgement_record(user=staff, version=trust_version)
    a, b = dashboards.dashboard(school_ids=[personas.a.school.pk, personas.b.school.pk], viewer=None).schools
    assert a.acknowledgements == 2 and b.acknowledgements == 1


def test_the_apps_register_the_figures_the_dashboard_shows():
    from core import registries

    assert [figure.key for figure in registries.dashboard_figures] == [
        "incidents.open",
        "incidents.takedowns",
        "approvals.waiting",
        "approvals.account_reviews",
        "consent.coverage",
    ]


def test_a_figure_the_dashboard_does_not_have_is_refused(personas, monkeypatch):
    # A misspelt name would otherwise be set on the school's figures and never shown.
    from core import registries

    school = personas.a.school.pk

    def counts(**_):
        return registries.FigureCounts(by_school={school: {"open_incidnets": 1}})

    entries = {
        "test.misspelt": registries.DashboardFigure(key="test.misspelt", label="Misspelt", counts=counts)
    }
    monkeypatch.setattr(registries.dashboard_figures, "_entries", entries)
    with pytest.raises(ValueError, match="open_incidnets"):
        dashboards.dashboard(school_ids=[school], viewer=None)
