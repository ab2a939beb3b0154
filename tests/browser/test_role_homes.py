"""Every demo login signs in through the form and reaches its role's home page, accessibly."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.roles import Role
from tests.browser.conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def demo_logins() -> list[dict]:
    out = StringIO()
    # As make run seeds it: the demo refuses a database whose settings have DEBUG off.
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_each_demo_role_reaches_its_home_page(page, live_server):
    # One seeding for all roles (a transactional test empties the database after itself); every
    # role is checked and every problem reported together.
    logins = demo_logins()
    problems: dict[str, list[str]] = {}
    for role in [r.value for r in Role]:
        login = next(item for item in logins if item["role"] == role)
        found = problems.setdefault(role, [])
        page.context.clear_cookies()
        sign_in(page, login["email"], login["password"], login.get("totp_secret"))
        if page.url.rstrip("/") != live_server.url:
            found.append(f"landed on {page.url}")
            continue
        if page.get_by_role("heading", level=1).count() != 1:
            found.append("not exactly one h1")
        if not page.get_by_text(Role(role).label).first.is_visible():
            found.append(f"role label {Role(role).label!r} not shown")
        if not page.get_by_role("button", name="Sign out").is_visible():
            found.append("no sign-out button")
        screenshot(page, f"home-{role}")
        found.extend(f"axe: {v}" for v in axe_violations(page))
    problems = {role: found for role, found in problems.items() if found}
    assert problems == {}, problems
    assert len(logins) >= len(Role)


def test_home_page_works_on_a_phone_without_javascript(browser, live_server):
    login = next(item for item in demo_logins() if item["role"] == Role.STAFF)
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 800},
        java_script_enabled=False,
        bypass_csp=True,
    )
    page = context.new_page()
    sign_in(page, login["email"], login["password"])
    assert page.url.rstrip("/") == live_server.url
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "home-staff-phone")
    context.close()
