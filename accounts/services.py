"""Writes of accounts outside the admin and the MIS import: the limits on password reset requests."""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import PasswordResetThrottle, User
from core.audit import audit_record
from core.models import AuditEntry

logger = logging.getLogger(__name__)

# Reset emails to one address in an hour: enough for someone whose first email went to spam, too
# few for anyone to fill a person's mailbox with links (or get the trust's mail server blocklisted).
RESET_PER_ADDRESS = 3
# Reset requests from one client address in an hour, whatever the email addresses typed: stops a
# script working through a list of addresses. Everyone on a school's network shares its address.
RESET_PER_CLIENT = 10
RESET_WINDOW = timedelta(hours=1)


def password_reset_admit(*, email: str, client: str | None) -> bool:
    """Count a reset request against its address and its client: False (and audited) when over a limit.

    The counts live in the database, so every web process sees the same ones. The window slides: a
    request counts for exactly one hour. A refused request is not counted, so someone who keeps
    asking is let through again an hour after the requests that filled the limit.
    """
    now = timezone.now()
    over: str | None = None
    with transaction.atomic():
        _forget_stale(now)
        # Rows are locked client first, then address, in every request: two requests never wait
        # for each other's second row.
        # With no client address (a proxy set up wrongly) only the address's limit applies: one
        # count shared by every such request would let one person stop everybody's resets.
        client_row = _locked(_key("client", client), now) if client else None
        if client_row is not None and len(client_row.recent) >= RESET_PER_CLIENT:
            over = "client"
        else:
            address_row = _locked(_key("address", _folded(email)), now)
            if len(address_row.recent) >= RESET_PER_ADDRESS:
                over = "address"
            else:
                _count(address_row, now)
            if client_row is not None:
                _count(client_row, now)
    if over is not None:
        _audit_refusal(email=email, over=over, client=client)
    return over is None


def _folded(email: str) -> str:
    # One address however it is typed, as PortalPasswordResetForm matches accounts.
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def _key(kind: str, value: str) -> str:
    # A keyed digest: the table tells nobody which addresses were typed or where from.
    return f"{kind}:{salted_hmac('accounts.password-reset-throttle', value, algorithm='sha256').hexdigest()}"


def _forget_stale(now: datetime) -> None:
    stale = PasswordResetThrottle.objects.filter(last_at__lte=now - RESET_WINDOW)
    # Rows another request holds are skipped, not waited for: a later request deletes them.
    ids = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True)[:500])
    if ids:
        PasswordResetThrottle.objects.filter(pk__in=ids).delete()


def _locked(key: str, now: datetime) -> PasswordResetThrottle:
    row, _ = PasswordResetThrottle.objects.select_for_update().get_or_create(
        key=key, defaults={"last_at": now}
    )
    cutoff = now - RESET_WINDOW
    row.recent = [at for at in row.recent if datetime.fromisoformat(at) > cutoff]
    return row


def _count(row: PasswordResetThrottle, now: datetime) -> None:
    row.recent.append(now.isoformat())
    row.last_at = now
    row.save(update_fields=["recent", "last_at"])


def _audit_refusal(*, email: str, over: str, client: str | None) -> None:
    if over == "client":
        event = f"password reset not sent: {RESET_PER_CLIENT} requests from this client in the last hour"
    else:
        event = f"password reset not sent: {RESET_PER_ADDRESS} requests for this address in the last hour"
    changes = {"event": ["", event]}
    # Filed under the account when there is one, so its trust's log shows who is being targeted.
    account = User.objects.filter(email__iexact=email.strip()).first()
    if account is not None:
        audit_record(verb=AuditEntry.Verb.LOGIN_FAILED, obj=account, actor=None, changes=changes)
    else:
        audit_record(
            verb=AuditEntry.Verb.LOGIN_FAILED,
            object_type="accounts.user",
            object_repr=email.strip()[:200],
            changes=changes,
        )
    logger.warning("Password reset not sent: %s limit reached (client %s)", over, client or "unknown")
