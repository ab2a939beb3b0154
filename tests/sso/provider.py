"""The test identity provider (provider.mjs: the npm package oidc-provider), run by Node on a free
port of 127.0.0.1, and what the single sign-on tests share.

Under CI a missing Node.js or oidc-provider fails the test (tests.ci.unavailable), never skips it.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from accounts.models import Trust, TrustSignOn
from tests.ci import required_tool, unavailable

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "portal-tests"
CLIENT_SECRET = "a-client-secret-only-for-the-tests"  # noqa: S105
SECRET_VARIABLE = "PORTAL_TEST_SSO_SECRET"
DOMAIN = "test.example"  # the personas' addresses (tests.factories)


class Provider:
    """A running provider: its issuer URL, and the accounts it will sign in."""

    def __init__(self, issuer: str, process: subprocess.Popen):
        self.issuer = issuer
        self.process = process

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        """Say who may sign in: username → {email, email_verified, name, amr, token}."""
        full = {
            name: {"email_verified": True, "name": name, "token": "honest", **account}
            for name, account in accounts.items()
        }
        response = requests.post(f"{self.issuer}/__test__/accounts", data=json.dumps(full), timeout=5)
        response.raise_for_status()


@contextmanager
def running_provider(redirect_uri: str) -> Iterator[Provider]:
    """Start provider.mjs for one redirect URI; stop it afterwards."""
    node = required_tool("node", "Node.js")
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        unavailable("the npm package oidc-provider is not installed (npm ci)")
    process = subprocess.Popen(
        [node, str(SCRIPT), CLIENT_ID, CLIENT_SECRET, redirect_uri],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        issuer = _wait_for_issuer(process)
        # Its warnings (the in-memory store, the Node.js version) would fill the pipe otherwise.
        threading.Thread(target=process.stderr.read, daemon=True).start()
        yield Provider(issuer, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_issuer(process: subprocess.Popen) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=20)
    line = result[0].strip() if result else ""
    if not line.startswith("listening "):
        process.kill()
        raise RuntimeError(f"the test identity provider did not start: {line!r} {process.stderr.read()}")
    return line.split(" ", 1)[1]


def configure_sign_on(trust: Trust, provider: Provider, monkeypatch, **fields) -> TrustSignOn:
    """The trust's single sign-on, pointing at the test provider, with its secret in the environment."""
    monkeypatch.setenv(SECRET_VARIABLE, CLIENT_SECRET)
    values = {
        "provider": TrustSignOn.Provider.OTHER,
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret_variable": SECRET_VARIABLE,
        "allowed_domains": DOMAIN,
        **fields,
    }
    return TrustSignOn.objects.create(trust=trust, **values)


def sign_in_through_provider(client, provider: Provider, sign_on: TrustSignOn, username: str):
    """Press the button, sign in at the provider as ``username``, and give the portal's answer.

    The provider's pages are followed with requests (cookies kept), the portal's with the test
    client; the answer is the portal's response to the provider's redirect back (not followed).
    """
    start = client.get("/account/sign-in/sso/", {"sign_on": str(sign_on.pk)})
    assert start.status_code == 302, start.status_code
    callback = provider_redirect_back(provider, start["Location"], username)
    return client.get(callback.path + "?" + callback.query)


def provider_redirect_back(provider: Provider, authorization_url: str, username: str):
    """Follow the provider's pages as ``username``; the split URL it sends the browser back to."""
    browser = requests.Session()
    page = browser.get(authorization_url, allow_redirects=True, timeout=10)
    assert "Username" in page.text, page.text[:500]
    action = f"{urlsplit(page.url).path}/login"
    answer = browser.post(
        f"{provider.issuer}{action}", data={"username": username}, allow_redirects=False, timeout=10
    )
    while True:
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        location = urljoin(answer.url, answer.headers["Location"])
        if not location.startswith(provider.issuer):
            return urlsplit(location)
        answer = browser.get(location, allow_redirects=False, timeout=10)
