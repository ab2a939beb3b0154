"""Blocked-content access ending by itself, run by a real Celery worker through Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from approvals.models import BlockedContentRequest, State
from approvals.services.blocked import blocked_filter_record
from approvals.tasks import expire_blocked_content_access
from tests.approvals.helpers import approve_blocked, blocked_request
from tests.celery_worker import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]


def test_the_worker_ends_access_and_emails_the_ict_technician(personas, celery_worker):
    a = personas.a
    ict = a[Role.ICT_TECHNICIAN]
    request = approve_blocked(a, blocked_request(a))
    blocked_filter_record(user=ict, request=request, change="applied")
    # The approved time passes (moved in the database, as the clock would move it).
    BlockedContentRequest.objects.filter(pk=request.pk).update(
        access_ends=timezone.now() - timedelta(minutes=1)
    )

    expire_blocked_content_access.delay()

    detail = wait_until(
        lambda: BlockedContentRequest.objects.filter(pk=request.pk, expired_at__isnull=False).first(),
        timeout=30,
        what=f"the worker to end the access\n{celery_worker.log_tail()}",
    )
    assert detail.request.state == State.APPROVED
    subject = f"Blocked content access {request.reference} has ended: remove the filter change"
    emails = wait_until(
        lambda: [m for m in celery_worker.emails() if f"To: {ict.email}" in m and subject in m],
        timeout=30,
        what=f"the email to the ICT technician\n{celery_worker.log_tail()}",
    )
    assert len(emails) == 1
