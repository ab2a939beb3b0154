"""The test identity provider for the single sign-on tests, answering the test client's callback."""

from __future__ import annotations

import pytest

from tests.sso.provider import running_provider

PORTAL = "http://testserver"


@pytest.fixture(scope="session")
def oidc_provider():
    """One real OpenID Connect provider (oidc-provider on Node) for the whole run."""
    with running_provider(f"{PORTAL}/account/sign-in/sso/callback/") as provider:
        yield provider


@pytest.fixture
def portal_address(settings):
    """The portal's public address is the test client's, so the registered redirect URL matches."""
    settings.PORTAL_BASE_URL = PORTAL
    return PORTAL
