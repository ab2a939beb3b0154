"""Notifications with tasks run in-process: the inbox row, the email after commit, the outbox relay."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import Notification
from core.notifications import (
    MAX_ATTEMPTS,
    notification_deliver,
    notification_mark_read,
    notify,
    pending_notification_ids,
)
from core.tasks import relay_pending_notifications
from tests.celery_worker import free_port
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def user():
    return UserFactory(email="dsl@test.example")


@pytest.fixture
def mail_server_down(settings):
    """Point email at an SMTP port where nothing listens: a real connection refusal."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    return settings


def notify_and_commit(capture, **kwargs) -> Notification:
    """Call notify() and run what it queued for after the commit."""
    with capture(execute=True):
        return notify(**kwargs)


def test_notify_saves_the_inbox_row_now_and_emails_only_after_commit(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = notify(user=user, subject="A concern needs triage", link="/incidents/1/")

    saved = Notification.objects.get(pk=notification.pk)
    assert saved.user == user
    assert saved.email_status == Notification.EmailStatus.PENDING
    assert mailoutbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    saved.refresh_from_db()
    assert saved.email_status == Notification.EmailStatus.SENT
    assert saved.email_attempts == 1
    assert saved.email_sent_at is not None
    assert [message.to for message in mailoutbox] == [[user.email]]


def test_the_email_carries_the_subject_and_a_link_but_never_the_body(
    user, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://portal.example"
    notification = notify_and_commit(
        django_capture_on_commit_callbacks,
        user=user,
        subject="A concern needs triage",
        body="Year 9 pupil Jamie Example posted a photo of a classmate.",
        link="/incidents/42/",
    )

    (message,) = mailoutbox
    assert message.subject == "A concern needs triage"
    assert "https://portal.example/incidents/42/" in message.body
    assert "Jamie" not in message.body
    assert "classmate" not in message.body
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
    assert message.attachments == []
    # Any second copy of this notification carries the same ID, so mail systems drop it.
    assert message.extra_headers["Message-ID"] == f"<notification-{notification.pk}@portal.example>"


def test_a_notification_without_a_link_points_to_the_inbox(
    user, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://portal.example"
    notify_and_commit(django_capture_on_commit_callbacks, user=user, subject="Policy updated")

    assert "https://portal.example/inbox/" in mailoutbox[0].body


def test_a_portal_only_notification_is_never_emailed(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(user=user, subject="Read the new policy", email=False)

    assert callbacks == []
    assert mailoutbox == []
    assert notification.email_status == Notification.EmailStatus.NOT_SENT
    assert notification.pk not in pending_notification_ids(older_than_seconds=0)


def test_a_mail_server_failure_leaves_the_row_pending_and_a_later_relay_sends_it(
    user, mailoutbox, mail_server_down, django_capture_on_commit_callbacks
):
    notification = notify_and_commit(
        django_capture_on_commit_callbacks, user=user, subject="Approval waiting"
    )

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert notification.email_attempts == 1
    assert notification.email_last_error
    assert mailoutbox == []

    # Too fresh for the relay, which leaves new rows to their own delivery task.
    assert relay_pending_notifications.delay(older_than_seconds=30).get() == 0

    mail_server_down.EMAIL_BACKEND = LOCMEM
    assert relay_pending_notifications.delay(older_than_seconds=0).get() == 1

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 2
    assert len(mailoutbox) == 1


def test_delivery_gives_up_after_the_last_attempt(
    user, mailoutbox, mail_server_down, django_capture_on_commit_callbacks
):
    notification = notify_and_commit(
        django_capture_on_commit_callbacks, user=user, subject="Approval waiting"
    )
    Notification.objects.filter(pk=notification.pk).update(email_attempts=MAX_ATTEMPTS - 1)

    assert relay_pending_notifications.delay(older_than_seconds=0).get() == 0

    notification.refresh_from_db()
    assert notification.email_attempts == MAX_ATTEMPTS
    assert notification.email_status == Notification.EmailStatus.FAILED
    assert notification.pk not in pending_notification_ids(older_than_seconds=0)


def test_an_email_already_sent_is_not_sent_again(user, mailoutbox, django_capture_on_commit_callbacks):
    notification = notify_and_commit(django_capture_on_commit_callbacks, user=user, subject="Takedown due")
    assert len(mailoutbox) == 1

    assert notification_deliver(notification_id=notification.pk) is False
    assert relay_pending_notifications.delay(older_than_seconds=0).get() == 0

    notification.refresh_from_db()
    assert notification.email_attempts == 1
    assert len(mailoutbox) == 1


def test_mark_read_is_for_the_owner_only(user):
    notification = notify(user=user, subject="Policy updated", email=False)
    stranger = UserFactory()

    notification_mark_read(user=stranger, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is None

    notification_mark_read(user=user, notification=notification)
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None

    notification_mark_read(user=user, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at == first_read


class TestInboxViews:
    def test_the_inbox_lists_only_the_users_own_notifications(self, personas, client_for):
        owner, other = personas.a["staff"], personas.b["staff"]
        mine = notify(user=owner, subject="Yours", email=False)
        notify(user=other, subject="Someone else's", email=False)

        response = client_for(owner).get(reverse("governance:inbox"))

        assert response.status_code == 200
        assert list(response.context["page"].object_list) == [mine]

    def test_opening_a_notification_marks_it_read(self, personas, client_for):
        owner = personas.a["staff"]
        notification = notify(user=owner, subject="Policy updated", body="Section 4 changed.", email=False)

        url = reverse("governance:notification_detail", args=[notification.pk])
        response = client_for(owner).get(url)

        assert response.status_code == 200
        assert response.context["notification"] == notification
        notification.refresh_from_db()
        assert notification.read_at is not None

    def test_posting_marks_read_and_returns_to_the_inbox(self, personas, client_for):
        owner = personas.a["staff"]
        notification = notify(user=owner, subject="Policy updated", email=False)

        url = reverse("governance:notification_detail", args=[notification.pk])
        response = client_for(owner).post(url)

        assert response.status_code == 302
        assert response.url == reverse("governance:inbox")
        notification.refresh_from_db()
        assert notification.read_at is not None

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_another_users_notification_is_not_found(self, personas, client_for, method):
        owner, outsider = personas.a["staff"], personas.a["dsl"]
        notification = notify(user=owner, subject="Yours", email=False)

        url = reverse("governance:notification_detail", args=[notification.pk])
        response = getattr(client_for(outsider), method)(url)

        assert response.status_code == 404
        notification.refresh_from_db()
        assert notification.read_at is None

    def test_signed_out_visitors_are_sent_to_sign_in(self, personas, client):
        notification = notify(user=personas.a["staff"], subject="Yours", email=False)

        for url in (
            reverse("governance:inbox"),
            reverse("governance:notification_detail", args=[notification.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("accounts:login"))

    def test_the_inbox_query_count_does_not_grow_with_the_number_of_notifications(
        self, personas, client_for, django_assert_num_queries
    ):
        owner = personas.a["staff"]
        client = client_for(owner)
        notify(user=owner, subject="First", email=False)
        client.get(reverse("governance:inbox"))  # warm the session and per-user caches

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            assert client.get(reverse("governance:inbox")).status_code == 200
        for index in range(24):
            notify(user=owner, subject=f"Notice {index}", email=False)
        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get(reverse("governance:inbox"))
        assert len(response.context["page"].object_list) == 25
