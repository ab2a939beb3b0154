"""CSV exports that open safely in a spreadsheet.

A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return, which some strip
before looking) as a formula, so text a person typed (a web address, a reason, a name) could run
as one in whoever opens the export. Every cell written here is text, never a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: None is empty; text that starts like a formula is quoted."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_csv(out: Writable, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """Write a header and rows to ``out`` (a file, a StringIO or an HttpResponse), every cell safe."""
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
