"""Printing to PDF (WeasyPrint), the one way every app makes a document.

Every document extends ``print/base.html`` (trust name and marking at the top of each page, title,
when and by whom it was printed, and page numbers at the bottom) and is printed with the one
stylesheet, ``print/print.css``; a document's own template holds only its content.

Documents load nothing from anywhere (no network, no files, no base address): everything they show
is in their HTML and print stylesheet, so a web address or file path typed into a record can never
be fetched from the server into a PDF.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

STYLESHEET = "print/print.css"


def render_pdf(template: str, context: dict, *, printed_by=None) -> bytes:
    """PDF bytes of a print template; ``printed_by`` (a user) is named at the foot of each page."""
    context = {
        "trust_name": settings.PORTAL_TRUST_NAME,
        "printed_at": timezone.localtime(),
        "printed_by": printed_by,
        **context,
    }
    return html_to_pdf(render_to_string(template, context), stylesheet=render_to_string(STYLESHEET))


def html_to_pdf(html: str, *, stylesheet: str | None = None) -> bytes:
    """PDF bytes of an HTML document and, if given, a print stylesheet."""
    # WeasyPrint loads Pango and its fonts when imported: only processes that print pay for it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        """Refuses every resource a document might ask for."""

        def fetch(self, url, headers=None):
            raise ValueError(f"Portal documents load no resources ({url[:60]})")

    fetcher = NoFetch()
    stylesheets = [CSS(string=stylesheet, url_fetcher=fetcher)] if stylesheet else None
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)
