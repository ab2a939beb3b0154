"""Whether the deadlines are being chased: the status page for the trust administrator and the
trust safeguarding lead, the figures of /healthz/deadlines, the Prometheus metrics, and the check
that tells the trust administrators when the escalation sweep has stalled (core.heartbeat).

Every process that looks (this page, /healthz/deadlines, each worker's own check) runs the same
check; the once-only claim makes the first to notice a stall the one that sends the email."""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from accounts import access
from accounts.roles import Action
from core.heartbeat import OperationsStatus, operations_status, stall_alert_send

log = logging.getLogger(__name__)

# The job whose stall is alerted: the takedown escalation ladder (beat runs it every five minutes;
# the name is the task's, incidents.tasks, which this top layer does not import).
SWEEP_TASK = "incidents.tasks.escalate_takedowns"


def stall_after() -> timedelta:
    """How long the sweep may go without running before it counts as stalled."""
    return timedelta(minutes=settings.PORTAL_SWEEP_STALL_MINUTES)


def stall_alert_recipients() -> list:
    """The trust administrators of every trust on this portal (the sweep serves them all)."""
    return list(access.trust_administrators())


def operations_check(*, school_ids=None) -> OperationsStatus:
    """The figures now (in ``school_ids``, every school when None), telling the trust
    administrators once if the sweep has stalled."""
    status = operations_status(job=SWEEP_TASK, stall_after=stall_after(), school_ids=school_ids)
    if status.stalled:
        stall_alert_send(status=status, recipients=stall_alert_recipients(), link=reverse("operations"))
    return status


@require_GET
@access.require(Action.VIEW_OPERATIONS)
def operations_page(request):
    """The status page: the sweep's last run (red when stalled), overdue deadlines, the outbox."""
    status = operations_check(school_ids=access.schools_for(request.user, Action.VIEW_OPERATIONS))
    return render(request, "governance/operations.html", {"status": status})


@never_cache
@require_GET
def healthz_deadlines(request):
    """The figures as JSON for monitoring; 503 while the database does not answer."""
    try:
        status = operations_check()
    except DatabaseError as exc:
        log.warning("/healthz/deadlines: the database did not answer: %s", exc)
        return JsonResponse({"status": "database_unavailable"}, status=503)
    return JsonResponse(status.as_json())


class _StatusCollector:
    """Reads the figures afresh at each scrape."""

    def collect(self):
        status = operations_check()
        last_run = status.job_last_run.timestamp() if status.job_last_run else 0
        yield GaugeMetricFamily(
            "portal_escalation_sweep_last_run_timestamp_seconds",
            "When the takedown escalation sweep last ran (Unix time; 0 if never).",
            value=last_run,
        )
        yield GaugeMetricFamily(
            "portal_escalation_sweep_stalled",
            "1 if the escalation sweep has not run within the stall limit.",
            value=int(status.stalled),
        )
        for name, seen, what in (
            ("portal_beat_last_seen_timestamp_seconds", status.beat_last_seen, "Celery beat"),
            ("portal_worker_last_seen_timestamp_seconds", status.worker_last_seen, "any Celery worker"),
        ):
            yield GaugeMetricFamily(
                name,
                f"When {what} last reported in (Unix time; 0 if never).",
                value=seen.timestamp() if seen else 0,
            )
        overdue = GaugeMetricFamily(
            "portal_overdue_deadlines", "Deadlines passed and not met, by kind.", labels=["kind"]
        )
        for item in status.overdue:
            overdue.add_metric([item.key], item.count)
        yield overdue
        yield GaugeMetricFamily(
            "portal_notifications_waiting",
            "Emails waiting in the outbox.",
            value=status.pending_notifications,
        )
        age = status.oldest_pending_age
        yield GaugeMetricFamily(
            "portal_notifications_oldest_waiting_seconds",
            "How long the oldest waiting email has waited (0 if none).",
            value=age.total_seconds() if age is not None else 0,
        )


def _token_matches(request) -> bool:
    """Does the request carry the metrics token (compared in constant time)?"""
    expected = settings.PORTAL_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.encode(), expected.encode())
    )


@never_cache
@require_GET
def operations_metrics(request):
    """The figures in Prometheus's text format, for a scraper holding the metrics token. With no
    token configured the endpoint does not exist; a wrong or missing token is told nothing more."""
    if not settings.PORTAL_METRICS_TOKEN:
        raise Http404
    if not _token_matches(request):
        response = HttpResponse("A valid metrics token is needed.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StatusCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
