"""Reading a PDF the portal made back as text, so a test can say what is (and is not) in it."""

from __future__ import annotations

import subprocess

from tests.ci import required_tool


def pdf_text(content: bytes, *, layout: bool = False, joined: bool = False) -> str:
    """The PDF's text as pdftotext (poppler-utils) reads it.

    ``layout`` keeps the page's columns on their lines (for a table read row by row); ``joined``
    puts one space between all words, so a value that wraps in a table cell is still found. Without
    pdftotext the test skips on a developer's machine and fails under CI: never a check left out.
    """
    tool = required_tool("pdftotext", "poppler-utils")
    args = [tool, *(["-layout"] if layout else []), "-", "-"]
    text = subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split()) if joined else text
