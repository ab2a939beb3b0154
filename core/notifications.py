"""The one way the portal tells someone something: a portal inbox entry, and an email sent by
Celery after the transaction commits. A broker or mail server that is down loses nothing: the
notification row is the outbox, and ``core.tasks.relay_pending_notifications`` delivers what is
waiting."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

# The tasks call back into this module: each imports the other module, never names from it, so
# either may be imported first.
from core import tasks
from core.models import Notification

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def notify(*, user, subject: str, body: str = "", link: str = "", email: bool = True) -> Notification:
    """Tell a user something: saved to their inbox now, emailed once the transaction commits.

    The email carries only the subject and a link: never a pupil's name or a concern's text, so
    callers keep ``subject`` free of both and put the detail in ``body`` (shown only in the portal).
    """
    notification = Notification.objects.create(
        user=user,
        subject=subject[:200],
        body=body,
        link=link,
        email_status=Notification.EmailStatus.PENDING if email else Notification.EmailStatus.NOT_SENT,
    )
    if email:
        tasks.enqueue_on_commit(tasks.deliver_notification, str(notification.pk))
    return notification


def notification_deliver(*, notification_id) -> bool:
    """Send one pending notification's email exactly once; True if it was sent now."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=notification_id, email_status=Notification.EmailStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        link = f"{settings.PORTAL_BASE_URL}{notification.link or '/inbox/'}"
        message = (
            f"{notification.subject}\n\n"
            f"Sign in to the portal to read it: {link}\n\n"
            "This message was sent by your trust's social media portal."
        )
        notification.email_attempts += 1
        # One Message-ID per notification: should a worker die between sending and recording it,
        # the relay's second copy carries the same ID, and mail systems recognise it as a repeat.
        email = EmailMessage(
            subject=notification.subject,
            body=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.user.email],
            headers={"Message-ID": f"<notification-{notification.pk}@{_mail_domain()}>"},
        )
        try:
            email.send()
        except Exception as exc:  # noqa: BLE001 - a mail server failure is retried by the relay
            notification.email_last_error = str(exc)[:300]
            if notification.email_attempts >= MAX_ATTEMPTS:
                notification.email_status = Notification.EmailStatus.FAILED
            notification.save(update_fields=["email_attempts", "email_last_error", "email_status"])
            log.warning("Email for notification %s failed: %s", notification.pk, exc)
            return False
        notification.email_status = Notification.EmailStatus.SENT
        notification.email_sent_at = timezone.now()
        notification.save(update_fields=["email_attempts", "email_status", "email_sent_at"])
        return True


def _mail_domain() -> str:
    """The domain the portal's Message-IDs are minted under (its own address's host)."""
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "portal.invalid"


def pending_notification_ids(*, older_than_seconds: int = 30, limit: int = 500) -> list:
    """Notifications still waiting to be emailed (the relay's work list)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        Notification.objects.filter(email_status=Notification.EmailStatus.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_mark_read(*, user, notification: Notification) -> None:
    """Mark one of the user's notifications as read."""
    if notification.user_id != user.pk or notification.read_at:
        return
    notification.read_at = timezone.now()
    notification.save(update_fields=["read_at"])


def notifications_mark_done(*, link: str, subject: str) -> int:
    """Mark as read, for everyone it was sent to, a notification about something now done."""
    # Several people are asked for one decision; once one of them takes it, nobody else need act.
    return Notification.objects.filter(link=link, subject=subject[:200], read_at__isnull=True).update(
        read_at=timezone.now()
    )
