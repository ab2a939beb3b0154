"""Checks on what people type into approval forms and the accounts register."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

HANDLE_RE = re.compile(r"^@[A-Za-z0-9_.]{1,50}$")
_url = URLValidator(schemes=["https"])


def validate_handle(value: str) -> None:
    """An account handle (@name) or the full https address of the page."""
    value = (value or "").strip()
    if HANDLE_RE.match(value):
        return
    try:
        _url(value)
    except ValidationError:
        raise ValidationError(
            "Enter the handle starting with @ (letters, numbers, dots and underscores only), or the "
            "full web address starting with https://",
            code="invalid_handle",
        ) from None


# Names of password managers that would otherwise look like passwords (letters and digits mixed).
KNOWN_PRODUCTS = {"1password", "lastpass", "bitwarden", "keepass", "keepassxc", "dashlane", "keeper"}
_LABELLED_SECRET = re.compile(
    r"\b(password|passwd|pwd|passcode|pin|pass)\b\s*(is\b|[:=])", flags=re.IGNORECASE
)
_URL_OR_EMAIL = re.compile(r"^(https?://|www\.)|@.+\.", flags=re.IGNORECASE)
LOOKS_LIKE_MESSAGE = (
    "This looks like a password. Say where the sign-in details are kept, for example “Trust password "
    "manager, vault Marketing” — never the password itself."
)
SINGLE_WORD_MESSAGE = (
    "Describe where the sign-in details are kept in a few words, for example “Trust password manager, "
    "vault Marketing”. A single word could be the password itself, which is never recorded here."
)


def password_problem(value: str) -> str | None:
    """Why the text looks like it holds a password rather than where one is kept (None if it does not)."""
    text = (value or "").strip()
    if not text:
        return None
    if _LABELLED_SECRET.search(text):
        return LOOKS_LIKE_MESSAGE
    words = text.split()
    # A single word says nothing about a place, and is far more likely to be the secret itself.
    if len(words) == 1 and len(text) >= 6:
        return SINGLE_WORD_MESSAGE
    for word in words:
        token = word.strip("\"'“”‘’.,;:()[]")
        if len(token) < 8 or token.lower() in KNOWN_PRODUCTS or _URL_OR_EMAIL.search(token):
            continue
        has_alpha = any(c.isalpha() for c in token)
        has_digit = any(c.isdigit() for c in token)
        has_symbol = any(not c.isalnum() and c not in "-_'’" for c in token)
        # Words, vault and product names are letters, perhaps hyphenated or possessive; a secret mixes
        # letters with digits or symbols.
        if has_alpha and (has_digit or has_symbol):
            return LOOKS_LIKE_MESSAGE
    return None


def looks_like_password(value: str) -> bool:
    """Does the text look like it holds a password rather than where one is kept?"""
    return password_problem(value) is not None


def validate_not_password(value: str) -> None:
    """Refuse a credentials location that looks like a password (the register never holds one)."""
    problem = password_problem(value)
    if problem:
        raise ValidationError(problem, code="looks_like_password")
