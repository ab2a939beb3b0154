"""Cross-site scripting: a script typed into any free-text field is shown as text on every page
that shows the field, and never runs.

Every free-text field of every model of the portal's apps gets a payload naming its field
(tests/adversarial/xss_payloads.py says which fields carry none, and why), each app's forms are
posted with payloads too (tests/adversarial/xss_data.py), and then every page of the portal
(tests/access/rules.py) is opened by each persona allowed to see it. An HTML page passes when the
parser finds no script, event handler or injected element carrying a payload; it must also show
the payloads escaped, so a page that renders nothing cannot pass. Documents are checked for their
type: JSON as application/json, CSV as a text/csv attachment, and the HTML a PDF is printed from
like a page (a printed <img> would be fetched by the PDF renderer).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import Role
from core.notifications import notification_deliver, notify
from governance.selectors import audit_entries
from tests.access.rules import RULES
from tests.access.sweep import ANONYMOUS, check, expected_status
from tests.adversarial.xss_data import (
    FORM_PAYLOADS,
    build_records,
    fill,
    post_forms,
    send_collection_messages,
)
from tests.adversarial.xss_payloads import (
    SKIPPED_FIELDS,
    SKIPPED_JSON,
    TOKEN_RE,
    check_html,
    classify,
    field_key,
    payload,
    project_models,
)
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db

# Fields that hold a payload but that no page, export or printed document shows: values kept for
# the admin, the relay or an investigation. The test fails if one of them starts being shown (add
# nothing here without checking the page), and if a field that was shown stops being shown (so a
# page that renders nothing cannot pass).
NEVER_SHOWN: dict[str, str] = {
    "accounts.School.address": "kept for the register of schools (the admin); no page shows it",
    "accounts.Trust.companies_house_number": "kept for the admin; no page shows it",
    "accounts.TrustSignOn.allowed_domains": "single sign-on settings, kept in the admin; sign-in refusals "
    "say the address is not the trust's, not which domains are",
    "accounts.TrustSignOn.client_id": "single sign-on settings, kept in the admin and sent to the provider",
    "accounts.TrustSignOn.client_secret_variable": "the name of the secret's variable, kept in the admin",
    "approvals.BlockedContentRequest.filter_applied_note": (
        "the ICT technician's note stays with the record; pages show when and by whom"
    ),
    "approvals.BlockedContentRequest.filter_removed_note": (
        "the ICT technician's note stays with the record; pages show when and by whom"
    ),
    "core.AuditEntry.changes": "the log shows which fields changed, not their values",
    "core.AuditEntry.user_agent": "kept for investigations; the log shows the address and path",
    "core.Notification.email_last_error": "the mail server's last answer, for the relay",
    "incidents.TakedownStep.data": "the step's structured data; its type, reference and note are shown",
}

# Exports, by the ending of their URL name, and the type each must be served as: never text/html,
# which a browser would render, payloads and all.
DOCUMENT_TYPES = {"_json": "application/json", "_csv": "text/csv", "_pdf": "application/pdf"}


@dataclass
class Sweep:
    """What the pages did with the payloads."""

    failures: list[str] = field(default_factory=list)
    shown: dict[str, set[str]] = field(default_factory=dict)  # token -> pages
    printed: list[str] = field(default_factory=list)  # HTML handed to the PDF renderer
    requests: int = 0

    def see(self, tokens, where: str) -> None:
        for token in tokens:
            self.shown.setdefault(token, set()).add(where)

    def read(self, where: str, response) -> None:
        self.requests += 1
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if response.status_code != 200:
            return
        if content_type != "text/html" and response.get("X-Content-Type-Options") != "nosniff":
            self.failures.append(f"{where}: {content_type} without X-Content-Type-Options: nosniff")
        if content_type == "text/html":
            body = response.content.decode()
            report = check_html(body)
            self.failures.extend(f"{where}: {problem}" for problem in report.executed)
            self.see(report.shown, where)
        elif content_type == "application/json":
            self.see(TOKEN_RE.findall(json.dumps(json.loads(response.content))), where)
        elif content_type == "text/csv":
            if not response.get("Content-Disposition", "").startswith("attachment"):
                self.failures.append(f"{where}: CSV not sent as an attachment")
            self.see(TOKEN_RE.findall(response.content.decode()), where)
        elif content_type == "application/pdf":
            if "filename" not in response.get("Content-Disposition", ""):
                self.failures.append(f"{where}: PDF without a Content-Disposition file name")
        elif content_type == "text/plain" and len(response.content) < 10:
            pass  # the health check's "ok"
        elif getattr(response, "streaming", False):
            pass  # a private file (tests/adversarial/test_uploads.py checks those)
        else:
            self.failures.append(f"{where}: served as {content_type!r}")
        for html in self.printed:
            report = check_html(html)
            self.failures.extend(f"{where} (printed HTML): {problem}" for problem in report.executed)
            self.see(report.shown, f"{where} (PDF)")
        self.printed.clear()


@pytest.fixture
def printed_html(monkeypatch):
    """The HTML each PDF is printed from, captured; the printing itself is skipped (it takes most
    of a second a page and prints only what the HTML says)."""
    import weasyprint

    captured: list[str] = []
    original_init = weasyprint.HTML.__init__

    def capture(self, *args, **kwargs):
        if "string" in kwargs:
            captured.append(kwargs["string"])
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "__init__", capture)
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *a, **k: b"%PDF-1.7\n%%EOF\n")
    return captured


def test_every_text_field_is_given_a_payload_or_a_reason():
    targets, skipped = classify()
    labels = [t.label for t in targets]
    assert len(labels) == len(set(labels)) and len(targets) < 900  # 900+ are the forms' tokens
    every_text_field = {
        field_key(model, f.name)
        for model in project_models()
        for f in model._meta.concrete_fields
        if f.get_internal_type()
        in ("CharField", "TextField", "JSONField", "EmailField", "URLField", "SlugField")
    }
    assert set(labels) | set(skipped) == every_text_field
    stale = (set(SKIPPED_FIELDS) | set(SKIPPED_JSON)) - every_text_field
    assert not stale, f"Reasons given for fields that no longer exist: {sorted(stale)}"
    assert set(NEVER_SHOWN) <= set(labels)


def test_payload_fits_and_names_its_field():
    assert payload("XS001Q", "incidents.Incident.description").startswith('x"\'><script>alert("XS001Q')
    for max_length in (19, 20, 40, 100, 200, 300):
        text = payload("XS001Q", "incidents.Incident.description", max_length)
        assert len(text) <= max_length and "XS001Q" in text and "<" in text
    # Unescaped, the script element, the handler and the injected image are each caught.
    assert len(check_html(f"<p>{payload('XS001Q')}</p>").executed) == 4
    escaped = payload("XS001Q").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&quot;").replace("'", "&#x27;")
    page = check_html(f'<p title="{escaped}">{escaped}</p><input value="{escaped}">')
    assert not page.executed and page.shown == {"XS001Q"}


def test_stored_payloads_are_shown_only_as_text(personas, django_capture_on_commit_callbacks, printed_html):
    started = time.monotonic()
    capture = django_capture_on_commit_callbacks
    records = build_records(personas, capture)
    targets, _ = classify()
    written = fill(targets)
    without_rows = sorted({t.label for t in targets if not written.get(t.model.__name__)})
    assert not without_rows, f"No record holds these fields, so no page could show them: {without_rows}"
    send_collection_messages(personas, records)
    refused, form_pages = post_forms(personas, records, capture)
    assert not refused, f"Forms refused the payloads, so their path is not tested: {refused}"

    sweep = Sweep(printed=printed_html)
    for where, response in form_pages:
        sweep.read(where, response)
    people = {ANONYMOUS: None} | {
        label: user for label, user in personas.everyone().items() if not label.startswith("b:")
    }
    # One client per persona, signed in once: each new test client builds the middleware again.
    signed_in: dict[str, object] = {}

    def clients(label: str):
        if label not in signed_in:
            signed_in[label] = _client(people[label])
        return signed_in[label]

    unseen_extras = []
    searched = 0
    for url_name in sorted(RULES):
        rule = RULES[url_name]
        if "GET" not in rule.methods:
            continue  # an action: it answers a GET with 405 and shows nothing
        kwargs, owner = records.objects[rule.obj] if rule.obj else ({}, None)
        url = reverse(url_name, kwargs=kwargs)
        allowed = [label for label in people if expected_status(rule, label, personas, owner) == "allow"]
        assert allowed, url_name
        document_type = next((t for end, t in DOCUMENT_TYPES.items() if url_name.endswith(end)), None)
        for label in allowed:
            client = clients(label)
            response = client.get(url)
            # The page itself, or the redirect its rule declares: never a page read unseen behind one.
            check(response, "allow", f"GET {url_name} as {label}", rule, "GET", people[label])
            if document_type and response.status_code == 200:
                assert response["Content-Type"].startswith(document_type), (
                    url_name,
                    response["Content-Type"],
                )
            sweep.read(f"{url_name} as {label}", response)
        # The same page as htmx asks for it, with every field of its search forms filled in.
        client = clients(allowed[0])
        query = _reflected_query(response if label == allowed[0] else client.get(url))
        response = client.get(f"{url}?{query}" if query else url, headers={"HX-Request": "true"})
        searched += bool(query)
        sweep.read(f"{url_name} (htmx) ?{query[:60]}", response)
        for extra, labels in records.extra.get(rule.obj, []):
            extra_url = reverse(url_name, kwargs=extra)
            statuses = []
            for label in labels:
                response = clients(label).get(extra_url)
                statuses.append(response.status_code)
                sweep.read(f"{url_name} {extra} as {label}", response)
            # An old address of a page that moved answers with the redirect its rule declares (the
            # page it sends people to is read under its own name).
            if 200 not in statuses and rule.redirect_for("GET", None) is None:
                unseen_extras.append(f"{url_name} {extra}: {statuses}")

    # The audit log lists the newest 50 entries a page, and each page opened above added a view to
    # it: every page of it is read, as it would be by someone looking for an old entry.
    rule = RULES["governance:audit_log"]
    reader = next(label for label in people if expected_status(rule, label, personas, None) == "allow")
    pages = math.ceil(audit_entries(user=people[reader]).count() / 50)
    for number in range(2, pages + 1):
        url = f"{reverse('governance:audit_log')}?page={number}"
        sweep.read(f"governance:audit_log page {number} as {reader}", clients(reader).get(url))

    assert not unseen_extras, f"Nobody could open these pages: {unseen_extras}"
    assert not sweep.failures, "Payloads rendered as markup:\n" + "\n".join(sweep.failures)
    never_shown = {t.label: t.token for t in targets if t.token not in sweep.shown}
    assert set(never_shown) == set(NEVER_SHOWN), (
        f"Fields never shown (escaped) on any page: {sorted(never_shown)}; expected {sorted(NEVER_SHOWN)}"
    )
    forms_unseen = [label for label, token in FORM_PAYLOADS.items() if token not in sweep.shown]
    assert not forms_unseen, f"Posted through a form but never shown: {forms_unseen}"
    # The search and filter forms echo what was typed (escaped): the reflected path is exercised.
    reflected = sorted(token for token in sweep.shown if int(token[2:5]) >= 950)
    assert searched and reflected, (searched, reflected)
    elapsed = time.monotonic() - started
    print(
        f"\n{sweep.requests} responses checked, {len(targets)} fields with payloads, {searched} pages"
        f" searched with {len(reflected)} search fields echoed, {elapsed:.1f} s"
    )


def _client(user):
    from django.test import Client

    return Client() if user is None else signed_in_client(user)


def _reflected_query(response) -> str:
    """Every field of the page's GET forms (searches, filters) filled with a payload."""
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return ""
    from html.parser import HTMLParser

    names: list[str] = []

    class Forms(HTMLParser):
        in_get_form = False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form":
                self.in_get_form = (attrs.get("method") or "get").lower() == "get"
            elif self.in_get_form and tag in ("input", "select", "textarea") and attrs.get("name"):
                if attrs.get("type") not in ("submit", "hidden"):
                    names.append(attrs["name"])

        def handle_endtag(self, tag):
            if tag == "form":
                self.in_get_form = False

    Forms().feed(response.content.decode())
    return urlencode({name: payload(f"XS{950 + n}Q") for n, name in enumerate(dict.fromkeys(names))})


