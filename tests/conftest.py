"""Fixtures shared by every test: personas, signed-in clients, the query-count helper."""

from __future__ import annotations

import zlib

import pytest
from django.test import Client

from tests.factories import make_personas

pytest_plugins = ["tests.celery_worker"]


@pytest.fixture(autouse=True)
def stable_generated_names(request):
    """Each test gets the same generated names on every run (seeded from its id), so a name that
    happens to match a search in one run cannot make the suite pass one day and fail the next."""
    from tests.factories import _fake

    _fake.seed_instance(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def personas(db):
    """The trust, schools A and B and a person in every role (tests.factories.make_personas)."""
    return make_personas()


def signed_in_client(user, *, verified: bool = True, enforce_csrf_checks: bool = False) -> Client:
    """A test client signed in as the user, past two-factor unless ``verified`` is False."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if verified:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


@pytest.fixture
def client_for():
    """Make a signed-in client for a user: ``client_for(user)``."""
    return signed_in_client
