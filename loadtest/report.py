"""The figures of a load test: a table per run, and docs/load.json with the machine and every run.

    python -m loadtest.report run RUNS.json PREFIX --workers N --users N --spawn-rate N --duration 60s
    python -m loadtest.report write RUNS.json docs/load.json

``run`` reads locust's CSV files (PREFIX_stats.csv, PREFIX_failures.csv), prints the table and
adds the run to RUNS.json; it exits 1 if any request failed. ``write`` adds the machine (CPU,
cores, memory, PostgreSQL version, the size of the data) and writes the document.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

TOTAL = "Aggregated"


def read_stats(prefix: str) -> tuple[list[dict], dict]:
    """Per-page rows and the total row of locust's statistics."""
    pages, total = [], {}
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as stats:
        for row in csv.DictReader(stats):
            figures = {
                "page": row["Name"] if row["Name"] != TOTAL else "all pages",
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "requests_per_second": round(float(row["Requests/s"]), 2),
                "median_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]),
                "max_ms": _ms(row["Max Response Time"]),
            }
            if row["Name"] == TOTAL:
                total = figures
            else:
                pages.append(figures)
    return pages, total


def _ms(value: str) -> int | None:
    return None if value in ("", "N/A") else round(float(value))


def read_failures(prefix: str) -> list[dict]:
    """Locust's failures: page, error and how often."""
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as failures:
        return [
            {"page": row["Name"], "error": row["Error"], "occurrences": int(row["Occurrences"])}
            for row in csv.DictReader(failures)
        ]


def table(run: dict) -> str:
    """The run as a text table, one line per page and the total."""
    header = f"{'page':<28} {'requests':>9} {'failures':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
    lines = [
        f"{run['workers']} gunicorn workers, {run['users']} users, {run['duration']}",
        header,
        "-" * len(header),
    ]
    for row in [*run["pages"], run["total"]]:
        if row is run["total"]:
            lines.append("-" * len(header))
        lines.append(
            f"{row['page'][:28]:<28} {row['requests']:>9} {row['failures']:>9} "
            f"{row['requests_per_second']:>8.2f} {_cell(row['median_ms'])} {_cell(row['p95_ms'])}"
        )
    for failure in run["failures"]:
        lines.append(f"FAILED {failure['occurrences']}x {failure['page']}: {failure['error']}")
    return "\n".join(lines)


def _cell(value: int | None) -> str:
    return f"{'-' if value is None else value:>8}"


def add_run(args) -> int:
    """Print one run's table and add it to the runs file."""
    pages, total = read_stats(args.prefix)
    failures = read_failures(args.prefix)
    run = {
        "workers": args.workers,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "duration": args.duration,
        "think_time_seconds": args.wait,
        "load_average_before": args.load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "pages": sorted(pages, key=lambda row: row["page"]),
        "total": total,
        "failures": failures,
    }
    runs_path = Path(args.runs)
    runs = json.loads(runs_path.read_text()) if runs_path.exists() else []
    runs.append(run)
    runs_path.write_text(json.dumps(runs, indent=2))
    print(table(run))
    return 1 if total.get("failures", 0) or not total.get("requests") else 0


def machine() -> dict:
    """The CPU, cores, memory and PostgreSQL server (and database name) the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": postgres,
        "database": connection.settings_dict["NAME"],
    }


def data_size() -> dict:
    """How much data the pages were reading."""
    from accounts.models import Pupil, School, User
    from consent.models import ConsentAnswer
    from incidents.models import Incident

    models = {
        "schools": School,
        "pupils": Pupil,
        "users": User,
        "incidents": Incident,
        "consent_answers": ConsentAnswer,
    }
    return {name: model.objects.count() for name, model in models.items()}


def write(args) -> int:
    """Write the document: the machine, the data, and every run of this load test."""
    runs = json.loads(Path(args.runs).read_text())
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "data": data_size(),
        "command": args.command,
        "runs": runs,
    }
    Path(args.out).write_text(json.dumps(document, indent=2) + "\n")
    print(f"Figures written to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    run = sub.add_parser("run")
    run.add_argument("runs")
    run.add_argument("prefix")
    run.add_argument("--workers", type=int, required=True)
    run.add_argument("--users", type=int, required=True)
    run.add_argument("--spawn-rate", type=float, required=True)
    run.add_argument("--duration", required=True)
    run.add_argument("--wait", default="")
    run.add_argument("--load-before", type=float, nargs=3, default=None)
    run.set_defaults(handler=add_run)
    out = sub.add_parser("write")
    out.add_argument("runs")
    out.add_argument("out")
    out.add_argument("--command", default="bash scripts/load-test")
    out.set_defaults(handler=write)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
