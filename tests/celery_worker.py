"""Pytest plugin: real Celery workers for tests marked ``celery_worker``, and CI's no-skip rule.

Loaded by ``pytest_plugins = ["tests.celery_worker"]`` in tests/conftest.py.

A worker here is a separate ``celery worker`` process reading the same test database as the test
process, taking tasks from a real Redis and writing its email to files, so a test sees what a
deployment would: a row committed by one process and acted on by another.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.ci import in_ci, unavailable

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


# --- CI: a test that cannot run is a failure, not a skip -------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (tests.ci.in_ci) turn every skip (missing Redis, PostgreSQL, Chromium…) into a failure."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI, which allows no skips: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """Under CI a module that skips itself at import (``allow_module_level``) fails too."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI, which allows no skips: {reason}"


# --- Small helpers ---------------------------------------------------------------------------


def wait_until(
    predicate: Callable[[], object],
    *,
    timeout: float,
    what: str,
    details: Callable[[], str] | None = None,
    interval: float = 0.1,
):
    """Poll ``predicate`` until it returns something truthy; at the deadline fail, naming ``what``
    and adding ``details()`` (a worker's log, say)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            extra = f"\n{details()}" if details else ""
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}{extra}")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_group(process: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM a process started in its own group and wait for it; SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def file_tail(path: Path, lines: int) -> str:
    """The last lines of a log file (for failure messages); empty if it is not there yet."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def redis_reachable(url: str, timeout: float = 1.0) -> bool:
    """True if a Redis server answers PING at the URL."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except redis.RedisError:
        return False


def database_url(db: dict) -> str:
    """A DATABASE_URL for Django database settings (the test database, once it exists)."""
    engine = db["ENGINE"]
    if "postgresql" not in engine:
        raise RuntimeError(f"A worker process needs a shared PostgreSQL test database, not {engine}")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def celery_app():
    """The portal's Celery application (imported late: Django must be set up first)."""
    from portal.celery import app

    return app


def point_app_at_broker(url: str) -> None:
    """Make the test process publish to another broker, dropping cached connections to the old."""
    from kombu import pools

    app = celery_app()
    # Celery caches one connection pool and one producer pool per app; both must be rebuilt
    # for a new broker URL to take effect.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    os.environ["CELERY_BROKER_URL"] = url


def purge_queue() -> None:
    """Empty the queue on the app's broker so no earlier run's message reaches a new worker."""
    celery_app().control.purge()


# --- Processes -------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A private redis-server on its own port, so an outage can be staged without touching the
    shared one."""

    port: int
    workdir: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start (or restart) the server on the same port and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: redis_reachable(self.url, 0.2), timeout=15, what=f"redis-server on {self.port}")
        return self

    def stop(self) -> None:
        """Stop the server and wait until its port refuses connections."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@dataclass
class WorkerProcess:
    """One ``celery worker`` subprocess and where it writes its email and log."""

    broker_url: str
    env: dict
    mail_dir: Path
    log_path: Path
    nodename: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:8]}@localhost")
    process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        """Start the worker and wait until it answers a ping through the broker."""
        celery = Path(sys.executable).with_name("celery")
        command = [
            str(celery) if celery.exists() else "celery",
            "-A", "portal", "worker",
            "--pool=solo", "-Q", "celery", "-n", self.nodename,
            "--without-heartbeat", "--without-gossip", "--without-mingle",
            "-l", "warning",
        ]  # fmt: skip
        from django.conf import settings

        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        app = celery_app()
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {self.process.returncode}:\n{self.log_tail()}")
            if app.control.ping(destination=[self.nodename], timeout=0.5):
                return self
        self.stop()
        pytest.fail(f"The Celery worker did not answer a ping in {READY_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Warm shutdown (finish the current task), then kill if it lingers."""
        stop_process_group(self.process, STOP_TIMEOUT)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the worker printed (for failure messages)."""
        return file_tail(self.log_path, lines)

    def emails(self) -> list[str]:
        """Every message the worker has written to its mail folder, oldest first."""
        if not self.mail_dir.exists():
            return []
        return [
            path.read_text(errors="replace") for path in sorted(self.mail_dir.iterdir()) if path.is_file()
        ]


@dataclass
class WorkerFactory:
    """Starts workers against the test database; stops all of them at the end of the test."""

    tmp_path: Path
    database_url: str
    workers: list[WorkerProcess] = field(default_factory=list)

    def __call__(self, *, broker_url: str) -> WorkerProcess:
        """Start one more worker taking tasks from ``broker_url``."""
        index = len(self.workers)
        mail_dir = self.tmp_path / f"worker-{index}-mail"
        mail_dir.mkdir()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings_test",
            "DATABASE_URL": self.database_url,
            # Connections are opened per task and closed after it: the test database must be
            # free of this worker's sessions when pytest-django drops it.
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
            "PYTHONUNBUFFERED": "1",
        }
        # The test process publishes (and pings) where its newest worker listens.
        point_app_at_broker(broker_url)
        worker = WorkerProcess(
            broker_url=broker_url, env=env, mail_dir=mail_dir, log_path=self.tmp_path / f"worker-{index}.log"
        )
        self.workers.append(worker)
        return worker.start()

    def stop_all(self) -> None:
        """Stop every worker this factory started."""
        for worker in self.workers:
            worker.stop()


# --- Fixtures --------------------------------------------------------------------------------


def pytest_configure(config):
    """Register the marker (also declared in pyproject.toml, for --strict-markers)."""
    config.addinivalue_line("markers", "celery_worker: runs a real Celery worker through Redis")


@pytest.fixture
def celery_broker_url() -> str:
    """The shared Redis broker of the test run (CELERY_BROKER_URL); skip or fail if it is down."""
    from django.conf import settings

    url = os.environ.get("CELERY_BROKER_URL") or settings.CELERY_BROKER_URL
    if urlsplit(url).scheme not in {"redis", "rediss"}:
        unavailable(f"real-worker tests need a Redis broker, not {url}")
    if not redis_reachable(url):
        unavailable(f"Redis is not reachable at {url}")
    return url


@pytest.fixture
def celery_not_eager(settings) -> Iterator[None]:
    """Tasks go through the broker, not run in the test process (undone after the test)."""
    app = celery_app()
    eager, broker_url = app.conf.task_always_eager, app.conf.broker_url
    environ_url = os.environ.get("CELERY_BROKER_URL")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield
    point_app_at_broker(broker_url)
    if environ_url is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = environ_url
    app.conf.task_always_eager = eager


@pytest.fixture
def celery_workers(request, django_db_setup, celery_not_eager, tmp_path) -> Iterator[WorkerFactory]:
    """Start workers on any broker (``celery_workers(broker_url=…)``); all stopped after the test."""
    if request.node.get_closest_marker("celery_worker") is None:
        pytest.fail("Tests that start a Celery worker must be marked @pytest.mark.celery_worker")
    from django.db import connection

    factory = WorkerFactory(tmp_path=tmp_path, database_url=database_url(connection.settings_dict))
    yield factory
    factory.stop_all()


@pytest.fixture
def celery_worker(celery_workers, celery_broker_url) -> WorkerProcess:
    """One real worker on the shared Redis, its queue emptied first; the test process publishes
    there too."""
    point_app_at_broker(celery_broker_url)
    purge_queue()
    return celery_workers(broker_url=celery_broker_url)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    """A redis-server of this test's own on a free port (stopped after the test)."""
    server = RedisServer(port=free_port(), workdir=tmp_path).start()
    yield server
    server.stop()
