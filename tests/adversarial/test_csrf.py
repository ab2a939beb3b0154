"""Every view that changes something refuses a POST without the CSRF token, or with a wrong one, and
changes nothing. The list of views is every rule of the access sweep that takes a POST, so a new form
is covered the day its URL gets its rule (tests/access/rules.py)."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.forms.models import model_to_dict
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role
from tests.access.rules import RULES
from tests.access.sweep import ANONYMOUS, allowed_persona, post_rules, project_models, sweep_objects
from tests.adversarial.common import csrf_post, is_csrf_refusal, row_counts, with_csrf_cookie
from tests.conftest import signed_in_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

POST_URLS = post_rules()

# Who posts where the sweep's own choice would not show the form at work: the second-factor pages
# need a person before their code is checked (with an authenticator, or without one yet), and
# signing out is tried by a person who is signed in.
PERSONA = {
    "accounts:two_factor_verify": "a:dsl",
    "accounts:two_factor_setup": "a:staff",
    "accounts:logout": "a:staff",
}
UNVERIFIED = {"accounts:two_factor_verify", "accounts:two_factor_setup"}


def current_code(user) -> str:
    """The code the person's authenticator app shows now."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


# A body that would do what the page is for, where an empty one would only show errors.
VALID_DATA = {
    "accounts:login": lambda personas, user: {"username": personas.a[Role.STAFF].email, "password": PASSWORD},
    "accounts:password_reset": lambda personas, user: {"email": personas.a[Role.STAFF].email},
    "accounts:password_reset_confirm": lambda personas, user: {
        "new_password1": "moorland kestrel ledger 7",
        "new_password2": "moorland kestrel ledger 7",
    },
    "accounts:two_factor_verify": lambda personas, user: {"otp_token": current_code(user)},
    "accounts:two_factor_setup": lambda personas, user: {"otp_token": "123456"},
    "incidents:add_note": lambda personas, user: {"note-text": "Spoke to the pupil."},
    "incidents:set_severity": lambda personas, user: {
        "severity-severity": "3",
        "severity-reason": "Repeated messages",
    },
    "governance:retention_decide": lambda personas, user: {"outcome": "keep"},
}


def state(kwargs: dict) -> dict:
    """Everything a refused POST must leave as it was: every table's size, the records the URL
    names, every person's password and sign-in time, the mail sent."""
    records = {}
    for value in kwargs.values():
        if isinstance(value, uuid.UUID):
            for model in project_models():
                if model._meta.pk.get_internal_type() == "UUIDField":
                    row = model._default_manager.filter(pk=value).first()
                    if row is not None:
                        records[(model._meta.label_lower, value)] = model_to_dict(row)
    people = list(User.objects.order_by("pk").values_list("pk", "password", "last_login", "is_active"))
    devices = list(
        TOTPDevice.objects.order_by("pk").values_list("pk", "confirmed", "last_t", "throttling_failure_count")
    )
    return {
        "rows": row_counts(),
        "records": records,
        "people": people,
        "devices": devices,
        "mail": len(mail.outbox),
    }


def client_for(label: str, personas, url_name: str) -> Client:
    if label == ANONYMOUS:
        return Client(enforce_csrf_checks=True)
    user = personas.everyone()[label]
    return signed_in_client(user, verified=url_name not in UNVERIFIED, enforce_csrf_checks=True)


def test_every_post_url_is_checked():
    # The list comes from the sweep's rules; these are the pages of the sign-in journey.
    for name in (
        "accounts:login",
        "accounts:logout",
        "accounts:password_reset",
        "accounts:password_reset_confirm",
        "accounts:two_factor_verify",
        "accounts:two_factor_setup",
    ):
        assert name in POST_URLS
    assert len(POST_URLS) >= 50


@pytest.mark.parametrize("url_name", POST_URLS)
def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(url_name, personas):
    rule = RULES[url_name]
    kwargs, owner = sweep_objects(personas)[rule.obj] if rule.obj else ({}, None)
    url = reverse(url_name, kwargs=kwargs)
    label = PERSONA.get(url_name) or allowed_persona(rule, personas, owner)
    user = personas.everyone().get(label)
    data = VALID_DATA.get(url_name, lambda personas, user: {})(personas, user)
    # Signing in writes a session row: every client signs in before anything is counted.
    bare, client, cookieless, good = (client_for(label, personas, url_name) for _ in range(4))
    with_csrf_cookie(client)
    before = state(kwargs)

    attempts = {
        # No token at all (a form posted from another site, without the cookie).
        "no token": bare.post(url, data),
        # The cookie is there but the form carries another token.
        "wrong token": client.post(url, {**data, "csrfmiddlewaretoken": _get_new_csrf_string()}),
        # The cookie is there, the form has none and the header a wrong one.
        "wrong header": client.post(url, data, HTTP_X_CSRFTOKEN=_get_new_csrf_string()),
        # A token in the form but no cookie to match it.
        "no cookie": cookieless.post(url, {**data, "csrfmiddlewaretoken": _get_new_csrf_string()}),
    }
    for how, response in attempts.items():
        assert is_csrf_refusal(response), f"POST {url_name} as {label} with {how}: {response.status_code}"
    assert state(kwargs) == before, f"POST {url_name} as {label}: refused, yet something changed"
    if user is not None:
        # Still signed in as before (a refused sign-out signs no one out).
        assert client.session.get("_auth_user_id") == str(user.pk)
    else:
        assert client.session.get("_auth_user_id") is None

    # The same person with the right token gets past the check: the refusal was the token's.
    response = csrf_post(good, url, data)
    assert not is_csrf_refusal(response) and response.status_code != 403, (
        f"POST {url_name} as {label} with the token: {response.status_code}"
    )
    if url_name in VALID_DATA:
        assert state(kwargs) != before, f"POST {url_name} as {label} with the token did nothing"


def test_a_refused_sign_in_does_not_sign_in_or_count_as_a_failure(personas):
    client = Client(enforce_csrf_checks=True)
    with_csrf_cookie(client)
    response = client.post(
        reverse("accounts:login"),
        {"username": personas.a[Role.STAFF].email, "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64},
    )
    assert is_csrf_refusal(response)
    assert client.session.get("_auth_user_id") is None
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.exists()
