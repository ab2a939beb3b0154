"""Measure the main pages and jobs on trust-scale data: ``python -m benchmarks`` (``make bench``).

Seeds the data once (skipped when present), then times each page in-process through the whole
middleware stack beside a floor view, prints a table and writes docs/bench.json. See the package
docstring for what is seeded and measured. Needs Django set up first (``__main__`` does it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from benchmarks import measure, report, seed


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Seed trust-scale data (once) and print server times and query counts of the main "
        "pages and jobs.",
    )
    parser.add_argument("--seed-only", action="store_true", help="Seed the data if missing, then stop.")
    parser.add_argument("--reseed", action="store_true", help="Empty the database and seed it again.")
    parser.add_argument(
        "--scale",
        choices=sorted(seed.SCALES),
        default="full",
        help="full: 100 schools; small: a test's worth.",
    )
    parser.add_argument("--repeat", type=int, default=30, help="Timed runs of each page after warm-up.")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed runs of each page first.")
    parser.add_argument(
        "--import-repeat", type=int, default=1, help="Timed runs of the MIS import (each takes a while)."
    )
    parser.add_argument(
        "--only", default="", help="Comma-separated words: measure only the results whose name holds one."
    )
    parser.add_argument(
        "--output",
        default=str(Path(settings.BASE_DIR) / "docs" / "bench.json"),
        help="Where to write JSON.",
    )
    return parser


def main(argv: list[str] | None = None, *, stdout=None) -> int:
    """Run the benchmark with command-line arguments; ``stdout`` is for tests (default: the terminal)."""
    arguments = parser()
    options = arguments.parse_args(argv)
    if options.repeat < 1 or options.warmup < 0 or options.import_repeat < 1:
        arguments.error("give --repeat and --import-repeat of at least 1 and a --warmup of 0 or more")
    # Each line gets its newline as a management command's output does; seed_scale writes to it too.
    out = OutputWrapper(stdout or sys.stdout)
    sizes = seed.SCALES[options.scale]
    started = time.perf_counter()
    seed.ensure_database(out)
    call_command("migrate", interactive=False, verbosity=0)
    if options.reseed:
        seed.flush(out)
    timings: dict[str, float] = {}
    if seed.is_seeded():
        out.write(f'"{seed.TRUST_NAME}" is already seeded: reusing it (--reseed seeds it again).')
    else:
        out.write(f"Seeding a {options.scale} trust …")
        seed.seed(sizes, stdout=out, timings=timings)
        out.write(f"Seeded in {sum(timings.values()):.1f} s.")
    if options.seed_only:
        return 0
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        # Pages name their CSS and scripts through the manifest, as in production.
        call_command("collectstatic", interactive=False, verbosity=0)
    bench = measure.Bench(
        trust=seed.seeded_trust(),
        sizes=sizes,
        repeat=options.repeat,
        warmup=options.warmup,
        import_repeat=options.import_repeat,
        only=[word.strip().lower() for word in options.only.split(",") if word.strip()],
        stdout=out,
    )
    results = bench.run()
    out.write("")
    out.write(report.table(results))
    document = report.document(
        results,
        scale=options.scale,
        repeat=options.repeat,
        seeding_seconds=timings,
        total_seconds=time.perf_counter() - started,
    )
    path = Path(options.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.to_json(document))
    out.write(f"Wrote {path} ({time.perf_counter() - started:.0f} s in all).")
    return 0
