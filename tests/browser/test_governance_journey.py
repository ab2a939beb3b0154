"""A new version of the social media policy is published; a member of staff sees the prompt on
their home page and acknowledges it; the dashboard's coverage moves; a trustee sees the figures and
cannot open any pupil's record."""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Pupil
from accounts.roles import Role
from tests.browser.conftest import axe_violations, screenshot, sign_in
from tests.factories import PASSWORD, make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_secret(user) -> str:
    return base64.b32encode(TOTPDevice.objects.get(user=user).bin_key).decode()


def signed_in(browser, live_server, user, *, two_factor: bool):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, user.email, PASSWORD, totp_secret(user) if two_factor else None)
    return page


def no_violations(page, name: str) -> None:
    screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def school_a_acknowledged(page) -> str:
    """The 'Policies acknowledged' cell of School A's row in the coverage table."""
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="School A")).first
    return row.get_by_role("cell").nth(3).inner_text()


def test_a_policy_is_published_acknowledged_and_counted(browser, live_server):
    personas = make_personas()
    admin, trustee, staff = personas[Role.TRUST_ADMINISTRATOR], personas[Role.TRUSTEE], personas.a[Role.STAFF]
    owner = personas.a[Role.HEADTEACHER]

    # The trust administrator adds the policy to the register and publishes its first version.
    page = signed_in(browser, live_server, admin, two_factor=True)
    page.get_by_role("link", name="Policies", exact=True).click()
    page.get_by_role("button", name="Add a policy").click()
    page.get_by_label("Policy title").fill("Social media policy")
    page.get_by_label("Who the policy applies to").select_option(label="School A")
    page.get_by_label("Policy owner").select_option(label=str(owner))
    no_violations(page, "governance-policy-new")
    page.get_by_role("button", name="Add policy").click()
    page.get_by_label("What has changed").fill("Adds live streaming of school events")
    page.get_by_label("Policy text").fill("Staff do not accept pupils as friends on personal accounts.")
    page.get_by_label("Approval date").fill("2026-09-01")
    page.get_by_label("Next review date").fill("2027-09-01")
    page.get_by_role("button", name="Save version").click()
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_text(re.compile(r"members of staff were asked to read it")).wait_for()
    no_violations(page, "governance-policy-detail")

    # A trustee sees School A's coverage at 0%, with figures only.
    trustee_page = signed_in(browser, live_server, trustee, two_factor=True)
    trustee_page.get_by_role("link", name="Dashboard", exact=True).click()
    trustee_page.get_by_role("heading", name="Trust dashboard").wait_for()
    assert school_a_acknowledged(trustee_page).startswith("0%")
    no_violations(trustee_page, "governance-dashboard-before")

    # A member of staff of School A sees the prompt and acknowledges the policy.
    staff_page = signed_in(browser, live_server, staff, two_factor=False)
    staff_page.get_by_role("region", name="Policies to read").wait_for()
    no_violations(staff_page, "governance-home-prompt")
    staff_page.get_by_role("link", name="Social media policy (version 1)").click()
    no_violations(staff_page, "governance-policy-read")
    staff_page.get_by_role("button", name="I have read and understood this policy").click()
    staff_page.get_by_text("You have acknowledged Social media policy").wait_for()
    assert staff_page.get_by_role("region", name="Policies to read").count() == 0

    # The trustee's dashboard now counts the acknowledgement.
    trustee_page.reload()
    assert re.match(r"\d+% \(1 of \d+\)", school_a_acknowledged(trustee_page))
    no_violations(trustee_page, "governance-dashboard-after")
    body = trustee_page.locator("main").inner_text()
    pupils = list(Pupil.objects.all())
    assert pupils  # or neither check below would look at anyone
    for pupil in pupils:
        assert pupil.last_name not in body

    # And cannot open any pupil's record.
    for pupil in pupils:
        for name in ("accounts:pupil_detail", "consent:pupil", "incidents:chronology"):
            response = trustee_page.goto(reverse(name, kwargs={"pupil_id": pupil.pk}))
            assert response.status in (403, 404), (name, pupil)


def test_trustees_report_training_and_data_protection_pages(browser, live_server):
    from datetime import date

    from governance.retention import retention_review_sweep
    from tests.factories import PupilFactory

    personas = make_personas()
    # An old safeguarding record for the retention list.
    from django.utils import timezone

    from incidents import services as incident_services
    from incidents.models import Kind
    from incidents.services import PersonInvolved

    adult = PupilFactory(school=personas.a.school, date_of_birth=date(1995, 5, 1))
    incident_services.incident_report(
        reporter=personas.a[Role.STAFF],
        school=personas.a.school,
        kind=Kind.CYBERBULLYING_PUPIL,
        seen_at=timezone.now(),
        description="An old matter",
        people=[PersonInvolved(role="affected", identity="pupil", pupil=adult)],
    )
    retention_review_sweep()

    # The chair of trustees makes this term's report and downloads it.
    chair = signed_in(browser, live_server, personas[Role.CHAIR_OF_TRUSTEES], two_factor=True)
    chair.get_by_role("link", name="Trustees' reports").click()
    chair.get_by_role("button", name="Make a report now").click()
    chair.get_by_text("The trustees' report has been generated").wait_for()
    no_violations(chair, "governance-trustee-reports")
    with chair.expect_download() as download:
        chair.get_by_role("link", name=re.compile("Download PDF")).first.click()
    assert download.value.suggested_filename.endswith(".pdf")

    # The headteacher records this term's staff training and who attended.
    head = signed_in(browser, live_server, personas.a[Role.HEADTEACHER], two_factor=True)
    head.get_by_role("link", name="Training", exact=True).click()
    head.get_by_role("button", name="Record a session").click()
    head.get_by_label("Staff online safety training").check()
    head.get_by_label("Title").fill("Autumn online safety update")
    head.get_by_label("Date held").fill(timezone.localdate().isoformat())
    no_violations(head, "governance-training-new")
    head.get_by_role("button", name="Record session").click()
    head.get_by_label(str(personas.a[Role.STAFF])).check()
    head.get_by_role("button", name="Record attendance").click()
    head.get_by_text("Attendance recorded for 1 person").wait_for()
    no_violations(head, "governance-training-detail")
    head.get_by_role("link", name="Training records").click()
    no_violations(head, "governance-training-list")

    # The data protection officer reviews the listed record and opens a subject access export.
    dpo = signed_in(browser, live_server, personas[Role.DATA_PROTECTION_OFFICER], two_factor=True)
    dpo.get_by_role("link", name="Retention").click()
    no_violations(dpo, "governance-retention")
    dpo.get_by_role("button", name=re.compile("Keep for longer")).first.click()
    dpo.get_by_text("Decision recorded").wait_for()
    dpo.goto(reverse("accounts:pupil_detail", kwargs={"pupil_id": personas.a.child.pk}))
    dpo.get_by_role("link", name="Subject access export for this pupil").click()
    no_violations(dpo, "governance-subject-access")
    with dpo.expect_download() as download:
        dpo.get_by_role("link", name="Download as JSON").click()
    assert download.value.suggested_filename.endswith(".json")
