"""PostgreSQL restarts while the portal, under gunicorn, serves signed-in people and takes reports:
requests during the outage fail cleanly and quickly (the portal's error page, nothing leaked, or a
refused connection), no report is half-saved, and once PostgreSQL is back every request succeeds
again with the same gunicorn processes."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg2
import pytest

from tests.celery_worker import free_port
from tests.factories import PASSWORD
from tests.faults.services import Gunicorn, PostgresCluster, manage

pytestmark = [pytest.mark.slow]

# No request may take longer than this, outage or not: a request that waits on a database that
# has gone is a hang, and a hang is what fills a server's queue.
REQUEST_BOUND = 10.0
BASELINE_SECONDS = 2.0
OUTAGE_SECONDS = 3.0
RECOVERED_SECONDS = 3.0
# After PostgreSQL is back, how long a request that began during the outage may still be answered.
SETTLE_SECONDS = 1.0
ERROR_TITLE = "Sorry, there is a problem with the service"
EMAIL = "staff.restart@test.example"

# The schema by the portal's own migrations, then a school with a member of staff to sign in and
# a Designated Safeguarding Lead to route reports to (one process: Django starts once).
SETUP = f"""
from django.core.management import call_command

from accounts.roles import Role
from tests.factories import SchoolFactory, TrustFactory, person

call_command("migrate", interactive=False, verbosity=0)
school = SchoolFactory(trust=TrustFactory(name="Restart Trust"), name="Restart School")
person(Role.STAFF, school=school, email="{EMAIL}")
person(Role.DSL, school=school)
"""


@dataclass
class Outcome:
    kind: str  # "healthz", "page" or "report"
    started: float
    ended: float
    status: int | None = None
    body: str = ""
    error: str = ""
    tag: str = ""


class Browser:
    """One signed-in person's cookies, sent by plain HTTP requests (each on a new connection)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        # Several threads share one person's cookies.
        self.lock = threading.Lock()

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_BOUND)
        headers = {"Host": "127.0.0.1"}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            with self.lock:
                for header in response.headers.get_all("Set-Cookie") or []:
                    for name, morsel in SimpleCookie(header).items():
                        self.cookies[name] = morsel.value
            return response.status, text, dict(response.headers)
        finally:
            connection.close()

    def sign_in(self) -> None:
        status, page, _ = self.request("GET", "/account/sign-in/")
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, page, headers = self.request(
            "POST",
            "/account/sign-in/",
            {"csrfmiddlewaretoken": token, "username": EMAIL, "password": PASSWORD},
        )
        assert status == 302 and "sessionid" in self.cookies, page[:2000]
        # Signing in rotates the CSRF secret: read the new one for the report form.
        status, page, _ = self.request("GET", "/incidents/report/")
        assert status == 200, page[:500]


def report_form(browser: Browser, tag: str, platform_id: str) -> dict:
    today = time.localtime()
    return {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "kind": "cyberbullying_pupil",
        "immediate_risk": "no",
        "description": f"Load report {tag}",
        "platform": platform_id,
        "urls": "https://www.instagram.com/p/restart/",
        "seen_date_day": str(today.tm_mday),
        "seen_date_month": str(today.tm_mon),
        "seen_date_year": str(today.tm_year),
        "seen_time": "00:01",
    }


