"""``python -m benchmarks [--scale small] [--seed-only] …`` from the repository root (``make bench``).

Uses DJANGO_SETTINGS_MODULE if set, else the production settings (``portal.settings``), and the
database of DATABASE_URL (``make bench``: portal_bench). ``--help`` lists the options.
"""

import os
import sys

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    # Imported here, not at the top: the benchmark imports the portal's models, which can only be
    # loaded once django.setup() has run.
    from benchmarks import cli

    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
