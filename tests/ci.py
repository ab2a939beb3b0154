"""CI's no-skip rule, in one place: is this run under CI, and what a test does when something it
needs (a service, the browser, a command-line tool) is missing.

Plain standard library at import, so scripts/check-services can use it before pytest starts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

# CI services set CI to "true", but "1", "yes" and "on" are as common (and tox, make and shells
# pass through whatever the job set): any of them, in any case, means CI.
TRUTHY = frozenset({"1", "true", "yes", "on"})


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when the CI environment variable is set to 1, true, yes or on (any case)."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() in TRUTHY


def unavailable(reason: str) -> None:
    """Skip the test on a developer's machine; fail it under CI (where everything must be there)."""
    import pytest

    if in_ci():
        pytest.fail(f"{reason} (under CI every service and tool the tests need must be there)")
    pytest.skip(reason)


def required_tool(name: str, package: str) -> str:
    """The path of a command-line tool a test needs; without it the test skips (fails under CI)."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed ({package}; scripts/install-system-deps --test)")
    return path
