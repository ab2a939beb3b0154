"""The DSL reads the safeguarding queue on a phone: each concern a card, its deadlines in view."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.roles import Role
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_the_dsl_reads_the_queue_on_a_phone_with_its_deadlines_in_view(browser, live_server):
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--json", stdout=out)
    dsl = next(item for item in json.loads(out.getvalue()) if item["role"] == Role.DSL)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, dsl["email"], dsl["password"], dsl.get("totp_secret"))
    page.goto("/incidents/queue/")

    assert page.get_by_role("heading", name="Safeguarding queue").is_visible()
    assert page.get_by_role("status").filter(has_text="open concern").is_visible()
    # No sideways scrolling: the table is read as cards.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    for index in range(rows.count()):
        for label in ("Next deadline", "Takedown"):
            cell = rows.nth(index).locator(f'td[data-label="{label}"]')
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
            # The column's name is shown above the value (the header row is hidden on a phone).
            before = cell.evaluate("el => getComputedStyle(el, '::before').content")
            assert before == f'"{label}"'
    # The queue opened on the open cases: no closed tag among them.
    assert page.locator("table tbody").get_by_text("Closed", exact=True).count() == 0
    screenshot(page, "queue-dsl-phone")
    context.close()
