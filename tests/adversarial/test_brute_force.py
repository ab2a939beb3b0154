"""Guessing: passwords (django-axes locks the address typed, known or not, in any case or spacing),
the password reset page (it never tells whether an address has an account), and second-factor codes
(django-otp's throttle on the device: each wrong code doubles the wait before the next is even
checked, so the million codes cannot be tried).

tests/accounts/test_security.py already proves the lock after five failures, the same statuses and
errors for an unknown address, a case-insensitive count, the cool-off and the reset on success; the
tests here go on from there."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from core.models import AuditEntry
from tests.accounts.test_security import WRONG_PASSWORD, csrf_client, csrf_post, sign_in, signed_in_user_id
from tests.accounts.test_two_factor import code_for, wrong_code_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

UNKNOWN = "nobody-here@test.example"
VERIFY = reverse("accounts:two_factor_verify")
SETUP = reverse("accounts:two_factor_setup")


def page_text(response, *typed: str) -> str:
    """The page as the person sees it, without what differs by design: the CSRF token and the
    address they typed (shown back in the box)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    for value in typed:
        text = text.replace(value, "TYPED")
    return text


# --- passwords ----------------------------------------------------------------------------------------


def test_every_answer_is_the_same_page_for_a_known_and_an_unknown_address(personas):
    known = personas.a[Role.STAFF].email
    pages = {}
    for email in (known, UNKNOWN):
        client = csrf_client()
        answers = []
        for _ in range(settings.AXES_FAILURE_LIMIT + 2):
            response = sign_in(client, email, WRONG_PASSWORD)
            answers.append((response.status_code, page_text(response, email)))
        # And the right password of the known address, locked out: the same as for the unknown one.
        response = sign_in(client, email, PASSWORD)
        answers.append((response.status_code, page_text(response, email)))
        pages[email] = answers
    assert [status for status, _ in pages[known]] == [200] * 4 + [429] * 4
    assert pages[known] == pages[UNKNOWN]


@pytest.mark.parametrize(
    "variants",
    [
        lambda e: [e.upper(), f"  {e}  ", e.swapcase(), f"\t{e.title()}", e.replace("@", "@").upper()],
        lambda e: [f" {e}", f"{e} ", f"  {e.upper()}", f"{e.capitalize()}  ", e],
    ],
    ids=["case", "spacing"],
)
@pytest.mark.parametrize("which", ["known", "unknown"])
def test_the_lock_holds_whatever_the_case_and_spacing_and_the_right_password_does_not_open_it(
    personas, variants, which
):
    user = personas.a[Role.STAFF]
    email = user.email if which == "known" else UNKNOWN
    for variant in variants(email):
        sign_in(csrf_client(), variant, WRONG_PASSWORD)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {email}
    sessions_before = AuditEntry.objects.filter(verb=AuditEntry.Verb.LOGIN).count()
    for attempt in (email, email.upper(), f"  {email.title()} "):
        client = csrf_client()
        response = sign_in(client, attempt, PASSWORD)
        assert response.status_code == 429, attempt
        assert signed_in_user_id(client) is None
    assert AuditEntry.objects.filter(verb=AuditEntry.Verb.LOGIN).count() == sessions_before
    # Another person signing in from the same address is not locked out with them.
    other = csrf_client()
    assert sign_in(other, personas.a[Role.HEADTEACHER].email, PASSWORD).status_code == 302


def test_password_reset_tells_nothing_about_an_address(personas):
    user = personas.a[Role.STAFF]
    # Lock the known address first: the reset page does not show that either.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(csrf_client(), user.email, WRONG_PASSWORD)
    answers = []
    for email in (user.email, f"  {user.email.upper()} ", UNKNOWN, "no-such-domain@nowhere.invalid"):
        client = csrf_client()
        response = csrf_post(client, reverse("accounts:password_reset"), {"email": email})
        done = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], done.status_code, page_text(done, email)))
    assert len({answer for answer in answers}) == 1, answers
    # Only the real account's holder receives a link (twice: once for each way it was typed).
    assert [message.to for message in mail.outbox] == [[user.email], [user.email]]


