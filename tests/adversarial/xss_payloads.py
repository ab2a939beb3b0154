"""Script payloads for every free-text field of the portal, and the check that a page shows them
only as text.

Each (model, field) gets its own token (``XS012Q``) so a page that runs one can name the field it
came from, and a page that shows one escaped proves the field is really rendered there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.db import models

APPS = ("portal", "core", "accounts", "governance", "approvals", "incidents", "consent")

# Field kinds that never hold free text a person typed, with the reason they carry no payload.
SKIPPED_KINDS: dict[type, str] = {
    models.EmailField: "an email address: the form and the model validate it, so markup is refused",
    models.URLField: "a web address: URLValidator accepts only http(s)/ftp(s) (javascript: is refused)",
    models.SlugField: "a slug: letters, digits and hyphens only",
}

# Text fields the portal writes itself (keys, generated references, hashes, server-detected types):
# a person never types them, and code looks records up by them, so a payload would only break the
# lookup, never reach a page as someone's input.
SKIPPED_FIELDS: dict[str, str] = {
    "accounts.User.password": "a password hash",
    "accounts.School.urn": "8 digits, checked against the URN format",
    "accounts.PasswordResetThrottle.key": "a keyed digest of an address, written by the reset limit",
    "core.AuditEntry.object_type": "the model label, written by the audit service",
    "core.AuditEntry.object_id": "a primary key, written by the audit service",
    "core.Notification.link": "a path inside the portal built by code (an href)",
    "governance.PolicyReminder.level": "an idempotency key of the reminder job",
    "governance.TrainingSession.term": "derived from the date on save (not editable)",
    "governance.TrusteeReport.term": "the term the report covers, set by the portal",
    "governance.TrainingReminder.term": "an idempotency key of the reminder job",
    "governance.RetentionReview.object_id": "a primary key, written by the retention job",
    "approvals.ApprovalRequest.reference": "a reference the portal numbers",
    "approvals.ApprovalRequest.type": "a key of the workflow registry",
    "approvals.ApprovalStep.step": "a step name from the workflow declaration",
    "approvals.ApprovalStep.label": "a step label from the workflow declaration",
    "approvals.ApprovalStep.by_role": "a role label from the role table",
    "approvals.ApprovalReminder.kind": "an idempotency key of the reminder job",
    "approvals.ApprovalReminder.key": "an idempotency key of the reminder job",
    "approvals.AccountReminder.kind": "an idempotency key of the reminder job",
    "approvals.AccountReminder.key": "an idempotency key of the reminder job",
    "approvals.PostMedia.sha256": "a hash computed on upload",
    "approvals.SignedRecord.sha256": "a hash of the signed PDF, computed when it is stored",
    "approvals.PostMedia.content_type": "detected from the file's bytes",
    "approvals.PostTakedownTask.purpose": "a consent purpose key",
    "approvals.PostTakedownTask.academic_year": "an academic year such as 2025/26",
    "incidents.Incident.reference": "a reference the portal numbers",
    "incidents.Incident.handler_action": "an action key of the role table",
    "incidents.Evidence.sha256": "a hash computed on upload",
    "incidents.Evidence.content_type": "detected from the file's bytes",
    "incidents.TakedownNotice.level": "an idempotency key of the escalation ladder",
    "incidents.FirstResponseNotice.level": "an idempotency key of the first-response ladder",
    "incidents.FirstResponseNotice.handler_action": "an action key of the role table",
    "incidents.IntegrityProblem.found_sha256": "a hash computed by the evidence integrity check",
    "consent.ConsentAnswer.academic_year": "an academic year such as 2025/26, validated",
    "consent.ConsentState.academic_year": "an academic year such as 2025/26, validated",
    "consent.WithdrawalFollowUp.academic_year": "an academic year such as 2025/26, validated",
    "consent.Collection.academic_year": "an academic year such as 2025/26, validated",
    "accounts.ImportRun.stage": "a progress label set by the import code",
    "accounts.SignOnDevice.name": "named by the portal when an identity provider's multi-factor stands in",
    "core.Heartbeat.key": "a job or process name written by the heartbeat",
    "core.Heartbeat.detail": "the host and process a heartbeat came from, written by the portal",
    "core.StallAlert.job": "an idempotency key of the stall alert (a task name)",
    "core.StallAlert.since": "an idempotency key of the stall alert (a timestamp)",
}

# JSON fields whose strings are keys from a fixed list (checked by validators) or addresses; the
# JSON fields that are not listed here hold free text and get payloads in every string they hold.
SKIPPED_JSON: dict[str, str] = {
    "accounts.PasswordResetThrottle.recent": "times written by the reset limit",
    "approvals.SiteCreationRequest.audience": "audience group keys from a fixed list",
    "approvals.SiteCreationRequest.contributors": "contributor group keys from a fixed list",
    "incidents.Incident.nature": "nature keys from the list of 000 §4.2",
    "incidents.Incident.urls": "web addresses, each validated as http(s)",
    "consent.ConsentAnswer.restrictions": "restriction keys from a fixed list",
    "consent.ConsentState.restrictions": "restriction keys from a fixed list",
    "consent.WithdrawalFollowUp.restrictions_added": "restriction keys from a fixed list",
    "consent.Event.purposes": "consent purpose keys",
    "governance.TrusteeReport.figures": "the dashboard's figures, copied by the report job (school names "
    "in it come from School.name, which gets its own payload)",
    "governance.TrusteeReport.counted": "incident ids, kind keys and months, written by the report job",
}
# Keys inside free-text JSON that the code reads as keys (an agency, a route): a payload there
# would break the page, not test it.
JSON_KEYS_KEPT = frozenset({"agency", "route", "purpose", "decision", "status", "kind", "role", "year"})

# Fields too short for the full payload get a shorter one; below this nothing fits.
SHORTEST = len("<svg onload=XS000Q>")


@dataclass(frozen=True)
class TextField:
    model: type[models.Model]
    name: str
    max_length: int | None
    token: str
    is_json: bool = False

    @property
    def label(self) -> str:
        return f"{self.model._meta.app_label}.{self.model.__name__}.{self.name}"

    def payload(self) -> str:
        return payload(self.token, self.label, self.max_length)


def payload(token: str, label: str = "", max_length: int | None = None) -> str:
    """The longest payload that fits: attribute break-out, a script element and an event handler."""
    candidates = (
        f'x"\'><script>alert("{token} {label}")</script><img src=x onerror=alert("{token}")>',
        f'x"\'><script>alert("{token}")</script><img src=x onerror=alert("{token}")>',
        f'"><img src=x onerror=alert("{token}")>',
        f"<svg onload={token}>",
    )
    for text in candidates:
        if max_length is None or len(text) <= max_length:
            return text
    raise ValueError(f"No payload fits {max_length} characters")


def field_key(model, name: str) -> str:
    return f"{model._meta.app_label}.{model.__name__}.{name}"


def project_models() -> list[type[models.Model]]:
    models_: list[type[models.Model]] = []
    for label in APPS:
        try:
            models_.extend(apps.get_app_config(label).get_models())
        except LookupError:  # portal holds settings, no models
            continue
    return models_


def classify() -> tuple[list[TextField], dict[str, str]]:
    """Every text field of the project's models: those that get a payload, and why the rest do not."""
    targets: list[TextField] = []
    skipped: dict[str, str] = {}
    for model in project_models():
        for f in model._meta.concrete_fields:
            key = field_key(model, f.name)
            if isinstance(f, models.JSONField):
                if key in SKIPPED_JSON:
                    skipped[key] = SKIPPED_JSON[key]
                else:
                    targets.append(TextField(model, f.name, None, _token(len(targets)), is_json=True))
                continue
            if not isinstance(f, models.CharField | models.TextField):
                continue
            kind = next((reason for cls, reason in SKIPPED_KINDS.items() if isinstance(f, cls)), None)
            if kind:
                skipped[key] = kind
            elif f.choices:
                skipped[key] = "a choice from a fixed list: the form and full_clean refuse anything else"
            elif key in SKIPPED_FIELDS:
                skipped[key] = SKIPPED_FIELDS[key]
            elif f.max_length is not None and f.max_length < SHORTEST:
                skipped[key] = f"at most {f.max_length} characters and format-checked"
            else:
                targets.append(TextField(model, f.name, f.max_length, _token(len(targets))))
    return targets, skipped


