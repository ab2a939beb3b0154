"""A private PostgreSQL cluster and a gunicorn portal for fault tests: each test gets its own, so an
outage can be staged without touching the database other tests (and other runs) share."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.celery_worker import file_tail, free_port, stop_process_group, unavailable, wait_until

POSTGRES_USER = "postgres"


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL server's binaries (Debian's layout), or skip/fail."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for candidate in reversed(candidates):
        if all((Path(candidate) / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return Path(candidate)
    found = shutil.which("pg_ctl")
    if found and (Path(found).parent / "initdb").exists():
        return Path(found).parent
    unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    raise AssertionError("unreachable")


@dataclass
class PostgresCluster:
    """A throwaway cluster: initdb into a temporary folder, served on a free port of 127.0.0.1.

    initdb refuses to run as root, so under root (as CI runs) every command runs as the
    ``postgres`` system user, in a folder that user owns.
    """

    bin_dir: Path
    root: Path
    port: int

    @classmethod
    def create(cls) -> PostgresCluster:
        bin_dir = postgres_bin_dir()
        root = Path(tempfile.mkdtemp(prefix="portal-fault-pg-"))
        cluster = cls(bin_dir=bin_dir, root=root, port=free_port())
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam(POSTGRES_USER)
            except KeyError:
                shutil.rmtree(root, ignore_errors=True)
                unavailable(f"running as root needs a '{POSTGRES_USER}' system user for initdb")
            if shutil.which("runuser") is None:
                shutil.rmtree(root, ignore_errors=True)
                unavailable("running as root needs runuser to start PostgreSQL as its own user")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        cluster.run(
            "initdb", "-D", str(cluster.data), "-U", POSTGRES_USER, "-A", "trust", "-E", "UTF8", "--no-sync",
            "--no-instructions",
        )  # fmt: skip
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {cluster.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{cluster.root}'\n"
                # A test cluster: nothing here must survive a power cut, so nothing waits on disk.
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 40\nshared_buffers = 32MB\n"
            )
        return cluster

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://{POSTGRES_USER}@127.0.0.1:{self.port}/portal"

    def run(self, program: str, *args: str, timeout: float = 60) -> str:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", POSTGRES_USER, "--", *command]
        result = subprocess.run(  # noqa: S603 - fixed binaries, arguments built here
            command, capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "30", "start"
        )

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut off, as in a failover or a restart for an upgrade."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def running(self) -> bool:
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "status"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", POSTGRES_USER, "--", *command]
        return subprocess.run(command, capture_output=True, timeout=10).returncode == 0  # noqa: S603

    def create_database(self, name: str = "portal") -> None:
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", POSTGRES_USER, name)

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def manage(env: dict, *args: str, timeout: float = 120) -> str:
    """Run a manage.py command of the portal in a subprocess with this environment."""
    from django.conf import settings

    result = subprocess.run(  # noqa: S603 - the portal's own manage.py
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Gunicorn:
    """The portal served by gunicorn as the Dockerfile runs it (sync workers), on a free port of
    127.0.0.1."""

    env: dict
    log_path: Path
    port: int
    workers: int = 3
    process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        from django.conf import settings

        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn) if gunicorn.exists() else "gunicorn", "portal.wsgi",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--max-requests", "1000", "--max-requests-jitter", "100", "--timeout", "60",
            "--graceful-timeout", "5",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the portal's own server
                command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self.answering, timeout=30, what="gunicorn to answer /healthz", details=self.log_tail)
        return self

    def answering(self) -> bool:
        import http.client

        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def stop(self) -> None:
        stop_process_group(self.process, 10)

    def log_tail(self, lines: int = 60) -> str:
        return file_tail(self.log_path, lines)
