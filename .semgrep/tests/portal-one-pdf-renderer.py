# ruff: noqa
# Targets for .semgrep/rules/portal-one-pdf-renderer.yml (semgrep --test).
# ruleid: portal-one-pdf-renderer
from weasyprint import HTML

# ok: portal-one-pdf-renderer
from core.printing import render_pdf


def briefing_pdf(html):
    # ruleid: portal-one-pdf-renderer
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def register_pdf(context):
    # ok: portal-one-pdf-renderer
    return render_pdf("consent/print/register.html", context)


def html_to_pdf(html):
    # ok: portal-one-pdf-renderer
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
