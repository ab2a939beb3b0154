"""The benchmark behind ``manage.py bench``: trust-scale data (``seed``) and the timings of the main
pages and jobs against a floor view served through the same stack (``measure``)."""
