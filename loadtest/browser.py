"""What a browser and an authenticator app do for the load test: read forms, make TOTP codes.

Standard library only, so the load generator needs neither Django nor the portal's settings.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django_otp.oath import hotp

TOTP_STEP = 30
TOTP_DIGITS = 6
CASE_LINK = re.compile(r'href="(/incidents/[0-9a-f-]{36}/)"')
CHILD_LINK = re.compile(r'href="(/consent/children/[0-9a-f-]{36}/)[^"]*"')


def totp_code(key_hex: str, step: int) -> str:
    """The code an authenticator app shows for this time step (RFC 6238, by django-otp's own
    implementation, the one the portal checks codes with)."""
    return str(hotp(bytes.fromhex(key_hex), step, digits=TOTP_DIGITS)).zfill(TOTP_DIGITS)


class CodeClock:
    """Hands out time steps so that no account gets a code it has already used.

    The portal accepts each code once (django_otp keeps the last step used), so two simulated
    people sharing one account wait for the next step, as a person would wait for a new code.
    """

    def __init__(self) -> None:
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def remember(self, email: str, step: int) -> None:
        """Record a step the portal has already seen for this account."""
        with self._lock:
            self._used[email] = max(step, self._used.get(email, -1))

    def claim(self, email: str, now: float | None = None) -> tuple[int, float]:
        """The step to use and the seconds to wait before it begins."""
        now = time.time() if now is None else now
        current = int(now // TOTP_STEP)
        with self._lock:
            step = max(current, self._used.get(email, -1) + 1)
            self._used[email] = step
        return step, max(0.0, step * TOTP_STEP - now)


@dataclass
class Form:
    """A form as a browser would submit it: its action, method and current values."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        """The first value the form would send under this name."""
        return next((v for n, v in self.fields if n == name), None)

    def set(self, name: str, value: str | list[str]) -> None:
        """Replace every value under this name."""
        values = value if isinstance(value, list) else [value]
        self.fields = [(n, v) for n, v in self.fields if n != name] + [(name, v) for v in values]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_chosen = False
        self._select_multiple = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"radio", "checkbox"}:
                form.options.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_chosen = name, False
            self._select_multiple = "multiple" in a
            form.options.setdefault(name, [])
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.options[self._select].append(value)
            if "selected" in a:
                form.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            options = self.forms[-1].options[self._select]
            # A single select with nothing marked sends its first option; a multiple one, nothing.
            if not self._select_chosen and not self._select_multiple and options:
                self.forms[-1].fields.append((self._select, options[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1].fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def forms_in(html: str) -> list[Form]:
    """Every form on a page, in order."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field_name: str) -> Form | None:
    """The first form on a page that has a field of this name."""
    for form in forms_in(html):
        if form.value(field_name) is not None or field_name in form.options:
            return form
    return None


def case_links(html: str) -> list[str]:
    """Links to incident pages on a queue or list page."""
    return list(dict.fromkeys(CASE_LINK.findall(html)))


def child_links(html: str) -> list[str]:
    """Links to each child's consent page on a parent's overview."""
    return list(dict.fromkeys(CHILD_LINK.findall(html)))
