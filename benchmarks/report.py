"""The benchmark's output: the printed table and the JSON document (with the machine it ran on)."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict

from django.db import connection
from django.utils import timezone

from benchmarks.measure import Result


def table(results: list[Result]) -> str:
    """The results as a fixed-width table."""
    header = f"{'name':<58} {'p50 ms':>10} {'p95 ms':>10} {'queries':>8} {'floor ms':>9} {'ratio':>8}  target"
    lines = [header, "-" * len(header)]
    for r in results:
        verdict = "met" if r.met else "MISSED"
        lines.append(
            f"{r.name[:58]:<58} {r.p50_ms:>10.1f} {r.p95_ms:>10.1f} {r.queries:>8} {r.floor_ms:>9.2f} "
            f"{r.ratio:>8.1f}  {r.target}: {verdict}"
        )
    return "\n".join(lines)


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            release = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
        os_name = f"{release.get('PRETTY_NAME', '').strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory,
        "os": os_name,
        "python": platform.python_version(),
        "postgresql": server_version,
        "date": timezone.now().isoformat(timespec="seconds"),
    }


def document(
    results: list[Result], *, scale: str, repeat: int, seeding_seconds: dict, total_seconds: float
) -> dict:
    """The JSON document: the machine, then one object per result."""
    rows = []
    for r in results:
        row = asdict(r)
        row["ratio"] = round(r.ratio, 2)
        rows.append(row)
    return {
        "machine": machine(),
        "scale": scale,
        "repeat": repeat,
        "seeding_seconds": {k: round(v, 1) for k, v in seeding_seconds.items()},
        "total_seconds": round(total_seconds, 1),
        "results": rows,
    }


def to_json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
