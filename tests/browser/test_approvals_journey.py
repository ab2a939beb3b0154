"""A new social media site, as 004 Appendix C runs it: a member of staff asks, the marketing officer
approves, the headteacher approves, the account appears in the register, and the signed form
downloads with every approver's name on it."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from tests.browser.conftest import axe_violations, screenshot, sign_in
from tests.factories import PASSWORD, make_personas
from tests.pdftext import pdf_text

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


def approve(page, *, role_step: str, comment: str) -> None:
    page.get_by_role("link", name="Approvals", exact=True).click()
    no_violations(page, f"approvals-inbox-{role_step.split()[-1]}")
    page.get_by_role("link", name="Instagram site: Year 6 team").click()
    page.get_by_label(role_step).check()
    page.get_by_label("Comment").fill(comment)
    no_violations(page, f"approvals-detail-{role_step.split()[-1]}")
    page.get_by_role("button", name="Record my decision").click()
    page.get_by_text("Your decision is recorded").wait_for()


def test_a_site_creation_request_from_staff_to_the_register_and_the_signed_pdf(
    browser, live_server, tmp_path
):
    personas = make_personas()
    a = personas.a
    staff, marketing, head = a[Role.STAFF], a[Role.MARKETING_OFFICER], a[Role.HEADTEACHER]
    go_live = timezone.localdate() + timedelta(days=21)

    # A member of staff fills in Appendix C.
    page = signed_in(browser, live_server, staff, two_factor=False)
    page.get_by_role("link", name="Requests", exact=True).click()
    page.get_by_role("link", name="Social media site creation approval").click()
    page.get_by_label("Team details").fill("Year 6 team")
    page.get_by_label("Department").fill("Upper key stage 2")
    page.get_by_label("Moderator of site").select_option(label=marketing.full_name)
    page.get_by_label("Platform").select_option(label="Instagram")
    page.get_by_label("Proposed handle or web address").fill("@northfield_y6")
    page.get_by_label("Purpose of using social media").fill("Year 6 news for families.")
    page.get_by_label("Please describe why you want to set up this site").fill(
        "Trips and residential updates."
    )
    page.get_by_label("What are your aims").fill("Keep families informed.")
    page.get_by_label("What is the proposed content of the site?").fill("Photos with consent, reminders.")
    audience = page.get_by_role("group", name="Proposed audience of the site")
    audience.get_by_label("Pupils' family members").check()
    audience.get_by_label("School staff").check()
    page.get_by_role("group", name="Proposed contributors to the site").get_by_label("School staff").check()
    admins = page.get_by_role("group", name="Names of administrators")
    admins.get_by_label(staff.full_name).check()
    admins.get_by_label(head.full_name).check()
    page.get_by_label("Who will host the site?").fill("Instagram")
    go_live_group = page.get_by_role("group", name="Proposed date of going live")
    go_live_group.get_by_label("Day").fill(str(go_live.day))
    go_live_group.get_by_label("Month").fill(str(go_live.month))
    go_live_group.get_by_label("Year").fill(str(go_live.year))
    page.get_by_label("How do you propose to advertise for contributors?").fill("Year 6 staff only.")
    page.get_by_label("What security measures will you take").fill("Private account; followers vetted.")
    page.get_by_label("Official school or trust email address").fill("year6@school.example")
    page.get_by_label("Where the sign-in details will be kept").fill("Trust password manager, vault Year 6")
    no_violations(page, "approvals-site-creation-form")
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("has been sent for a decision").wait_for()
    assert page.get_by_text("Waiting for: Marketing officer.").is_visible()
    no_violations(page, "approvals-detail-requester")

    # The marketing officer approves the aims, content and use of the brand; then the headteacher.
    marketing_page = signed_in(browser, live_server, marketing, two_factor=True)
    approve(
        marketing_page,
        role_step="Approve as marketing officer",
        comment="Aims and content fit the school's brand.",
    )
    head_page = signed_in(browser, live_server, head, two_factor=True)
    approve(head_page, role_step="Approve as headteacher", comment="Approved for Year 6.")

    # The account is in the register.
    head_page.get_by_role("link", name="Official accounts").click()
    head_page.get_by_role("link", name="@northfield_y6").wait_for()
    no_violations(head_page, "approvals-accounts-register")
    head_page.get_by_role("link", name="@northfield_y6").click()
    no_violations(head_page, "approvals-account-detail")

    # The signed form downloads, naming every approver.
    page.reload()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed record (PDF)").click()
    path = tmp_path / "signed.pdf"
    download_info.value.save_as(path)
    text = pdf_text(path.read_bytes(), joined=True)
    assert "Social media site creation approval form" in text
    for person in (marketing, head):
        assert person.full_name in text
    assert "Aims and content fit the school's brand." in text and "Approved for Year 6." in text