# --- second-factor codes ---------------------------------------------------------------------------


def signed_in_before_the_code(user):
    """A client past the password (a real sign-in) and waiting for the code."""
    client = csrf_client()
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert client.session.get(DEVICE_ID_SESSION_KEY) is None
    return client


def enter(client, code: str):
    return csrf_post(client, VERIFY, {"otp_token": code})


def verified(client) -> bool:
    return client.session.get(DEVICE_ID_SESSION_KEY) is not None


def test_after_a_wrong_code_even_the_right_code_waits(personas):
    user = personas.a[Role.DSL]
    device = TOTPDevice.objects.get(user=user)
    client = signed_in_before_the_code(user)
    assert enter(client, wrong_code_for(device)).status_code == 200
    # At once: the right code is not even checked.
    response = enter(client, code_for(device))
    assert response.status_code == 200 and not verified(client)
    # Told to wait, not that the right code is wrong.
    assert response.context["form"].errors["otp_token"] == [
        "Too many wrong codes. Wait 1 second, then enter the current code."
    ]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # not checked, so not even counted
    # Once the wait is over, the right code is accepted and the count starts again.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=3)
    )
    response = enter(client, code_for(device))
    assert response.status_code == 302 and verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_each_wrong_code_doubles_the_wait(personas):
    user = personas.a[Role.HEADTEACHER]
    device = TOTPDevice.objects.get(user=user)
    client = signed_in_before_the_code(user)
    factor = getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)
    assert factor >= 1, "the second factor must not be checked without a wait after a wrong code"
    for failures in range(1, 11):
        # The guesser waits out every delay and guesses again.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(seconds=factor * 2 ** (failures - 1) + 1)
        )
        enter(client, wrong_code_for(device))
        device.refresh_from_db()
        assert device.throttling_failure_count == failures
        allowed, detail = device.verify_is_allowed()
        assert not allowed and detail["failure_count"] == failures
    # After ten wrong codes the wait is 2⁹ = 512 seconds: well inside it, the right code is refused.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=500)
    )
    assert enter(client, code_for(device)).status_code == 200 and not verified(client)
    # Waiting out each delay in turn, a day allows no more than 17 guesses out of a million codes.
    elapsed, guesses = 0, 0
    while elapsed < 24 * 3600:
        guesses += 1
        elapsed += factor * 2 ** (guesses - 1)
    assert guesses <= 17
    # Every wrong code is in the audit log.
    assert (
        AuditEntry.objects.filter(
            verb=AuditEntry.Verb.TWO_FACTOR, object_id=str(user.pk), changes__event=["", "wrong code"]
        ).count()
        >= 10
    )


def test_signing_in_again_does_not_reset_the_wait(personas):
    user = personas.a[Role.MARKETING_OFFICER]
    device = TOTPDevice.objects.get(user=user)
    first = signed_in_before_the_code(user)
    for failures in range(3):
        # Each guess waits out the delay left by the one before.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(seconds=2**failures + 1)
        )
        enter(first, wrong_code_for(device))
    # A new session (after signing out, or from another browser) finds the same device throttled.
    second = signed_in_before_the_code(user)
    response = enter(second, code_for(device))
    assert response.status_code == 200 and not verified(second)
    device.refresh_from_db()
    assert device.throttling_failure_count == 3


def test_setting_up_two_factor_is_throttled_too(personas):
    user = personas.a[Role.STAFF]
    client = signed_in_before_the_code(user)
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    csrf_post(client, SETUP, {"otp_token": wrong_code_for(device)})
    response = csrf_post(client, SETUP, {"otp_token": code_for(device)})
    assert response.status_code == 200 and not verified(client)
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
