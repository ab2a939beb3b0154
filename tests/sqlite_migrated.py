"""A SQLite file migrated by ``manage.py migrate`` as ``make run`` does: the database guards of the
embedded default (triggers) are tested on it, not only on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def migrate_sqlite(folder: Path) -> Path:
    """Migrate a fresh SQLite file in ``folder`` in a separate process; returns its path."""
    path = folder / "portal.sqlite3"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_VAR_DIR": str(folder),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v0"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return path
