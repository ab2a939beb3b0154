"""The benchmark behind ``python -m benchmarks`` (``make bench``): trust-scale data (``seed``) and the
timings of the main pages and jobs against a floor view served through the same stack (``measure``).

Tooling, not part of the portal: this folder is outside the packages pyproject.toml ships and out
of the image (.dockerignore), so it is run from a checkout of the repository."""
