"""Template helpers of consent: the section navigation and the hint for a restriction."""

from django import template
from django.urls import reverse

from accounts import access
from accounts.roles import Action
from consent.models import RESTRICTION_HINTS

register = template.Library()

# (label, url name, action): the consent pages, each shown to those whose roles allow it, and the
# MIS import (an accounts page) that brings in the pupils and parents consent asks.
SECTIONS = [
    ("Consent check", "consent:check", Action.CHECK_CONSENT),
    ("Register", "consent:register", Action.CHECK_CONSENT),
    ("Events", "consent:events", Action.CHECK_CONSENT),
    ("Withdrawals to follow up", "consent:follow_ups", Action.MANAGE_CONSENT_REGISTER),
    ("Collections", "consent:collections", Action.RUN_CONSENT_COLLECTION),
    ("Import from the MIS", "accounts:import_upload", Action.ADMINISTER_SCHOOL),
]


@register.inclusion_tag("consent/partials/subnav.html", takes_context=True)
def consent_nav(context):
    """The consent sections this person may use, the current one marked."""
    request = context["request"]
    items = []
    for label, name, action in SECTIONS:
        if access.has_any(request.user, action):
            url = reverse(name)
            items.append({"label": label, "url": url, "current": request.path.startswith(url)})
    return {"items": items if len(items) > 1 else []}


@register.filter
def restriction_hint(value) -> str:
    """What a restriction means, for the hint under its checkbox."""
    return RESTRICTION_HINTS.get(value, "")
