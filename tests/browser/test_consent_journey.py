"""A parent of two children refuses school social media for one and allows it with "first name only"
for the other; the marketing officer's consent check shows both at once; the parent withdraws the
second consent and the check changes straight away. The staff pages of consent are accessible too."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ImportRun, ParentLink
from accounts.roles import Role
from consent.models import Purpose, Restriction
from consent.selectors import current_academic_year
from consent.services import collection_open, consent_withdraw, event_add_pupils, event_create
from tests.browser.conftest import axe_violations, screenshot, sign_in
from tests.consent.helpers import NO, YES, answer, yes
from tests.factories import PASSWORD, PupilFactory, make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
SOCIAL = "School social media"


def totp_secret(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def new_page(browser, live_server):
    # bypass_csp lets axe be injected; the portal's own pages run no inline script either way.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def look(page, name: str) -> None:
    """Screenshots at desktop width and a phone's; nothing may scroll sideways on the phone; axe passes."""
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"
    screenshot(page, f"{name}-desktop")
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(size)
    assert wide <= PHONE["width"], f"{name} is {wide}px wide on a phone"


def follow_menu(page, name: str) -> None:
    """Follow a link of the service navigation, opening the menu first on a phone."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()


def give_answers(page, child: str, *, social: str, restrictions: tuple[str, ...] = ()) -> None:
    """On the parent's page, answer every use for a child: yes to all but school social media."""
    page.get_by_role("button", name=f"Give or change consent for {child}").click()
    page.get_by_role("heading", name=re.compile(f"Photo and video consent for {child.split()[0]}")).wait_for()
    for purpose in Purpose:
        answer_ = social if purpose.label == SOCIAL else "Yes"
        page.get_by_role("group", name=purpose.label, exact=True).get_by_label(answer_, exact=True).check()
    extras = page.get_by_role("group", name=f"If yes, any restrictions on {SOCIAL.lower()}?")
    for restriction in restrictions:
        extras.get_by_label(restriction, exact=True).check()
    page.get_by_role("button", name="Save answers").click()
    page.get_by_text("are saved and apply from now").wait_for()


def check_results(page) -> dict[str, str]:
    """The consent check's tables: each group's caption → its text."""
    return {
        name: page.get_by_role("table", name=name, exact=True).inner_text()
        for name in (
            "Pupils who may not appear",
            "Pupils who may appear only with restrictions",
            "Pupils who may appear",
        )
        if page.get_by_role("table", name=name, exact=True).count()
    }


def test_a_parent_answers_for_two_children_and_the_check_follows_at_once(browser, live_server):
    personas = make_personas()
    a = personas.a
    parent_user, officer_user = a[Role.PARENT], a[Role.MARKETING_OFFICER]
    ava = a.child
    ava.first_name, ava.last_name, ava.year_group, ava.class_name = "Ava", "Thornton", 4, "4B"
    ava.save()
    ben = PupilFactory(school=a.school, first_name="Ben", last_name="Thornton", year_group=2, class_name="2R")
    ParentLink.objects.create(
        parent=parent_user,
        pupil=ben,
        relationship=ParentLink.Relationship.MOTHER,
        parental_responsibility=True,
    )

    # The parent sees both children, neither answered yet.
    parent = new_page(browser, live_server)
    sign_in(parent, parent_user.email, PASSWORD)
    follow_menu(parent, "Your children's consent")
    parent.get_by_role("heading", name="Photo and video consent").wait_for()
    assert parent.get_by_role("heading", name="Ava Thornton").is_visible()
    assert parent.get_by_role("heading", name="Ben Thornton").is_visible()
    assert parent.get_by_text("No answer").count() == 2 * len(Purpose)
    look(parent, "consent-parent-before")

    parent.get_by_role("button", name="Give or change consent for Ava Thornton").click()
    look(parent, "consent-parent-child-form")
    parent.go_back()
    give_answers(parent, "Ava Thornton", social="No")
    give_answers(parent, "Ben Thornton", social="Yes", restrictions=("First name only",))
    assert parent.get_by_text("First name only").is_visible()
    look(parent, "consent-parent-after")

    # The marketing officer checks both at once for school social media.
    officer = new_page(browser, live_server)
    sign_in(officer, officer_user.email, PASSWORD, totp_secret(officer_user))
    follow_menu(officer, "Consent check")
    officer.get_by_label("Pupils' names").fill("Ava Thornton, Ben Thornton")
    officer.get_by_label("Use of the photo or video").select_option(label=SOCIAL)
    officer.get_by_role("button", name="Check consent").click()
    officer.get_by_role("status").filter(has_text="2 pupils").wait_for()
    results = check_results(officer)
    assert "Ava Thornton" in results["Pupils who may not appear"]
    assert "Refused by" in results["Pupils who may not appear"]
    assert "Ben Thornton" in results["Pupils who may appear only with restrictions"]
    assert "First name only" in results["Pupils who may appear only with restrictions"]
    assert "Pupils who may appear" not in results
    look(officer, "consent-check")

    # The parent withdraws Ben's consent for school social media; the check changes at once.
    follow_menu(parent, "Your children's consent")
    parent.get_by_role("button", name="Give or change consent for Ben Thornton").click()
    parent.get_by_role("group", name=SOCIAL, exact=True).get_by_label("No", exact=True).check()
    parent.get_by_role("button", name="Save answers").click()
    parent.get_by_text("are saved and apply from now").wait_for()
    assert parent.get_by_text("Withdrawn").is_visible()

    officer.reload()
    results = check_results(officer)
    assert "Ben Thornton" in results["Pupils who may not appear"]
    assert "Withdrawn by" in results["Pupils who may not appear"]
    assert "Pupils who may appear only with restrictions" not in results

    # The withdrawal waits for the marketing officer to check what was already published.
    officer.get_by_role("link", name="Withdrawals to follow up").click()
    assert "Ben Thornton" in officer.get_by_role("table", name=re.compile("Follow-ups")).inner_text()
    look(officer, "consent-follow-ups")


