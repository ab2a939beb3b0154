"""Timing the main pages and jobs on the seeded trust, each beside a floor.

Pages are requested in-process with ``django.test.Client``, signed in as the person who uses them and
past two-factor, so the whole middleware stack runs (sessions, authentication, OTP, audit context,
session lifetime, CSP). Each result is the server time of a request: median and 95th percentile
over ``repeat`` runs after ``warmup`` untimed ones, and the number of SQL queries of one more run.

The floor is a view that fetches one school by primary key, served by the same client through the
same stack from a benchmark-only URLconf (benchmarks.urls); one floor request is timed before
each timed run, so a slow moment of a shared machine slows both. A result is read as its ratio to
the floor.

Jobs are called as their tasks call them. The escalation sweep runs with the open takedowns set at
fixed ladder stages (incident_data.LADDER): a sweep with rungs due, then straight after it a sweep with
nothing due; the rungs sent are deleted after each pair so every run faces the same work. The MIS
import (preview, then apply) runs inside a transaction that is rolled back, so the data set stays
the same from run to run: the batches' commits become savepoints.

Something taking seconds a run (a long PDF, the import) is timed fewer times, so the whole run stays
within minutes; each result records its number of runs.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import ImportRun, Membership, ParentLink, Pupil, School, Trust, User
from accounts.roles import Action, Role
from approvals.models import ApprovalRequest, State
from benchmarks import incident_data, mis_export, seed
from consent.models import Event, Purpose
from consent.selectors import current_academic_year
from core.models import Notification
from governance.models import TrusteeReport
from incidents.models import Incident, IncidentPerson, TakedownNotice
from incidents.services.escalation import takedown_escalation_sweep

PAGE_TARGET_MS = 150.0
SWEEP_TARGET_MS = 1000.0
IMPORT_TARGET_S = 120.0
CHECK_PUPILS = 30
# The time one measurement may take at most (roughly), and the fewest timed runs it then gets.
SLOW_BUDGET_S = 60.0
MIN_RUNS = 3


class BenchError(RuntimeError):
    """A measured request did not give the page it should (a wrong status means a wrong figure)."""


@dataclass
class Result:
    """One measurement: a row of the printed table and an object of docs/bench.json."""

    name: str
    p50_ms: float
    p95_ms: float
    queries: int
    floor_ms: float
    target: str
    met: bool
    rows: int | None = None
    note: str = ""
    runs: int = 0

    @property
    def ratio(self) -> float:
        return self.p50_ms / self.floor_ms if self.floor_ms else 0.0


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least this share of values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def signed_in(user: User) -> Client:
    """A client signed in as the user and past two-factor (as tests/conftest.py signs in)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _holder(trust: Trust, role: str, school: School | None = None) -> User:
    """The first person (by email) holding a role in the trust, or in one school."""
    memberships = Membership.objects.filter(trust=trust, role=role)
    if school is not None:
        memberships = memberships.filter(school=school)
    user = User.objects.filter(pk__in=memberships.values("user_id")).order_by("email").first()
    if user is None:
        raise BenchError(f"The seeded trust has nobody with the role {role}.")
    return user


@dataclass
class Subjects:
    """Who and what each measurement is about, picked from the seeded data."""

    trust: Trust
    school: School  # the school with the most incidents
    first_school: School  # the one seeded with approvals
    pupil: Pupil  # of that school, named in the most incidents
    pupil_incidents: int
    check_names: list[str] = field(default_factory=list)
    parent: User | None = None
    children: int = 0


