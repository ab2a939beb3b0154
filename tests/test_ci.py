"""CI's no-skip rule: every usual way of saying "this is CI" turns a skip into a failure."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci import in_ci, required_tool, unavailable

CHECK_SERVICES = Path(__file__).resolve().parents[1] / "scripts" / "check-services"


@pytest.mark.parametrize("value", ["1", "true", "True", "TRUE", "yes", "Yes", "on", "ON", " true\n"])
def test_a_truthy_ci_value_means_ci(value):
    assert in_ci({"CI": value})


@pytest.mark.parametrize("value", ["", "0", "false", "False", "no", "off", "2", "y", "truthy"])
def test_anything_else_is_not_ci(value):
    assert not in_ci({"CI": value})


def test_no_ci_variable_is_not_ci():
    assert not in_ci({})


def test_the_environment_is_read_when_no_mapping_is_given(monkeypatch):
    monkeypatch.setenv("CI", "Yes")
    assert in_ci()
    monkeypatch.delenv("CI")
    assert not in_ci()


def test_something_missing_skips_on_a_developers_machine(monkeypatch):
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="redis-server is not installed"):
        unavailable("redis-server is not installed")


@pytest.mark.parametrize("value", ["1", "yes", "on", "true"])
def test_something_missing_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="redis-server is not installed"):
        unavailable("redis-server is not installed")


def test_a_missing_tool_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "on")
    with pytest.raises(pytest.fail.Exception, match="no-such-tool-h6 is not installed"):
        required_tool("no-such-tool-h6", "nothing")
    monkeypatch.setenv("CI", "0")
    with pytest.raises(pytest.skip.Exception):
        required_tool("no-such-tool-h6", "nothing")
    assert Path(required_tool("sh", "dash")).name == "sh"


@pytest.mark.parametrize(("ci", "status"), [("yes", 1), ("1", 1), ("ON", 1), ("no", 0), ("", 0)])
def test_check_services_reads_ci_as_the_tests_do(ci, status):
    """With PostgreSQL answering and Redis not, the check fails exactly when the tests say CI."""
    with socket.socket() as postgres, socket.socket() as nothing:
        postgres.bind(("127.0.0.1", 0))
        postgres.listen()
        # A port bound but not listening: a connection to it is refused, as to a stopped Redis.
        nothing.bind(("127.0.0.1", 0))
        environment = {
            "CI": ci,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{postgres.getsockname()[1]}/x",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{nothing.getsockname()[1]}/0",
        }
        done = subprocess.run(
            [sys.executable, str(CHECK_SERVICES)], env=environment, capture_output=True, text=True
        )
    assert done.returncode == status, done.stderr
    assert "Redis is not answering" in done.stderr