def _token(n: int) -> str:
    # Upper-case letters around the number: never part of a UUID, a hash or a generated reference.
    return f"XS{n:03d}Q"


def json_with_payloads(value, target: TextField):
    """The same structure with every free-text string replaced by the field's payload."""
    if isinstance(value, dict):
        return {
            k: (v if k in JSON_KEYS_KEPT and isinstance(v, str) else json_with_payloads(v, target))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [json_with_payloads(v, target) for v in value]
    if isinstance(value, str):
        return target.payload()
    return value


# --- reading a response -----------------------------------------------------------------------------

TOKEN_RE = re.compile(r"XS\d{3}Q")


@dataclass
class PageReport:
    """What one HTML document did with the payloads."""

    # Tokens seen as text (or in a harmless attribute value): the field is shown, escaped.
    shown: set[str] = field(default_factory=set)
    # Markup that came from a payload: each entry says what and where.
    executed: list[str] = field(default_factory=list)


class _Checker(HTMLParser):
    # Attributes whose value a browser loads or runs: a payload there is never acceptable.
    ACTIVE_ATTRS = frozenset({"src", "href", "action", "formaction", "srcdoc", "style", "data"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.report = PageReport()
        self._in_script: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                # The portal has no inline handlers (its CSP forbids them): any is injected.
                self.report.executed.append(f"<{tag} {name}={value[:60]!r}>")
            elif TOKEN_RE.search(name):
                self.report.executed.append(f"<{tag}> attribute name {name[:60]!r} (broke out of a tag)")
            elif TOKEN_RE.search(value):
                if name in self.ACTIVE_ATTRS and not value.startswith(("/", "?", "#")):
                    self.report.executed.append(f"<{tag} {name}={value[:60]!r}>")
                else:
                    self.report.shown.update(TOKEN_RE.findall(value))
        if tag in ("img", "svg") and dict(attrs).get("src") == "x":
            self.report.executed.append(f"<{tag} src=x> (an injected element)")
        if tag == "script":
            self._in_script = dict(attrs).get("type") or "text/javascript"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = None

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            # Data (json_script) escapes < and >; script code must never carry a payload at all.
            if "alert(" in data or TOKEN_RE.search(data):
                if self._in_script == "application/json" and "<" not in data:
                    self.report.shown.update(TOKEN_RE.findall(data))
                else:
                    self.report.executed.append(f"<script> running {data.strip()[:80]!r}")
            return
        self.report.shown.update(TOKEN_RE.findall(data))


def check_html(content: str) -> PageReport:
    """Parse a document and say which payloads it shows as text and which it turned into markup."""
    checker = _Checker()
    checker.feed(content)
    checker.close()
    report = checker.report
    # The raw text, whatever the parser made of it: an unescaped script tag is always wrong.
    for match in re.finditer(r"<script>alert\(", content, flags=re.IGNORECASE):
        report.executed.append(f"raw {content[match.start() : match.start() + 60]!r}")
    return report
