"""``python -m benchmarks`` on a small trust: it seeds, measures every page and job beside the floor,
prints the table and writes the JSON the lead's official run is read from. No timing is asserted:
the figures of a shared test machine mean nothing; their presence and shape do."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import cli, incident_data, seed
from incidents.models import Incident, Takedown

# The benchmark runs VACUUM and commits between its steps, so it needs a real transaction per step.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXPECTED = [
    "DSL queue (one school)",
    "Trust safeguarding lead queue (all schools)",
    "Pupil chronology",
    "Consent check (30 pupils)",
    "Parent's consent page",
    "Trust dashboard",
    "Takedown escalation sweep with rungs due",
    "Takedown escalation sweep with nothing due",
    "PDF: incident chronology",
    "PDF: inspection pack (one school, a year and more)",
    "PDF: consent register (one school)",
    "PDF: event briefing",
    "PDF: approval request",
    "PDF: filtering review",
    "PDF: trustee report (generated)",
    "PDF: subject access",
    "MIS import of 200 rows: preview",
    "MIS import of 200 rows: apply",
    "MIS import of 200 rows: preview + apply",
]
MACHINE_KEYS = {"cpu", "cores", "memory_gb", "os", "python", "postgresql", "date"}


def run_bench(tmp_path, *args) -> tuple[dict, str]:
    output = tmp_path / "bench.json"
    out = io.StringIO()
    status = cli.main(
        ["--scale", "small", "--repeat", "1", "--warmup", "0", "--output", str(output), *args], stdout=out
    )
    assert status == 0
    return json.loads(output.read_text()), out.getvalue()


def test_bench_on_a_small_trust_writes_every_measurement_beside_its_floor(tmp_path):
    document, printed = run_bench(tmp_path)

    assert MACHINE_KEYS <= set(document["machine"])
    assert document["machine"]["cores"] >= 1
    assert document["machine"]["postgresql"]
    names = [row["name"] for row in document["results"]]
    assert names == EXPECTED
    for row in document["results"]:
        for key in ("p50_ms", "p95_ms", "floor_ms"):
            assert isinstance(row[key], float) and row[key] > 0, (row["name"], key, row[key])
        assert row["p95_ms"] >= row["p50_ms"]
        assert isinstance(row["queries"], int) and not isinstance(row["queries"], bool)
        assert row["queries"] > 0, row["name"]
        assert isinstance(row["met"], bool)
    # The sweep had work each time and none straight after; the import created the file's pupils.
    by_name = {row["name"]: row for row in document["results"]}
    due = by_name["Takedown escalation sweep with rungs due"]
    assert due["rows"] == sum(stage.due for stage in incident_data.LADDER)
    assert by_name["Takedown escalation sweep with nothing due"]["rows"] == 0
    assert "200 pupils" in by_name["MIS import of 200 rows: apply"]["note"]
    # The table names every result with its ratio to the floor and whether its target is met.
    assert any(line.startswith("name") and "ratio" in line for line in printed.splitlines())
    for name in names:
        assert name[:40] in printed


def test_a_second_run_reuses_the_data_and_seed_only_stops_after_seeding(tmp_path):
    out = io.StringIO()
    assert cli.main(["--scale", "small", "--seed-only"], stdout=out) == 0
    assert "Seeded" in out.getvalue()
    incidents, takedowns = Incident.objects.count(), Takedown.objects.count()
    assert incidents == seed.SCALES["small"].incidents

    again = io.StringIO()
    assert cli.main(["--scale", "small", "--seed-only"], stdout=again) == 0
    assert "already seeded" in again.getvalue()
    assert (Incident.objects.count(), Takedown.objects.count()) == (incidents, takedowns)
    assert not (tmp_path / "bench.json").exists()


# No database is touched: the module's transactional marker would only flush it for nothing.
@pytest.mark.django_db(transaction=False)
def test_python_m_benchmarks_sets_django_up_from_the_repository_root():
    # What make bench runs; --help stops before any database is touched.
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--help"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for option in ("--seed-only", "--reseed", "--scale", "--repeat", "--warmup", "--import-repeat", "--only"):
        assert option in result.stdout
