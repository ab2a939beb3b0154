"""Template helpers of the MIS import pages."""

from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    """A whole number with thousands separated by commas: 80000 → "80,000"."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
