"""A member of staff reports cyberbullying with a screenshot; the Designated Safeguarding Lead sees
it first in the queue, sets its severity and starts the 24-hour takedown; a pupil and a parent
each report too, and none of them can see anyone else's report."""

from __future__ import annotations

import base64
import re
from importlib import import_module

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from incidents import services
from incidents.models import Incident, Platform
from tests.browser.conftest import axe_violations, screenshot, sign_in
from tests.dates import years_before
from tests.factories import PASSWORD, make_personas
from tests.incidents.helpers import pupil_named

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
REFERENCE = re.compile(r"^INC-\d{4}-[0-9A-F]{6}$")


def totp_secret(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@pytest.fixture(autouse=True)
def platforms(db):
    """The platform table a data migration seeds: an earlier transactional test may have emptied it."""
    seeded = import_module("incidents.migrations.0002_platform_ages").PLATFORMS
    for name, age in seeded:
        Platform.objects.get_or_create(name=name, defaults={"minimum_age": age})


@pytest.fixture
def new_page(browser, live_server):
    """Open a tab with its own cookies (one per person), at desktop width or a phone's."""
    contexts = []

    def open_tab(*, phone: bool = False):
        # bypass_csp lets axe be injected; the portal's own pages run no inline script either way.
        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE if phone else {"width": 1280, "height": 900},
            bypass_csp=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def both_sizes(page, name: str) -> None:
    """Screenshots at desktop width and at a phone's 375px; nothing may scroll sideways on the phone."""
    screenshot(page, f"{name}-desktop")
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(size)
    assert wide <= PHONE["width"], f"{name} is {wide}px wide on a phone"


def assert_accessible(page, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def follow_menu(page, name: str) -> None:
    """Follow a link of the service navigation, opening the menu first on a phone."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()


def shown_reference(page) -> str:
    """The case reference the confirmation page gives the reporter."""
    return page.get_by_text(REFERENCE).inner_text().strip()


def file_report(page, *, kind: str, description: str, evidence=None, pupil=None) -> str:
    """Fill in the report form as a person would and send it; returns the reference shown."""
    follow_menu(page, "Report a concern")
    page.get_by_label(kind).check()
    page.get_by_role("group", name="Is a child at immediate risk of harm?").get_by_label("No").check()
    page.get_by_label("What does it show?").fill(description)
    page.get_by_label("Where did you see it?").select_option(label="Instagram")
    page.get_by_label("Web addresses (if you have them)").fill("https://www.instagram.com/p/abc123/")
    if pupil is not None:
        page.get_by_label("Pupils involved").select_option(label=pupil)
    if evidence is not None:
        # GOV.UK's enhanced file upload opens the file chooser from its own button.
        with page.expect_file_chooser() as chooser:
            page.get_by_label("Screenshots or files (optional)").click()
        chooser.value.set_files(evidence)
    page.get_by_role("button", name="Send report").click()
    page.get_by_role("heading", name="Report sent").wait_for()
    return shown_reference(page)


def test_a_cyberbullying_report_reaches_the_dsl_first_and_reporters_see_only_their_own(new_page, tmp_path):
    personas = make_personas()
    a = personas.a
    # The report below names this pupil, who must be younger than Instagram's minimum age (13) on
    # the day the test runs for the report to be flagged: ten years old today, whenever today is.
    a.child.date_of_birth = years_before(timezone.localdate(), 10)
    a.child.save(update_fields=["date_of_birth"])

    # A member of staff reports cyberbullying of a pupil, with a screenshot.
    staff = new_page()
    sign_in(staff, a[Role.STAFF].email, PASSWORD)
    follow_menu(staff, "Report a concern")
    assert_accessible(staff, "report form")
    both_sizes(staff, "incidents-report")
    shot = tmp_path / "screenshot-of-the-post.png"
    shot.write_bytes(staff.screenshot())  # a real PNG
    # An earlier report with a sooner deadline: the new one names a pupil younger than Instagram's
    # minimum age, so its safeguarding flag must put it above.
    services.incident_report(
        reporter=a[Role.ICT_TECHNICIAN],
        school=a.school,
        kind="pupil_contact",
        seen_at=timezone.now(),
        description="A pupil followed a teacher",
    )
    reference = file_report(
        staff,
        kind="Cyberbullying of a pupil",
        description="Pupils in Year 9 are posting unkind memes about a classmate",
        evidence=str(shot),
        pupil=f"{a.child.last_name}, {a.child.first_name} ({a.child.get_year_group_display()})",
    )
    assert Incident.objects.get(reference=reference).safeguarding_flag  # what puts it first below
    both_sizes(staff, "incidents-report-sent")

    # The Designated Safeguarding Lead finds it at the top of the queue.
    dsl = new_page()
    sign_in(dsl, a[Role.DSL].email, PASSWORD, totp_secret(a[Role.DSL]))
    follow_menu(dsl, "Safeguarding queue")
    first_row = dsl.get_by_role("table", name=re.compile("Concerns")).get_by_role("row").nth(1)
    assert reference in first_row.inner_text()
    assert "hours left" in first_row.inner_text()
    assert_accessible(dsl, "queue")
    both_sizes(dsl, "incidents-queue")

    # Opens it, sets its severity, opens a takedown and records the removal request.
    dsl.get_by_role("link", name=reference).click()
    dsl.get_by_role("heading", name="Cyberbullying of a pupil").wait_for()
    assert dsl.get_by_role("link", name="screenshot-of-the-post.png").is_visible()
    assert_accessible(dsl, "case page")
    dsl.get_by_text("Set severity", exact=True).click()
    dsl.get_by_label("High").check()
    dsl.get_by_role("button", name="Save severity").click()
    dsl.get_by_text("Severity set.").wait_for()
    dsl.get_by_text("Open a 24-hour takedown", exact=True).click()
    dsl.get_by_label("Who hosts it (optional)").fill("Instagram")
    dsl.get_by_role("button", name="Open takedown").click()
    dsl.get_by_text("Takedown opened").first.wait_for()
    request_form = dsl.locator("details", has_text="Record the removal request")
    request_form.get_by_text("Record the removal request", exact=True).click()
    request_form.get_by_label("Who was asked to remove it").fill("Instagram")
    request_form.get_by_label("Their reference (if given)").fill("IG-55501")
    request_form.get_by_role("button", name="Save removal request").click()
    dsl.get_by_text("Removal request recorded.").wait_for()
    assert dsl.get_by_text("Removal requested from the host").first.is_visible()
    assert dsl.get_by_role("heading", name="Takedown: Removal requested").is_visible()
    assert_accessible(dsl, "case page with a takedown")
    both_sizes(dsl, "incidents-case")
    incident = Incident.objects.get(reference=reference)
    assert incident.severity == 3 and incident.takedowns.get().removal_reference == "IG-55501"
    assert incident.evidence.get().size > 1000

    # A pupil and a parent each report something.
    # The pupil forgets to say what it shows: the error is shown and the screenshot is kept.
    pupil = new_page()
    sign_in(pupil, a[Role.PUPIL].email, PASSWORD)
    follow_menu(pupil, "Report a concern")
    pupil.get_by_label("Cyberbullying of a pupil").check()
    pupil.get_by_role("group", name="Is a child at immediate risk of harm?").get_by_label("No").check()
    pupil.get_by_label("Where did you see it?").select_option(label="Snapchat")
    with pupil.expect_file_chooser() as chooser:
        pupil.get_by_label("Screenshots or files (optional)").click()
    chooser.value.set_files(str(shot))
    pupil.get_by_role("button", name="Send report").click()
    pupil.get_by_role("heading", name="There is a problem").wait_for()
    assert pupil.get_by_role("link", name="Enter what it shows").is_visible()
    assert pupil.get_by_text("Remove screenshot-of-the-post.png").is_visible()
    assert pupil.get_by_label("Where did you see it?").input_value() != ""
    assert_accessible(pupil, "report form with an error")
    both_sizes(pupil, "incidents-report-error")
    pupil.get_by_label("What does it show?").fill("Someone made a fake account of me")
    pupil.get_by_role("button", name="Send report").click()
    pupil.get_by_role("heading", name="Report sent").wait_for()
    pupil_ref = shown_reference(pupil)
    assert (
        Incident.objects.get(reference=pupil_ref).evidence.get().original_name == "screenshot-of-the-post.png"
    )
    parent = new_page(phone=True)
    sign_in(parent, a[Role.PARENT].email, PASSWORD)
    follow_menu(parent, "Report a concern")
    screenshot(parent, "incidents-report-parent-phone")
    parent_ref = file_report(parent, kind="Something else", description="A stranger messaged my child")

    # Each sees only their own report; anyone else's is not found.
    refs = {staff: reference, pupil: pupil_ref, parent: parent_ref}
    for page, own in refs.items():
        follow_menu(page, "My reports")
        listed = page.get_by_role("list", name="My reports").inner_text()
        assert own in listed
        assert all(other not in listed for other in refs.values() if other != own)
    screenshot(parent, "incidents-mine-parent-phone")
    both_sizes(staff, "incidents-mine")
    for page, own in refs.items():
        for other in refs.values():
            if other == own:
                continue
            case = Incident.objects.get(reference=other)
            assert page.goto(f"/incidents/{case.pk}/").status == 404
    # The reporter's own case page shows the status, never the DSL's steps.
    staff.goto(f"/incidents/{incident.pk}/")
    assert staff.get_by_text("IG-55501").count() == 0
    assert_accessible(staff, "reporter's case page")
    both_sizes(staff, "incidents-case-reporter")


def test_record_pages_are_accessible(new_page):
    personas = make_personas()
    a = personas.a
    incident = services.incident_report(
        reporter=a[Role.STAFF],
        school=a.school,
        kind="cyberbullying_pupil",
        seen_at=timezone.now(),
        description="Unkind comments",
        people=[pupil_named(a.child)],
    )
    services.incident_refer(user=a[Role.DSL], incident=incident, agency="social_care", reference="CSC-1")

    dsl = new_page()
    sign_in(dsl, a[Role.DSL].email, PASSWORD, totp_secret(a[Role.DSL]))
    dsl.goto(f"/incidents/pupils/{a.child.pk}/chronology/")
    assert dsl.get_by_role("link", name=incident.reference).first.is_visible()
    assert_accessible(dsl, "chronology")
    both_sizes(dsl, "incidents-chronology")
    dsl.goto("/incidents/inspection-pack/")
    assert_accessible(dsl, "inspection pack")
    both_sizes(dsl, "incidents-inspection-pack")

    marketing = new_page()
    sign_in(marketing, a[Role.MARKETING_OFFICER].email, PASSWORD, totp_secret(a[Role.MARKETING_OFFICER]))
    follow_menu(marketing, "Moderation log")
    marketing.get_by_role("link", name="Log a comment").click()
    marketing.get_by_label("School account").fill("@schoola_official")
    marketing.get_by_label("What the comment said").fill("Abusive words about a teacher")
    marketing.get_by_label("Comment hidden").check()
    assert_accessible(marketing, "moderation form")
    both_sizes(marketing, "incidents-moderation-new")
    marketing.get_by_role("button", name="Save to the log").click()
    marketing.get_by_text("Abusive words about a teacher").wait_for()
    assert_accessible(marketing, "moderation log")
    both_sizes(marketing, "incidents-moderation-log")

    admin = new_page()
    sign_in(
        admin,
        personas[Role.TRUST_ADMINISTRATOR].email,
        PASSWORD,
        totp_secret(personas[Role.TRUST_ADMINISTRATOR]),
    )
    follow_menu(admin, "Platform ages")
    assert_accessible(admin, "platforms")
    both_sizes(admin, "incidents-platforms")
    admin.get_by_role("link", name="TikTok").click()
    admin.get_by_label("Minimum age").fill("14")
    assert_accessible(admin, "platform edit")
    both_sizes(admin, "incidents-platform-edit")
    admin.get_by_role("button", name="Save").click()
    admin.get_by_text("TikTok updated.").wait_for()
