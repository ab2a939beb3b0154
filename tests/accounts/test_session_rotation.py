"""The session key changes when the second factor is passed, so a key known before the code (a
session planted in someone's browser) is worth nothing after it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SESSION_STARTED
from accounts.roles import Role
from tests.accounts.test_security import csrf_client, csrf_post, sign_in, signed_in_user_id
from tests.accounts.test_two_factor import code_for, wrong_code_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two_factor_verify")
SETUP = reverse("accounts:two_factor_setup")
PAGE = reverse("accounts:pupil_list")


def session_key(client: Client) -> str:
    """The session key the browser holds: its cookie's value."""
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def holding(key: str) -> Client:
    """Another browser, given a session cookie with this key (as someone who planted it has)."""
    other = csrf_client()
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    return other


def assert_rotated(client: Client, old_key: str, user, device: TOTPDevice, started: str) -> None:
    new_key = session_key(client)
    assert new_key and new_key != old_key
    # The old key is gone from the store: a browser holding it is not signed in at all.
    assert not Session.objects.filter(session_key=old_key).exists()
    stale = holding(old_key)
    assert signed_in_user_id(stale) is None
    assert stale.get(PAGE)["Location"].startswith(reverse("accounts:login"))
    # The new key carries everything the session held, and is past two-factor.
    assert signed_in_user_id(client) == str(user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session[SESSION_STARTED] == started
    assert client.get(PAGE).status_code == 200
    # So does a second browser given the new key: it is the key that changed, not the session.
    assert holding(new_key).get(PAGE).status_code == 200


def test_the_right_code_gives_the_session_a_new_key(personas):
    dsl = personas.a[Role.DSL]
    device = TOTPDevice.objects.get(user=dsl)
    client = csrf_client()
    assert sign_in(client, dsl.email, PASSWORD).status_code == 302
    old_key = session_key(client)
    started = client.session[SESSION_STARTED]
    # Before the code, the planted key is a half-signed-in session that reaches no page.
    assert holding(old_key).get(PAGE)["Location"].startswith(VERIFY)

    response = csrf_post(client, VERIFY, {"otp_token": code_for(device)})

    assert response.status_code == 302
    assert_rotated(client, old_key, dsl, device, started)


def test_setting_up_the_first_device_gives_the_session_a_new_key(personas):
    head = personas.a[Role.HEADTEACHER]
    TOTPDevice.objects.filter(user=head).delete()
    client = csrf_client()
    sign_in(client, head.email, PASSWORD)
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=head, confirmed=False)
    old_key = session_key(client)
    started = client.session[SESSION_STARTED]

    response = csrf_post(client, SETUP, {"otp_token": code_for(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert_rotated(client, old_key, head, device, started)


def test_a_wrong_code_leaves_the_session_as_it_was(personas):
    dsl = personas.a[Role.DSL]
    device = TOTPDevice.objects.get(user=dsl)
    client = csrf_client()
    sign_in(client, dsl.email, PASSWORD)
    old_key = session_key(client)
    response = csrf_post(client, VERIFY, {"otp_token": wrong_code_for(device)})
    assert response.status_code == 200
    assert session_key(client) == old_key
    assert DEVICE_ID_SESSION_KEY not in client.session
