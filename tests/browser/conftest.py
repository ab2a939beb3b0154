"""Chromium, driven through Playwright, against the portal on a live server.

Debian's Chromium is used (never a downloaded browser). Under CI a missing Chromium is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.ci import unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(
    os.environ.get("PORTAL_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (its own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    csp_refusals: list[str] = []
    tab.on(
        "console",
        lambda msg: csp_refusals.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield tab
    context.close()
    # The portal's own pages never break their content security policy (no inline script or style).
    assert csp_refusals == [], csp_refusals


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page (WCAG 2.0–2.2 A and AA) and return the violations of these impacts."""
    if not AXE_JS.exists():
        unavailable("axe-core is not installed (npm ci)")
    # Evaluated through the devtools protocol, so the page's CSP (no inline script) stays on.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot under test-artifacts/ (for people to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str, totp_secret: str | None = None) -> None:
    """Sign in through the form as a person would, entering a two-factor code when asked."""
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret is not None:
        page.wait_for_url("**/two-factor/**")
        page.get_by_label("Security code").fill(current_code(totp_secret))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def current_code(totp_secret_base32: str) -> str:
    """The current 6-digit code for a base32 secret, as an authenticator app shows it."""
    import base64

    from django_otp.oath import totp

    padded = totp_secret_base32 + "=" * (-len(totp_secret_base32) % 8)
    return f"{totp(base64.b32decode(padded)):06d}"
