"""Password reset requests are limited: three emails an hour to one address, ten requests an hour
from one client. Over a limit nothing is sent, the attempt is in the audit log, and the answer is
exactly the one a sent email gets, so the limit tells nobody whether an address has an account."""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordResetThrottle
from accounts.roles import Role
from accounts.services import RESET_PER_ADDRESS, RESET_PER_CLIENT, RESET_WINDOW
from core.models import AuditEntry
from tests.accounts.test_security import csrf_client, csrf_post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
DONE = reverse("accounts:password_reset_done")
UNKNOWN = "nobody-here@test.example"
CLIENT = "198.51.100.7"


def ask(email: str, *, ip: str = CLIENT, **headers) -> tuple:
    """A reset request from a fresh browser at this address, and everything it is answered with:
    the status, every header, and the page it is sent on to (CSRF token taken out)."""
    client = csrf_client()
    response = csrf_post(client, RESET, {"email": email}, REMOTE_ADDR=ip, **headers)
    page = client.get(response["Location"], REMOTE_ADDR=ip)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode())
    return response.status_code, sorted(response.headers.items()), page.status_code, text


def sent_to() -> list[str]:
    return [address for message in mail.outbox for address in message.to]


def refusals(event: str):
    return AuditEntry.objects.filter(verb=AuditEntry.Verb.LOGIN_FAILED, changes__event__1__icontains=event)


def test_at_most_three_emails_an_hour_to_one_address_however_it_is_typed(personas):
    user = personas.a[Role.STAFF]
    typed = [user.email, user.email.upper(), f"  {user.email.title()} ", user.email, user.email]
    # Each from a different client: only the address's own limit is at work.
    answers = [ask(email, ip=f"198.51.100.{n}") for n, email in enumerate(typed, start=1)]

    assert sent_to() == [user.email] * RESET_PER_ADDRESS
    assert answers[0][0] == 302 and dict(answers[0][1])["Location"] == DONE
    assert answers[0][2] == 200 and "Check your email" in answers[0][3]
    assert all(answer == answers[0] for answer in answers), "a refused request must look like a sent one"
    # Each refusal is in the audit log, filed under the account and so in its trust's log.
    entries = refusals("for this address")
    assert entries.count() == len(typed) - RESET_PER_ADDRESS
    assert {(e.object_id, e.trust_id, e.ip_address) for e in entries} == {
        (str(user.pk), personas.trust.pk, "198.51.100.4"),
        (str(user.pk), personas.trust.pk, "198.51.100.5"),
    }


def test_an_address_without_an_account_is_answered_the_same_below_and_over_the_limit(personas):
    known = [ask(personas.a[Role.STAFF].email, ip=f"198.51.100.{n}") for n in range(1, 6)]
    unknown = [ask(UNKNOWN, ip=f"203.0.113.{n}") for n in range(1, 6)]
    assert known == unknown
    assert sent_to() == [personas.a[Role.STAFF].email] * RESET_PER_ADDRESS
    # Unknown addresses are counted and audited too (what was typed is kept, as for a failed sign-in).
    entries = refusals("for this address").filter(object_repr=UNKNOWN)
    assert entries.count() == 5 - RESET_PER_ADDRESS and not entries.exclude(object_id="").exists()


def test_at_most_ten_requests_an_hour_from_one_client(personas):
    people = [user for label, user in sorted(personas.everyone().items())][: RESET_PER_CLIENT + 2]
    answers = [ask(user.email) for user in people]

    assert sent_to() == [user.email for user in people[:RESET_PER_CLIENT]]
    assert all(answer == answers[0] for answer in answers)
    assert refusals("from this client").count() == 2
    assert set(refusals("from this client").values_list("object_id", flat=True)) == {
        str(user.pk) for user in people[RESET_PER_CLIENT:]
    }
    # Unknown addresses count against the client as well.
    ask(UNKNOWN, ip="192.0.2.1")
    for n in range(RESET_PER_CLIENT - 1):
        ask(f"nobody{n}@test.example", ip="192.0.2.1")
    ask(people[0].email, ip="192.0.2.1")
    assert len(mail.outbox) == RESET_PER_CLIENT
    # Another client may still ask for an address the first one was refused: a refused request
    # used none of the address's three.
    ask(people[-1].email, ip="192.0.2.200")
    assert sent_to()[-1] == people[-1].email and len(mail.outbox) == RESET_PER_CLIENT + 1


