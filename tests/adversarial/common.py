"""What the adversarial tests share: counting every table, and posting with or without a CSRF token."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

PORTAL_APPS = ("core", "accounts", "approvals", "consent", "governance", "incidents")


def row_counts() -> dict[str, int]:
    """The number of rows of every model of the portal, of sessions, of TOTP devices and of
    django-axes' attempts: what a refused request must leave exactly as it was."""
    counted = [m for m in apps.get_models() if m._meta.app_label in PORTAL_APPS]
    counted += [apps.get_model("sessions", "Session"), apps.get_model("axes", "AccessAttempt")]
    return {m._meta.label_lower: m._default_manager.count() for m in counted}


def with_csrf_cookie(client: Client) -> str:
    """Give the client the CSRF cookie a browser carries from any page; return its value."""
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return token


def csrf_post(client: Client, url: str, data: dict | None = None, **extra):
    """POST as a browser does: the form carries the token that is in the client's cookie."""
    if settings.CSRF_COOKIE_NAME not in client.cookies:
        with_csrf_cookie(client)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def is_csrf_refusal(response) -> bool:
    """A 403 from Django's CSRF check (its failure page), not from the view."""
    return response.status_code == 403 and b"CSRF verification failed" in response.content
