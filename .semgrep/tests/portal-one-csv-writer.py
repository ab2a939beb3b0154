# ruff: noqa
# Targets for .semgrep/rules/portal-one-csv-writer.yml (semgrep --test).
import csv
import io

from core.csv import write_csv


def register_csv(response, rows):
    # ruleid: portal-one-csv-writer
    writer = csv.writer(response)
    writer.writerows(rows)


def review_csv(rows):
    out = io.StringIO()
    # ok: portal-one-csv-writer
    write_csv(out, ["Reference", "Decision"], rows)
    return out.getvalue()


def write_csv(out, header, rows):
    # ok: portal-one-csv-writer
    writer = csv.writer(out)
    writer.writerow(header)