def test_the_client_is_the_address_the_lockout_and_audit_log_read(personas, settings):
    # Behind one trusted proxy: REMOTE_ADDR is the proxy, the client is the last X-Forwarded-For.
    settings.PORTAL_PROXY_COUNT = 1
    people = [user for label, user in sorted(personas.everyone().items())][: RESET_PER_CLIENT + 2]
    for n, user in enumerate(people, start=1):
        ask(user.email, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert len(mail.outbox) == len(people), "people behind one proxy are not one client"
    # What the client writes further left is not believed: forging it gives no fresh count.
    mail.outbox.clear()
    for n, user in enumerate(people, start=1):
        ask(user.email, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.99")
    assert len(mail.outbox) == RESET_PER_CLIENT
    assert set(refusals("from this client").values_list("ip_address", flat=True)) == {"198.51.100.99"}


def age(delta: timedelta) -> None:
    """Move every counted request back in time, as if that long had passed."""
    for row in PasswordResetThrottle.objects.all():
        row.recent = [(datetime.fromisoformat(at) - delta).isoformat() for at in row.recent]
        row.last_at -= delta
        row.save(update_fields=["recent", "last_at"])


def test_an_hour_after_a_request_it_no_longer_counts(personas):
    user = personas.a[Role.DSL]
    for _ in range(RESET_PER_ADDRESS + 1):
        ask(user.email)
    assert len(mail.outbox) == RESET_PER_ADDRESS
    age(RESET_WINDOW - timedelta(minutes=1))
    ask(user.email)
    assert len(mail.outbox) == RESET_PER_ADDRESS, "within the hour"
    # The window slides: once the first three are an hour old, the address may have a link again
    # (the refused requests never counted).
    age(timedelta(minutes=2))
    ask(user.email)
    assert len(mail.outbox) == RESET_PER_ADDRESS + 1
    stale = PasswordResetThrottle.objects.create(
        key="client:gone", last_at=timezone.now() - timedelta(days=1)
    )
    ask(user.email, ip="192.0.2.9")
    # Rows with nothing in the last hour are deleted as requests come in.
    assert not PasswordResetThrottle.objects.filter(pk=stale.pk).exists()


def test_the_counts_keep_neither_addresses_nor_ips(personas):
    user = personas.a[Role.STAFF]
    ask(user.email)
    keys = list(PasswordResetThrottle.objects.values_list("key", flat=True))
    assert sorted(key.split(":")[0] for key in keys) == ["address", "client"]
    assert not any(user.email.split("@")[0] in key or CLIENT in key for key in keys)


def test_a_refusal_is_logged(personas, caplog):
    user = personas.a[Role.STAFF]
    with caplog.at_level(logging.WARNING, logger="accounts.services"):
        for _ in range(RESET_PER_ADDRESS + 1):
            ask(user.email)
    (record,) = [r for r in caplog.records if r.name == "accounts.services"]
    assert "address limit" in record.getMessage() and CLIENT in record.getMessage()
    assert user.email not in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_requests_arriving_together_still_send_at_most_three():
    user = UserFactory()
    together = 8
    barrier = threading.Barrier(together)
    statuses: list[int] = []

    def request(n: int) -> None:
        try:
            client = csrf_client()
            barrier.wait(timeout=10)
            statuses.append(
                csrf_post(client, RESET, {"email": user.email}, REMOTE_ADDR=f"198.51.100.{n}").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(together)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302] * together
    assert sent_to() == [user.email] * RESET_PER_ADDRESS
