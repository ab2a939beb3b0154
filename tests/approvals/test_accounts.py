"""The official accounts register: never a password, suspend and close, the annual review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from approvals.models import OfficialAccount
from approvals.models.validators import looks_like_password
from approvals.services.accounts import (
    account_review_done,
    account_review_sweep,
    account_set_status,
    one_year_after,
)
from core.models import AuditEntry, Notification
from tests.approvals.helpers import official_account, site_request

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "Trust password manager, vault Marketing",
        "1Password vault Comms",
        "KeePass file on the S: drive",
        "Sealed envelope in the headteacher's safe",
    ],
)
def test_a_place_is_accepted_as_where_the_credentials_are_kept(text):
    assert not looks_like_password(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hunter2024!",
        "password: fluffybunny",
        "The password is sunflower",
        "vault X, pw=Tr0ub4dor&3",
        "Blackbird",
    ],
)
def test_something_that_looks_like_a_password_is_refused(text):
    assert looks_like_password(text)


def test_a_site_request_holding_a_password_is_refused_with_the_reason(personas):
    with pytest.raises(ValidationError, match="looks like a password"):
        site_request(personas.a, credentials_location="password: Sunshine2026!")


def test_suspend_and_close_are_the_marketing_officers_audited_with_a_reason(personas):
    a = personas.a
    account = official_account(a)
    with pytest.raises(PermissionDenied):
        account_set_status(user=a[Role.HEADTEACHER], account=account, status="suspended", reason="x")
    with pytest.raises(PermissionDenied):
        account_set_status(
            user=personas.b[Role.MARKETING_OFFICER], account=account, status="suspended", reason="x"
        )
    with pytest.raises(ValidationError, match="reason"):
        account_set_status(user=a[Role.MARKETING_OFFICER], account=account, status="suspended", reason=" ")

    account = account_set_status(
        user=a[Role.MARKETING_OFFICER],
        account=account,
        status="suspended",
        reason="Password reset after a breach.",
    )
    assert account.status == OfficialAccount.Status.SUSPENDED
    assert AuditEntry.objects.filter(
        object_id=str(account.pk), changes__status=["active", "suspended"]
    ).exists()
    assert Notification.objects.filter(
        user=a[Role.HEADTEACHER], subject__endswith="is now suspended"
    ).exists()

    account = account_set_status(
        user=a[Role.MARKETING_OFFICER], account=account, status="closed", reason="Not used."
    )
    with pytest.raises(ValidationError, match="closed"):
        account_set_status(user=a[Role.MARKETING_OFFICER], account=account, status="active", reason="Again")
    # A closed account's handle may be registered again.
    official_account(a, handle=account.handle)


def test_the_review_sets_the_next_one_a_year_on(personas):
    a = personas.a
    account = official_account(a, next_review_due=timezone.localdate() - timedelta(days=3))
    with pytest.raises(ValidationError):
        account_review_done(user=a[Role.MARKETING_OFFICER], account=account, note="")
    account = account_review_done(user=a[Role.MARKETING_OFFICER], account=account, note="All checked.")
    assert account.next_review_due == one_year_after(timezone.localdate())
    assert account.last_reviewed_by == a[Role.MARKETING_OFFICER]


def test_review_reminders_come_30_days_ahead_and_when_overdue_once_each(personas):
    a = personas.a
    today = timezone.localdate()
    due_soon = official_account(a, handle="@soon", next_review_due=today + timedelta(days=20))
    official_account(a, handle="@later", next_review_due=today + timedelta(days=90))
    official_account(a, handle="@closed", next_review_due=today, status="closed")
    now = timezone.now()

    assert account_review_sweep(now=now) == 1
    assert account_review_sweep(now=now + timedelta(hours=1)) == 0
    mo = a[Role.MARKETING_OFFICER]
    assert Notification.objects.filter(user=mo, subject__contains="@soon").count() == 1

    # Three weeks later the review is overdue: one more reminder, then silence.
    later = now + timedelta(days=21)
    assert account_review_sweep(now=later) == 1
    assert account_review_sweep(now=later) == 0
    assert Notification.objects.filter(user=mo, subject__contains="was due").count() == 1
    # Reviewing it moves the due date a year on: nothing more is due.
    account_review_done(user=mo, account=due_soon, note="Checked")
    assert account_review_sweep(now=later + timedelta(days=1)) == 0
