"""Writes of the official accounts register (SPEC §2.2; 004 §2): accounts are created only by approving a site
creation request, then suspended, closed and reviewed every year by the marketing officer."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User
from accounts.roles import Action
from approvals.models import AccountReminder, ApprovalRequest, OfficialAccount
from core.audit import audit_record
from core.dates import long_date
from core.models import AuditEntry
from core.notifications import notify
from core.once import claim

log = logging.getLogger(__name__)
REVIEW_NOTICE_DAYS = 30


def one_year_after(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _link(account: OfficialAccount) -> str:
    return reverse("approvals:account_detail", args=[account.pk])


def official_account_from_site_request(*, request: ApprovalRequest, by: User) -> OfficialAccount:
    """Put the account an approved site creation request describes in the register (or bring its entry
    up to date when a changed request is approved again). Runs inside the approving transaction."""
    site = request.site_creation
    account = OfficialAccount.objects.filter(site_request=request).first()
    created = account is None
    if created:
        account = OfficialAccount(
            site_request=request,
            status=OfficialAccount.Status.ACTIVE,
            status_changed_at=timezone.now(),
            next_review_due=one_year_after(timezone.localdate()),
        )
    account.school_id = request.school_id
    account.platform = site.platform
    account.handle = site.handle.strip()
    account.purpose = site.purpose
    account.moderator_id = site.moderator_id
    account.official_email = site.official_email
    account.credentials_location = site.credentials_location
    account.trust_branded = site.trust_branded
    account.full_clean()
    account.save()
    account.administrators.set(site.administrators.all())
    account.authorised_posters.set(site.authorised_posters.all())
    account.clean_related()
    audit_record(
        verb=AuditEntry.Verb.CREATE if created else AuditEntry.Verb.UPDATE,
        obj=account,
        actor=by,
        changes={"site_request": [None, request.reference]},
    )
    for person in {request.requester, site.moderator}:
        notify(
            user=person,
            subject=f"{account} is in the official accounts register",
            body="Only its administrators and authorised posters may post to it, and every post is approved "
            "by the marketing officer first.",
            link=_link(account),
        )
    return account


def _require_manager(user: User, account: OfficialAccount) -> None:
    if not access.can(user, Action.MODERATE_ACCOUNTS, account):
        raise PermissionDenied


@transaction.atomic
def account_set_status(*, user: User, account: OfficialAccount, status: str, reason: str) -> OfficialAccount:
    """Suspend, reactivate or close an official account (a reason is required; closing is final)."""
    account = OfficialAccount.objects.select_for_update().get(pk=account.pk)
    _require_manager(user, account)
    if status not in OfficialAccount.Status.values:
        raise ValidationError({"status": "Choose what to do with the account."})
    if account.status == OfficialAccount.Status.CLOSED:
        raise ValidationError(
            "This account is closed; a new site creation request is needed to open it again."
        )
    if status == account.status:
        raise ValidationError({"status": f"The account is already {account.get_status_display().lower()}."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason."})
    previous = account.status
    account.status = status
    account.status_reason = reason.strip()
    account.status_changed_at = timezone.now()
    account.save(update_fields=["status", "status_reason", "status_changed_at"])
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=account, changes={"status": [previous, status]})
    for person in {*account.administrators.all(), account.moderator}:
        notify(
            user=person,
            subject=f"{account} is now {account.get_status_display().lower()}",
            body=account.status_reason,
            link=_link(account),
        )
    return account


@transaction.atomic
def account_review_done(*, user: User, account: OfficialAccount, note: str) -> OfficialAccount:
    """Record the annual review of an account; the next one is due a year from today."""
    account = OfficialAccount.objects.select_for_update().get(pk=account.pk)
    _require_manager(user, account)
    if account.status == OfficialAccount.Status.CLOSED:
        raise ValidationError("A closed account is not reviewed.")
    if not note.strip():
        raise ValidationError(
            {"note": "Say what the review found (purpose still met, administrators checked…)."}
        )
    previous = account.next_review_due
    account.last_reviewed_at = timezone.now()
    account.last_reviewed_by = user
    account.last_review_note = note.strip()
    account.next_review_due = one_year_after(timezone.localdate())
    account.save(
        update_fields=["last_reviewed_at", "last_reviewed_by", "last_review_note", "next_review_due"]
    )
    audit_record(
        verb=AuditEntry.Verb.UPDATE,
        obj=account,
        changes={"next_review_due": [previous.isoformat(), account.next_review_due.isoformat()]},
    )
    return account


# --- the annual review reminder (Celery beat) ---------------------------------------------------


def _review_people(account: OfficialAccount) -> list[User]:
    people = list(access.users_with(Action.MODERATE_ACCOUNTS, account.school_id)) + [account.moderator]
    return [p for p in {p.pk: p for p in people}.values() if p.is_active]


def account_review_sweep(now: datetime | None = None) -> int:
    """Remind about account reviews due within 30 days, and once more when overdue; returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = OfficialAccount.objects.exclude(status=OfficialAccount.Status.CLOSED).filter(
        next_review_due__lte=today + timedelta(days=REVIEW_NOTICE_DAYS)
    )
    sent = 0
    for account in due.select_related("moderator"):
        kind = "review_overdue" if account.next_review_due < today else "review_due"
        with transaction.atomic():
            if not claim(
                AccountReminder, account=account, kind=kind, key=account.next_review_due.isoformat()
            ):
                continue
            when = long_date(account.next_review_due)
            subject = (
                f"The annual review of {account} was due on {when}"
                if kind == "review_overdue"
                else f"The annual review of {account} is due by {when}"
            )
            for person in _review_people(account):
                notify(user=person, subject=subject, link=_link(account))
        sent += 1
    return sent
