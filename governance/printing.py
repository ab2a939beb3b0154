"""Printing to PDF (WeasyPrint), the one way every app makes a document.

Documents load nothing from anywhere (no network, no files, no base address): everything they show
is in their HTML and print stylesheet, so a web address or file path typed into a record can never
be fetched from the server into a PDF.
"""

from __future__ import annotations


def html_to_pdf(html: str, *, stylesheet: str | None = None) -> bytes:
    """PDF bytes of an HTML document and, if given, a print stylesheet."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        """Refuses every resource a document might ask for."""

        def fetch(self, url, headers=None):
            raise ValueError(f"Portal documents load no resources ({url[:60]})")

    fetcher = NoFetch()
    stylesheets = [CSS(string=stylesheet, url_fetcher=fetcher)] if stylesheet else None
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)