def pick_subjects(trust: Trust) -> Subjects:
    """The busiest school, its most-named pupil, thirty of its pupils and a parent of several."""
    busiest = (
        Incident.objects.filter(school__trust=trust)
        .values("school_id")
        .annotate(n=Count("id"))
        .order_by("-n", "school_id")
        .first()
    )
    school = School.objects.get(pk=busiest["school_id"])
    named = (
        IncidentPerson.objects.filter(pupil__school=school, incident__handler_action=Action.TRIAGE_INCIDENTS)
        .values("pupil_id")
        .annotate(n=Count("incident_id", distinct=True))
        .order_by("-n", "pupil_id")
        .first()
    )
    pupil = Pupil.objects.select_related("school").get(pk=named["pupil_id"])
    # Thirty pupils with names no other pupil of the school shares, so the check finds exactly them.
    pupils = list(Pupil.objects.filter(school=school, is_active=True).order_by("mis_id"))
    counts: dict[str, int] = {}
    for p in pupils:
        counts[p.full_name.lower()] = counts.get(p.full_name.lower(), 0) + 1
    step = max(1, len(pupils) // (CHECK_PUPILS * 2))
    names = [p.full_name for p in pupils[::step] if counts[p.full_name.lower()] == 1][:CHECK_PUPILS]
    parent_row = (
        ParentLink.objects.filter(pupil__school=school, parental_responsibility=True)
        .values("parent_id")
        .annotate(n=Count("pupil_id"))
        .order_by("-n", "parent_id")
        .first()
    )
    return Subjects(
        trust=trust,
        school=school,
        first_school=trust.schools.order_by("urn").first(),
        pupil=pupil,
        pupil_incidents=named["n"],
        check_names=names,
        parent=User.objects.get(pk=parent_row["parent_id"]),
        children=parent_row["n"],
    )


@contextmanager
def in_memory_broker() -> Iterator[None]:
    """With the default file broker, queue what the measured jobs enqueue (the emails of the sweep's
    notifications, deleted after each run) in memory instead: thousands of files for deliveries
    that no longer exist would otherwise wait in var/celery for the next worker. A configured broker
    (Redis) is used as it is."""
    from portal.celery import app

    previous = str(app.conf.broker_url or "")
    if not previous.startswith("filesystem://"):
        yield
        return
    app.conf.broker_url = "memory://"
    app._pool = None  # producers made for the file broker are not reused
    try:
        yield
    finally:
        app.conf.broker_url = previous
        app._pool = None


class Bench:
    """Runs every measurement and collects the results."""

    def __init__(
        self,
        *,
        trust: Trust,
        sizes: seed.Sizes,
        repeat: int,
        warmup: int,
        import_repeat: int,
        only: list[str],
        stdout,
    ) -> None:
        self.trust = trust
        self.sizes = sizes
        self.repeat = repeat
        self.warmup = warmup
        self.import_repeat = import_repeat
        self.only = only
        self.stdout = stdout
        self.results: list[Result] = []
        self.clients: dict[object, Client] = {}

    # --- the harness ------------------------------------------------------------------------

    def client(self, user: User) -> Client:
        if user.pk not in self.clients:
            self.clients[user.pk] = signed_in(user)
        return self.clients[user.pk]

    def wanted(self, name: str) -> bool:
        return not self.only or any(word in name.lower() for word in self.only)

    def floor(self, client: Client) -> float:
        """One timed request of the floor view through the same client and stack."""
        started = time.perf_counter()
        response = client.get(self.floor_url, secure=True)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(f"The floor view answered {response.status_code}.")
        return elapsed

    def measure(
        self,
        name: str,
        action: Callable[[], object],
        *,
        client: Client,
        target_ms: float,
        reset: Callable[[], None] | None = None,
        repeat: int | None = None,
        warmup: int | None = None,
        rows: int | None = None,
        note: str = "",
    ) -> Result | None:
        """Time an action ``repeat`` times after warm-up, a floor request before each, and count the
        queries of one more run."""
        if not self.wanted(name):
            return None
        repeat = self.repeat if repeat is None else repeat
        warmup = self.warmup if warmup is None else warmup

        def fewer_if_slow(seconds: float) -> int:
            # Something taking seconds a run is timed fewer times (at least MIN_RUNS), so the whole
            # benchmark stays within minutes; the number of runs is recorded with the result.
            if seconds * repeat > SLOW_BUDGET_S:
                return min(repeat, max(MIN_RUNS, int(SLOW_BUDGET_S / seconds)))
            return repeat

        for index in range(warmup):
            started = time.perf_counter()
            action()
            elapsed = time.perf_counter() - started
            if reset:
                reset()
            if index == 0 and fewer_if_slow(elapsed) < repeat:
                repeat = fewer_if_slow(elapsed)
                break
        times, floors = [], []
        while len(times) < repeat:
            floors.append(self.floor(client))
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
            if reset:
                reset()
            if len(times) == 1 and not warmup:
                repeat = fewer_if_slow(times[0])
        with CaptureQueriesContext(connection) as captured:
            action()
        if reset:
            reset()
        p95 = percentile(times, 0.95) * 1000
        result = Result(
            name=name,
            p50_ms=round(statistics.median(times) * 1000, 2),
            p95_ms=round(p95, 2),
            queries=len(captured),
            floor_ms=round(statistics.median(floors) * 1000, 2),
            target=f"p95 < {target_ms:,.0f} ms",
            met=p95 < target_ms,
            rows=rows,
            note=note,
            runs=repeat,
        )
        self.results.append(result)
        self.stdout.write(
            f"  {name}: p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, {result.queries} queries"
        )
        return result

    def page(
        self,
        name: str,
        user: User,
        url: str,
        *,
        method: str = "get",
        data=None,
        status: int = 200,
        pdf: bool = False,
        reset=None,
        rows: int | None = None,
        note: str = "",
    ) -> Result | None:
        """Measure one page (or PDF) as the user."""
        client = self.client(user)

        def request():
            response = getattr(client, method)(url, data=data, secure=True)
            if response.status_code != status:
                raise BenchError(
                    f"{name}: {method.upper()} {url} answered {response.status_code}, not {status}."
                )
            if pdf and response["Content-Type"] != "application/pdf":
                raise BenchError(f"{name}: {url} did not answer with a PDF.")
            return response

        return self.measure(
            name, request, client=client, target_ms=PAGE_TARGET_MS, reset=reset, rows=rows, note=note
        )

    # --- the measurements -------------------------------------------------------------------

    def run(self) -> list[Result]:
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with (
            override_settings(ROOT_URLCONF="benchmarks.urls", ALLOWED_HOSTS=hosts),
            in_memory_broker(),
        ):
            self.floor_url = (
                f"{reverse('bench_floor')}?school={self.trust.schools.order_by('urn').first().pk}"
            )
            subjects = pick_subjects(self.trust)
            self.stdout.write(
                f"Measuring in {subjects.school} and across {self.trust}: {self.repeat} runs after "
                f"{self.warmup} warm-up runs each."
            )
            self.pages(subjects)
            self.sweep()
            self.pdfs(subjects)
            self.mis_import()
        return self.results

    def pages(self, s: Subjects) -> None:
        t, school = self.trust, s.school
        dsl = _holder(t, Role.DSL, school)
        self.page("DSL queue (one school)", dsl, reverse("incidents:queue"))
        self.page(
            "Trust safeguarding lead queue (all schools)",
            _holder(t, Role.TRUST_SAFEGUARDING_LEAD),
            reverse("incidents:queue"),
        )
        self.page(
            "Pupil chronology",
            dsl,
            reverse("incidents:chronology", args=[s.pupil.pk]),
            rows=s.pupil_incidents,
            note=f"a pupil named in {s.pupil_incidents} incidents",
        )
        query = {"names": ", ".join(s.check_names), "purpose": Purpose.SCHOOL_SOCIAL_MEDIA}
        self.page(
            f"Consent check ({len(s.check_names)} pupils)",
            _holder(t, Role.MARKETING_OFFICER, school),
            reverse("consent:check"),
            data=query,
            rows=len(s.check_names),
        )
        self.page(
            "Parent's consent page",
            s.parent,
            reverse("consent:parent"),
            rows=s.children,
            note=f"a parent of {s.children} children",
        )
        self.page("Trust dashboard", _holder(t, Role.CEO), reverse("governance:dashboard"))

    def sweep(self) -> None:
        """The escalation sweep with rungs due, then with nothing due (see the module docstring)."""
        if not (self.wanted("escalation") or self.wanted("sweep")):
            return
        client = self.client(_holder(self.trust, Role.TRUST_ADMINISTRATOR))
        stages = incident_data.align_takedown_ladder(self.trust, timezone.now())
        outcome: dict[str, int] = {}

        def due_sweep():
            outcome["notice_mark"] = (
                TakedownNotice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            )
            outcome["started"] = timezone.now()
            outcome["sent"] = takedown_escalation_sweep()
            outcome["notices"] = TakedownNotice.objects.filter(pk__gt=outcome["notice_mark"]).count()
            outcome["notifications"] = Notification.objects.filter(
                created_at__gte=outcome["started"], subject__startswith="Takedown"
            ).count()

        def idle_sweep():
            outcome["idle_sent"] = takedown_escalation_sweep()

        def undo():
            TakedownNotice.objects.filter(pk__gt=outcome["notice_mark"]).delete()
            Notification.objects.filter(
                created_at__gte=outcome["started"], subject__startswith="Takedown"
            ).delete()

        # A pair is one sweep with work and one right after it with none; the pair is then undone.
        times_due, times_idle, floors = [], [], []
        counts: dict[str, int] = {}
        for index in range(self.warmup + self.repeat + 1):
            measured = self.warmup <= index < self.warmup + self.repeat
            last = index == self.warmup + self.repeat
            floor = self.floor(client) if measured else 0.0
            with CaptureQueriesContext(connection) as due_queries:
                started = time.perf_counter()
                due_sweep()
                due_time = time.perf_counter() - started
            with CaptureQueriesContext(connection) as idle_queries:
                started = time.perf_counter()
                idle_sweep()
                idle_time = time.perf_counter() - started
            undo()
            if measured:
                floors.append(floor)
                times_due.append(due_time)
                times_idle.append(idle_time)
            if last:
                # The counting queries of due_sweep (three) are the benchmark's, not the sweep's.
                counts = {"due": len(due_queries) - 3, "idle": len(idle_queries)}
        floor_ms = round(statistics.median(floors) * 1000, 2)
        for label, times, queries, note in (
            (
                "with rungs due",
                times_due,
                counts["due"],
                f"{stages['open']} open takedowns, {stages['due']} due: {outcome['sent']} escalated, "
                f"{outcome['notices']} notices and {outcome['notifications']} notifications written",
            ),
            (
                "with nothing due",
                times_idle,
                counts["idle"],
                f"straight after a sweep: {outcome['idle_sent']} escalated",
            ),
        ):
            p95 = percentile(times, 0.95) * 1000
            touched = outcome["sent"] if label == "with rungs due" else outcome["idle_sent"]
            expected = stages["due"] if label == "with rungs due" else 0
            result = Result(
                name=f"Takedown escalation sweep {label}",
                p50_ms=round(statistics.median(times) * 1000, 2),
                p95_ms=round(p95, 2),
                queries=queries,
                floor_ms=floor_ms,
                target=f"p95 < {SWEEP_TARGET_MS:,.0f} ms, only the {expected} due",
                met=p95 < SWEEP_TARGET_MS and touched == expected,
                rows=touched,
                note=note,
                runs=len(times),
            )
            self.results.append(result)
            self.stdout.write(
                f"  {result.name}: p50 {result.p50_ms:.1f} ms, {queries} queries, {touched} escalated"
            )

    def pdfs(self, s: Subjects) -> None:
        t, school = self.trust, s.school
        dsl = _holder(t, Role.DSL, school)
        self.page(
            "PDF: incident chronology",
            dsl,
            reverse("incidents:chronology_pdf", args=[s.pupil.pk]),
            pdf=True,
            rows=s.pupil_incidents,
        )
        year_start = timezone.localdate().replace(month=9, day=1)
        if year_start > timezone.localdate():
            year_start = year_start.replace(year=year_start.year - 1)
        start, end = year_start.replace(year=year_start.year - 1), timezone.localdate()
        period = {
            "date_from_day": start.day,
            "date_from_month": start.month,
            "date_from_year": start.year,
            "date_to_day": end.day,
            "date_to_month": end.month,
            "date_to_year": end.year,
        }
        self.page(
            "PDF: inspection pack (one school, a year and more)",
            dsl,
            reverse("incidents:inspection_pack"),
            data=period,
            pdf=True,
        )
        officer = _holder(t, Role.MARKETING_OFFICER, school)
        self.page(
            "PDF: consent register (one school)",
            officer,
            reverse("consent:register_pdf"),
            data={"academic_year": current_academic_year()},
            pdf=True,
        )
        event = Event.objects.filter(trust=t).order_by("created_at").first()
        self.page(
            "PDF: event briefing",
            _holder(t, Role.DIRECTOR_OF_MARKETING),
            reverse("consent:event_briefing", args=[event.pk]),
            pdf=True,
            rows=event.pupils.count(),
        )
        first = s.first_school
        head = _holder(t, Role.HEADTEACHER, first)
        request = (
            ApprovalRequest.objects.filter(school=first, state=State.APPROVED).order_by("created_at").first()
        )
        if request is None:
            raise BenchError("The seeded trust has no approved request to print.")
        self.page("PDF: approval request", head, reverse("approvals:pdf", args=[request.pk]), pdf=True)
        self.page("PDF: filtering review", head, reverse("approvals:filtering_review_pdf"), pdf=True)
        chair = _holder(t, Role.CHAIR_OF_TRUSTEES)
        self.page(
            "PDF: trustee report (generated)",
            chair,
            reverse("governance:trustee_report_generate"),
            method="post",
            status=302,
            reset=self._forget_trustee_reports,
            note="POST that renders and stores the termly PDF",
        )
        dpo = _holder(t, Role.DATA_PROTECTION_OFFICER)
        self.page(
            "PDF: subject access", dpo, reverse("governance:subject_access_pdf", args=[s.pupil.pk]), pdf=True
        )

    def _forget_trustee_reports(self) -> None:
        """Remove the reports a measured run generated (and their files)."""
        for report in TrusteeReport.objects.filter(trust=self.trust, scheduled=False):
            report.file.delete(save=False)
            report.delete()

    def mis_import(self) -> None:
        """An MIS export of ``import_rows`` pupils previewed and applied into a school of the trust."""
        if not (self.wanted("import") or self.wanted("mis")):
            return
        admin = _holder(self.trust, Role.TRUST_ADMINISTRATOR)
        client = self.client(admin)
        school = self.trust.schools.order_by("urn").last()
        text = mis_export.export(self.sizes.import_rows)
        previews, applies, floors = [], [], []
        queries: dict[str, int] = {}
        counts: dict = {}
        for _ in range(self.import_repeat):
            floors.append(self.floor(client))
            run = ImportRun(school=school, uploaded_by=admin, original_name="mis-export.csv")
            run.file.save(f"{run.pk}.csv", ContentFile(text.encode()), save=False)
            try:
                with transaction.atomic():
                    run.save()
                    preview_s, preview_q, apply_s, apply_q, result = self._import_once(run, admin)
                    transaction.set_rollback(True)
            finally:
                run.file.delete(save=False)
            previews.append(preview_s)
            applies.append(apply_s)
            queries = {"preview": preview_q, "apply": apply_q}
            counts = result
        floor_ms = round(statistics.median(floors) * 1000, 2)
        c = counts.get("counts", {})
        note = (
            f"{c.get('pupils_created', 0):,} pupils, {c.get('parents_created', 0):,} parents and "
            f"{c.get('links_created', 0):,} links created, {c.get('rejected', 0)} rejected; rolled back after"
        )
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in counts.get("seconds", {}).items())
        for label, times, target in (
            ("preview", previews, None),
            ("apply", applies, IMPORT_TARGET_S),
            ("preview + apply", [p + a for p, a in zip(previews, applies, strict=True)], IMPORT_TARGET_S),
        ):
            p95 = percentile(times, 0.95)
            result = Result(
                name=f"MIS import of {self.sizes.import_rows:,} rows: {label}",
                p50_ms=round(statistics.median(times) * 1000, 1),
                p95_ms=round(p95 * 1000, 1),
                queries=queries.get(label, queries["preview"] + queries["apply"]),
                floor_ms=floor_ms,
                target=f"< {target:,.0f} s" if target else "(part of the total)",
                met=p95 < target if target else True,
                rows=self.sizes.import_rows,
                note=note + (f"; stages: {stages}" if label == "apply" and stages else ""),
                runs=len(times),
            )
            self.results.append(result)
            self.stdout.write(f"  {result.name}: {result.p50_ms / 1000:.1f} s, {result.queries} queries")

    def _import_once(self, run: ImportRun, admin: User):
        from accounts.mis_import import import_run_apply, import_run_preview

        with CaptureQueriesContext(connection) as preview_queries:
            started = time.perf_counter()
            import_run_preview(run_id=run.pk)
            preview_s = time.perf_counter() - started
        run.refresh_from_db()
        if run.status != ImportRun.Status.PREVIEWED:
            raise BenchError(f"The MIS import preview failed: {run.error}")
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.APPLYING, applied_by=admin)
        with CaptureQueriesContext(connection) as apply_queries:
            started = time.perf_counter()
            import_run_apply(run_id=run.pk)
            apply_s = time.perf_counter() - started
        run.refresh_from_db()
        if run.status != ImportRun.Status.APPLIED:
            raise BenchError(f"The MIS import failed: {run.error}")
        return preview_s, len(preview_queries), apply_s, len(apply_queries), run.result