@pytest.fixture
def cluster():
    cluster = PostgresCluster.create()
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def portal(cluster, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": cluster.url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on 127.0.0.1: no redirect to https and cookies sent without TLS.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_HSTS_SECONDS": "0",
        # Static files from the source folders, so the test needs no collectstatic.
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PORTAL_PRIVATE_MEDIA": str(tmp_path / "private"),
        "CELERY_BROKER_URL": "filesystem://",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    manage(env, "shell", "-c", SETUP)
    server = Gunicorn(env=env, log_path=tmp_path / "gunicorn.log", port=free_port()).start()
    yield server
    server.stop()


def test_postgres_restart_under_load_fails_cleanly_and_recovers(cluster, portal):
    browser = Browser(portal.port)
    browser.sign_in()
    with psycopg2.connect(cluster.url.replace("postgres://", "postgresql://")) as db, db.cursor() as cursor:
        cursor.execute("SELECT id FROM incidents_platform WHERE name = 'Instagram'")
        platform_id = str(cursor.fetchone()[0])
    db.close()

    outcomes: list[Outcome] = []
    lock = threading.Lock()
    stop = threading.Event()

    def record(kind: str, call, tag: str = "") -> None:
        started = time.monotonic()
        outcome = Outcome(kind=kind, started=started, ended=started, tag=tag)
        try:
            outcome.status, outcome.body, _ = call()
        except OSError as exc:  # refused, reset or timed out: the test tells these apart below
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.ended = time.monotonic()
        with lock:
            outcomes.append(outcome)

    def health_loop():
        anonymous = Browser(portal.port)
        while not stop.is_set():
            record("healthz", lambda: anonymous.request("GET", "/healthz"))
            time.sleep(0.05)

    def page_loop():
        while not stop.is_set():
            record("page", lambda: browser.request("GET", "/inbox/"))
            time.sleep(0.02)

    def report_loop():
        n = 0
        while not stop.is_set():
            tag = f"{n:04d}"
            record(
                "report",
                lambda tag=tag: browser.request(
                    "POST", "/incidents/report/", report_form(browser, tag, platform_id)
                ),
                tag,
            )
            n += 1
            time.sleep(0.05)

    threads = [
        threading.Thread(target=loop, daemon=True)
        for loop in (health_loop, page_loop, page_loop, report_loop)
    ]
    for thread in threads:
        thread.start()
    gunicorn_pid = portal.process.pid

    time.sleep(BASELINE_SECONDS)
    down_from = time.monotonic()
    cluster.stop()
    down = time.monotonic()
    time.sleep(OUTAGE_SECONDS)
    up_from = time.monotonic()
    cluster.start()
    back = time.monotonic()
    time.sleep(RECOVERED_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_BOUND + 5)
    assert not any(thread.is_alive() for thread in threads), "a request never returned"

    def during(start, end):
        return [o for o in outcomes if o.started >= start and o.ended <= end]

    # Nothing hangs, before, during or after.
    slow = [o for o in outcomes if o.ended - o.started >= REQUEST_BOUND or "timed out" in o.error]
    assert not slow, f"requests that hung: {slow[:3]}"

    before = [o for o in outcomes if o.ended < down_from]
    assert before and all(o.status in {200, 302} for o in before), [
        o for o in before if o.status not in {200, 302}
    ]

    outage = during(down, up_from)
    failed = [o for o in outage if o.kind != "healthz"]
    assert failed, "no signed-in request ran while PostgreSQL was down"
    for o in failed:
        if o.error:
            assert "refused" in o.error.lower() or "reset" in o.error.lower(), o.error
            continue
        assert o.status in {500, 503}, (o.kind, o.status, o.body[:300])
        assert ERROR_TITLE in o.body
        for leak in ("Traceback", "psycopg2", "OperationalError", "DATABASE", "SECRET_KEY", cluster.url):
            assert leak not in o.body, f"the error page shows {leak!r}"
    # /healthz is the liveness check of docker-compose and the load balancer: it answers without
    # the database, so a database outage does not get every web container restarted.
    health = [o for o in outage if o.kind == "healthz"]
    assert health and all(o.status == 200 and o.body == "ok" for o in health), health[:3]

    recovered = [o for o in outcomes if o.started >= back + SETTLE_SECONDS]
    assert {o.kind for o in recovered} == {"healthz", "page", "report"}
    bad = [(o.kind, o.status, o.error, o.body[:200]) for o in recovered if o.status not in {200, 302}]
    assert not bad, f"still failing after PostgreSQL came back: {bad[:3]}\n{portal.log_tail()}"
    assert portal.process.poll() is None and portal.process.pid == gunicorn_pid

    # Every report is whole or absent: each saved one has its routing, audit entry and the
    # notification for its handler, all written in one transaction.
    reports = [o for o in outcomes if o.kind == "report"]
    answered = {o.tag for o in reports if o.status == 302}
    with psycopg2.connect(cluster.url.replace("postgres://", "postgresql://")) as db, db.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.description,
                   (SELECT count(*) FROM incidents_incidentevent e WHERE e.incident_id = i.id),
                   (SELECT count(*) FROM governance_auditentry a WHERE a.object_id = i.id::text),
                   (SELECT count(*) FROM governance_notification n WHERE n.subject LIKE '%%' || i.reference)
            FROM incidents_incident i
            """
        )
        rows = cursor.fetchall()
    db.close()
    saved = {description.removeprefix("Load report "): tuple(counts) for description, *counts in rows}
    assert answered <= set(saved), "a report answered as sent is missing"
    assert set(saved) <= {o.tag for o in reports}
    # Reported and routed events, one audit entry, one notification (the school has one DSL).
    halves = {tag: counts for tag, counts in saved.items() if counts != (2, 1, 1)}
    assert not halves, f"reports saved in part: {halves}"
