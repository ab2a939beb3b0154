"""The home page: what this person came to do, from the cards the apps registered
(core.registries.home_cards), with their unread notifications and their roles."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts import access
from core import registries


def _heading(user) -> str:
    """The role the person lands as, and where they hold it: "Headteacher – School A"."""
    held = access.memberships_for_home(user)
    if not held:
        return "Your account"
    places = ", ".join(str(m.school or m.trust) for m in held)
    return f"{held[0].get_role_display()} – {places}"


@login_required
@require_GET
def home(request):
    """Each person's home page: the first thing they came to do, then the rest as links."""
    user = request.user
    cards = [
        {"card": card, "url": reverse(card.url_name)}
        for card in registries.home_cards
        if card.visible_to(user)
    ]
    if cards and cards[0]["card"].template:
        # A card with a page part of its own (a parent's children) renders it with its context.
        lead = cards[0]
        context = {**(lead["card"].context(user) if lead["card"].context else {}), "card_url": lead["url"]}
        lead["html"] = render_to_string(lead["card"].template, context, request=request)
    context = {
        "heading": _heading(user),
        "lead": cards[0] if cards else None,
        "others": cards[1:],
        "memberships": access.memberships(user),
        "notifications": user.notifications.filter(read_at__isnull=True)[:5],
    }
    return render(request, "governance/home.html", context)
