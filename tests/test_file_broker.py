"""The embedded file broker keeps every file it writes under the portal's var/ folder."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PUBLISH = """
import django
django.setup()
from portal.celery import app
app.send_task("core.tasks.relay_pending_notifications")
"""


def test_publishing_writes_nothing_in_the_working_directory(tmp_path):
    """Sending a task declares its exchange; the exchange table goes to var/celery, not ./control.

    gunicorn and Celery run from the code's folder, which the production image makes read-only.
    """
    var = tmp_path / "var"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "true",
        "PORTAL_VAR_DIR": str(var),
        "CELERY_BROKER_URL": "filesystem://",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("CELERY_BROKER_FOLDER", None)
    subprocess.run([sys.executable, "-c", PUBLISH], cwd=cwd, env=env, check=True, timeout=60)

    assert list(cwd.iterdir()) == []
    assert (var / "celery" / "control" / "celery.exchange").exists()
    assert len(list((var / "celery" / "queue").iterdir())) == 1
