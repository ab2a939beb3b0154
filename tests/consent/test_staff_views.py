"""The consent check, the register and its exports, a pupil's record, paper forms and follow-ups."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import YearGroup
from accounts.roles import Role
from consent.models import ConsentState, Method, Purpose, Restriction, WithdrawalFollowUp
from consent.selectors import current_academic_year
from consent.services import consent_withdraw
from core.models import AuditEntry
from tests.consent.helpers import NO, YES, answer, answer_all, child_of, yes
from tests.factories import PupilFactory, UserFactory
from tests.pdftext import pdf_text
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db
SOCIAL = Purpose.SCHOOL_SOCIAL_MEDIA


@pytest.fixture
def class_4b(personas):
    """Three pupils of class 4B at school A: refused, first name only, and never answered."""
    school, parent = personas.a.school, personas.a[Role.PARENT]
    refused = child_of(parent, school, first_name="Amara", last_name="Okafor", year_group=4, class_name="4B")
    named = child_of(parent, school, first_name="Ben", last_name="Hughes", year_group=4, class_name="4B")
    silent = PupilFactory(school=school, first_name="Cara", last_name="Nowak", year_group=4, class_name="4B")
    answer(parent, refused, {SOCIAL: NO})
    answer(parent, named, {SOCIAL: yes(Restriction.FIRST_NAME_ONLY)})
    return refused, named, silent


def check_url(**params) -> str:
    from urllib.parse import urlencode

    params.setdefault("purpose", SOCIAL)
    params.setdefault("academic_year", current_academic_year())
    return f"{reverse('consent:check')}?{urlencode(params)}"


def test_the_check_shows_who_may_appear_and_how(personas, client_for, class_4b):
    refused, named, silent = class_4b
    page = client_for(personas.a[Role.MARKETING_OFFICER]).get(check_url(class_name="4b"))
    assert page.status_code == 200
    groups = page.context["groups"]
    assert [p for p, _ in groups["not_allowed"]] == [silent, refused]
    assert [p for p, _ in groups["restricted"]] == [named]
    assert groups["allowed"] == []
    html = page.content.decode()
    assert "First name only" in html and "No answer from a parent" in html


def test_the_check_by_names_reports_names_it_cannot_find(personas, client_for, class_4b):
    # Full names: a one-word search such as "Ben" also finds a generated pupil called Benjamin.
    page = client_for(personas.a[Role.STAFF]).get(check_url(names="Amara Okafor, Ben Hughes, Nobody Here"))
    assert {p.first_name for group in page.context["groups"].values() for p, _ in group} == {"Amara", "Ben"}
    assert page.context["unmatched"] == ["Nobody Here"]


def test_the_check_never_shows_another_schools_pupils(personas, client_for, class_4b):
    page = client_for(personas.b[Role.MARKETING_OFFICER]).get(check_url(names="Amara"))
    assert page.status_code == 200 and page.context["total"] == 0


def test_the_check_needs_a_way_to_pick_pupils(personas, client_for):
    page = client_for(personas.a[Role.STAFF]).get(check_url())
    assert page.status_code == 200 and not page.context["searched"]
    assert "Enter pupils&#x27; names, or choose a year group or class" in page.content.decode()


@pytest.mark.parametrize("role", [Role.PARENT, Role.PUPIL])
def test_the_check_is_for_people_who_check_consent(personas, client_for, role):
    assert client_for(personas.a[role]).get(check_url(names="Amara")).status_code == 403


def test_the_check_page_makes_the_same_queries_for_3_and_30_pupils(personas, client_for):
    def families(count):
        for index in range(count):
            parent = UserFactory()
            pupil = child_of(parent, personas.a.school, year_group=YearGroup.Y6)
            answer(parent, pupil, {SOCIAL: (YES, NO, yes(Restriction.NO_NAME))[index % 3]})

    families(3)
    client = client_for(personas.a[Role.MARKETING_OFFICER])
    url = check_url(year_group=YearGroup.Y6)
    assert client.get(url).context["total"] == 3
    assert_constant_queries(client, url, lambda: families(27))
    assert client.get(url).context["total"] == 30


def test_the_register_lists_refusals_and_restrictions(personas, client_for, class_4b):
    refused, named, silent = class_4b
    answer_all(personas.a[Role.PARENT], personas.a.child)  # all given, no restrictions: not listed
    page = client_for(personas.a[Role.STAFF]).get(reverse("consent:register"))
    assert page.status_code == 200
    assert [pupil for pupil, _states in page.context["rows"]] == [named, refused]
    assert page.context["can_export"] is False
    filtered = client_for(personas.a[Role.STAFF]).get(
        reverse("consent:register")
        + f"?purpose={Purpose.PRESS_AND_MEDIA}&academic_year={current_academic_year()}"
    )
    assert filtered.context["rows"] == []


def test_the_register_page_makes_the_same_queries_as_it_grows(personas, client_for):
    def grow():
        for _ in range(5):
            parent = UserFactory()
            answer(
                parent,
                child_of(parent, personas.a.school),
                {SOCIAL: NO, Purpose.SCHOOL_WEBSITE: yes(Restriction.NO_NAME)},
            )

    grow()
    assert_constant_queries(client_for(personas.a[Role.MARKETING_OFFICER]), reverse("consent:register"), grow)


def test_the_marketing_officer_exports_the_register_as_csv_and_it_is_audited(personas, client_for, class_4b):
    officer = personas.a[Role.MARKETING_OFFICER]
    response = client_for(officer).get(reverse("consent:register_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["School", "Surname", "First name"]
    assert sorted((r[2], r[6], r[7], r[8]) for r in rows[1:]) == [
        ("Amara", "School social media", "Consent refused", ""),
        ("Ben", "School social media", "Consent given", "First name only"),
    ]
    entry = AuditEntry.objects.get(object_type="consent.register", actor=officer)
    assert entry.verb == AuditEntry.Verb.DOWNLOAD and entry.school_id == personas.a.school.pk


def test_a_cell_that_looks_like_a_formula_is_quoted(personas, client_for):
    parent = personas.a[Role.PARENT]
    pupil = child_of(parent, personas.a.school, first_name="=HYPERLINK(1)")
    answer(parent, pupil, {SOCIAL: NO})
    text = (
        client_for(personas.a[Role.MARKETING_OFFICER]).get(reverse("consent:register_csv")).content.decode()
    )
    assert "'=HYPERLINK(1)" in text


def test_the_register_pdf_lists_the_pupils(personas, client_for, class_4b):
    response = client_for(personas.a[Role.MARKETING_OFFICER]).get(reverse("consent:register_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, layout=True)

    assert "Okafor, Amara" in text and "Hughes, Ben" in text and "Nowak" not in text
    assert AuditEntry.objects.filter(object_type="consent.register", changes__format=[None, "pdf"]).exists()


@pytest.mark.parametrize("url_name", ["consent:register_csv", "consent:register_pdf"])
def test_only_those_who_manage_the_register_export_it(personas, client_for, url_name):
    for user in (personas.a[Role.STAFF], personas.a[Role.HEADTEACHER], personas[Role.DIRECTOR_OF_MARKETING]):
        assert client_for(user).get(reverse(url_name)).status_code == 403
    assert not AuditEntry.objects.filter(object_type="consent.register").exists()


def test_a_pupils_consent_record_shows_history(personas, client_for):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer(parent, pupil, {SOCIAL: YES})
    consent_withdraw(by=parent, pupil=pupil, academic_year=current_academic_year())
    url = reverse("consent:pupil", args=[pupil.pk])
    page = client_for(personas.a[Role.STAFF]).get(url)
    assert page.status_code == 200
    assert [a.decision for a in page.context["history"]] == ["withdrawn", "given"]
    assert page.context["can_enter_paper_form"] is False
    assert client_for(personas.a[Role.MARKETING_OFFICER]).get(url).context["can_enter_paper_form"] is True
    assert client_for(personas.b[Role.STAFF]).get(url).status_code == 404


def test_the_marketing_officer_enters_a_paper_form(personas, client_for):
    officer, parent, pupil = personas.a[Role.MARKETING_OFFICER], personas.a[Role.PARENT], personas.a.child
    url = reverse("consent:paper_form", args=[pupil.pk])
    today = timezone.localdate()
    data = {
        "parent": parent.pk,
        "paper_form_dated_day": today.day,
        "paper_form_dated_month": today.month,
        "paper_form_dated_year": today.year,
        **{p: "skip" for p in Purpose.values},
        SOCIAL: "yes",
        f"{SOCIAL}__restrictions": [Restriction.GROUP_SHOTS_ONLY],
        Purpose.PRESS_AND_MEDIA: "no",
        "note": "Form kept in the office file.",
    }
    response = client_for(officer).post(url, data)
    assert response.status_code == 302
    states = {s.purpose: s for s in ConsentState.objects.filter(pupil=pupil)}
    assert set(states) == {SOCIAL, Purpose.PRESS_AND_MEDIA}
    assert states[SOCIAL].method == Method.PAPER_FORM and states[SOCIAL].parent == parent
    assert states[SOCIAL].answer.entered_by == officer
    assert states[SOCIAL].answer.paper_form_dated == today


def test_a_paper_form_must_name_a_parent_with_responsibility(personas, client_for):
    url = reverse("consent:paper_form", args=[personas.a.child.pk])
    data = {p: "yes" for p in Purpose.values} | {"parent": personas.b[Role.PARENT].pk}
    response = client_for(personas.a[Role.MARKETING_OFFICER]).post(url, data)
    assert response.status_code == 200
    assert "Choose one of the pupil" in response.content.decode()
    assert not ConsentState.objects.exists()


def test_paper_forms_are_for_the_schools_marketing_officer(personas, client_for):
    url = reverse("consent:paper_form", args=[personas.a.child.pk])
    assert client_for(personas.a[Role.STAFF]).get(url).status_code == 403
    assert client_for(personas.b[Role.MARKETING_OFFICER]).get(url).status_code == 404


def test_a_withdrawal_is_followed_up_and_marked_done(personas, client_for):
    parent, pupil, officer = personas.a[Role.PARENT], personas.a.child, personas.a[Role.MARKETING_OFFICER]
    answer(parent, pupil, {SOCIAL: YES})
    consent_withdraw(by=parent, pupil=pupil, academic_year=current_academic_year())
    follow_up = WithdrawalFollowUp.objects.get()
    client = client_for(officer)
    listing = client.get(reverse("consent:follow_ups"))
    assert list(listing.context["page"].object_list) == [follow_up]
    assert (
        list(
            client_for(personas.b[Role.MARKETING_OFFICER]).get(reverse("consent:follow_ups")).context["page"]
        )
        == []
    )

    url = reverse("consent:follow_up_resolve", args=[follow_up.pk])
    assert client.post(url, {"resolution": ""}).status_code == 200
    assert client.post(url, {"resolution": "Removed the sports day post."}).status_code == 302

    follow_up.refresh_from_db()
    assert follow_up.resolved_by == officer and follow_up.resolution == "Removed the sports day post."
    assert list(client.get(reverse("consent:follow_ups")).context["page"].object_list) == []
    assert client_for(personas.b[Role.MARKETING_OFFICER]).get(url).status_code == 404
    assert client_for(personas.a[Role.STAFF]).get(url).status_code in (403, 404)


def test_a_link_to_the_check_without_a_year_means_this_year(personas, client_for, class_4b):
    url = reverse("consent:check") + f"?names=Ben&purpose={SOCIAL}"
    page = client_for(personas.a[Role.STAFF]).get(url)
    assert page.context["academic_year"] == current_academic_year()
    assert [p.first_name for p, _ in page.context["groups"]["restricted"]] == ["Ben"]
