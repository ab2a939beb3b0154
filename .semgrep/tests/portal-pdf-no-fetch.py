# ruff: noqa
# Targets for .semgrep/rules/portal-pdf-no-fetch.yml (semgrep --test).
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher


class NoFetch(URLFetcher):
    def fetch(self, url, headers=None):
        raise ValueError(url)


def render(html, stylesheet, base):
    # ruleid: portal-pdf-no-fetch
    HTML(string=html, base_url=base).write_pdf()
    # ruleid: portal-pdf-no-fetch
    HTML(string=html).write_pdf(stylesheets=[CSS(string=stylesheet, url_fetcher=NoFetch())])
    # ruleid: portal-pdf-no-fetch
    CSS(string=stylesheet)
    # ok: portal-pdf-no-fetch
    return HTML(string=html, base_url=None, url_fetcher=NoFetch()).write_pdf()