def test_notification_emails_are_plain_text_and_carry_no_typed_text(
    personas, django_capture_on_commit_callbacks
):
    staff = personas.a[Role.STAFF]
    subject, body = payload("XS990Q", "subject"), payload("XS991Q", "body")
    notification = notify(user=staff, subject=subject, body=body, link="/incidents/", email=False)
    type(notification).objects.filter(pk=notification.pk).update(email_status="pending")
    mail.outbox.clear()
    assert notification_deliver(notification_id=notification.pk)
    (message,) = mail.outbox
    # Plain text only: no HTML part a mail client would render.
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
    assert "XS991Q" not in message.body  # the body is shown only in the portal, never emailed


def test_password_reset_email_is_plain_text(personas, django_capture_on_commit_callbacks):
    staff = personas.a[Role.STAFF]
    type(staff).objects.filter(pk=staff.pk).update(full_name=payload("XS992Q", "User.full_name"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(None).post(reverse("accounts:password_reset"), {"email": staff.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])


# Markup that makes WeasyPrint read a file or an address into the PDF: an image, and an attachment
# (which embeds the whole file). Escaping keeps it out of the documents; this is the second wall.
FETCHING_HTML = (
    '<p>Report</p><img src="file:///etc/hostname"><a rel="attachment" href="pyproject.toml">file</a>'
    '<img src="http://127.0.0.1:9/pixel.png">'
)
FETCHING_CSS = '@import url("file:///etc/passwd"); body { background: url("http://127.0.0.1:9/tile.png"); }'


def test_printed_documents_load_no_resources(monkeypatch):
    import weasyprint.urls

    from core import printing

    fetched: list[str] = []
    original = weasyprint.urls.URLFetcher.fetch

    def record(self, url, *args, **kwargs):
        fetched.append(url)
        return original(self, url, *args, **kwargs)

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", record)
    # Every app prints through core.printing: whatever a document or its stylesheet names is
    # never fetched.
    monkeypatch.setattr(
        printing,
        "render_to_string",
        lambda name, *a, **k: FETCHING_CSS if name.endswith(".css") else FETCHING_HTML,
    )
    documents = {
        "a printed template": printing.render_pdf("incidents/print/chronology.html", {}),
        "HTML and a stylesheet": printing.html_to_pdf(FETCHING_HTML, stylesheet=FETCHING_CSS),
    }
    assert all(pdf.startswith(b"%PDF") for pdf in documents.values())
    assert fetched == [], f"The PDF renderer fetched {fetched}"