def test_the_staff_pages_of_consent_are_accessible(browser, live_server):
    personas = make_personas()
    a = personas.a
    year = current_academic_year()
    parent = a[Role.PARENT]
    answer(
        parent,
        a.child,
        {Purpose.SCHOOL_WEBSITE: yes(Restriction.GROUP_SHOTS_ONLY), Purpose.PRESS_AND_MEDIA: NO},
    )
    answer(parent, a.child, {Purpose.SCHOOL_SOCIAL_MEDIA: YES})
    consent_withdraw(by=parent, pupil=a.child, academic_year=year, purposes=[Purpose.SCHOOL_SOCIAL_MEDIA])
    officer_user, admin_user = a[Role.MARKETING_OFFICER], personas[Role.TRUST_ADMINISTRATOR]
    collection = collection_open(
        by=officer_user,
        school=a.school,
        academic_year=year,
        closes_on=timezone.localdate() + timedelta(days=21),
    )
    event = event_create(
        by=personas[Role.DIRECTOR_OF_MARKETING],
        name="Trust music festival",
        date=timezone.localdate() + timedelta(days=7),
        schools=[a.school, personas.b.school],
        purposes=[Purpose.SCHOOL_SOCIAL_MEDIA, Purpose.VIDEO_AND_LIVESTREAM],
        location="Town hall",
    )
    event_add_pupils(by=personas[Role.DIRECTOR_OF_MARKETING], event=event, pupils=[a.child, personas.b.child])

    officer = new_page(browser, live_server)
    sign_in(officer, officer_user.email, PASSWORD, totp_secret(officer_user))
    pages = {
        "consent-register": "/consent/register/",
        "consent-pupil": f"/consent/pupils/{a.child.pk}/",
        "consent-paper-form": f"/consent/pupils/{a.child.pk}/paper-form/",
        "consent-collections": "/consent/collections/",
        "consent-collection-open": "/consent/collections/open/",
        "consent-collection": f"/consent/collections/{collection.pk}/",
        "consent-events": "/consent/events/",
        "consent-event-new": "/consent/events/new/",
    }
    for name, url in pages.items():
        assert officer.goto(url).status == 200, url
        look(officer, name)
    # A form sent empty shows GOV.UK's error summary, linked to the fields.
    officer.goto(f"/consent/pupils/{a.child.pk}/paper-form/")
    officer.get_by_role("button", name="Record the answers").click()
    officer.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    look(officer, "consent-paper-form-errors")

    director = new_page(browser, live_server)
    director_user = personas[Role.DIRECTOR_OF_MARKETING]
    sign_in(director, director_user.email, PASSWORD, totp_secret(director_user))
    director.goto(f"/consent/events/{event.pk}/")
    assert "Trust music festival" in director.get_by_role("heading", level=1).inner_text()
    look(director, "consent-event")
    director.get_by_role("button", name="Add pupils").click()
    director.get_by_label("Year group").select_option(label="Year 5")
    director.get_by_role("button", name="Find pupils").click()
    director.get_by_role("button", name="Add ticked pupils").wait_for()
    look(director, "consent-event-add-pupils")

    admin = new_page(browser, live_server)
    sign_in(admin, admin_user.email, PASSWORD, totp_secret(admin_user))
    run = ImportRun(school=a.school, uploaded_by=admin_user, original_name="sims-export.csv")
    run.file.save(
        "x.csv",
        ContentFile(b"UPN,Forename,Surname,DOB,Year\nS1,Sam,Lee,01/01/2015,5\nS2,,Lee,01/01/2030,Y14\n"),
    )
    from accounts.mis_import import import_run_preview

    import_run_preview(run_id=run.pk)
    follow_menu(admin, "Import pupils")
    look(admin, "consent-import-upload")
    admin.goto(f"/account/pupils/import/{run.pk}/")
    assert admin.get_by_text("The first name is missing").is_visible()
    look(admin, "consent-import-preview")
