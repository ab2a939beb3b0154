"""Every button on a person's home page and every entry of their menu leads somewhere they may go."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.roles import Role

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a [^>]*href="(/[^"#?]*)"')


def people(personas):
    """Every persona: the trust-wide roles, and school A's."""
    found = dict(personas.trust_users)
    for role in Role:
        if role.value not in found:
            try:
                found[role.value] = personas.a[role.value]
            except KeyError:
                continue
    return found


def test_every_home_page_link_opens_for_its_reader(personas, client_for):
    broken, checked = [], {}
    for role, user in sorted(people(personas).items()):
        client = client_for(user)
        home = client.get(reverse("home"))
        assert home.status_code == 200, role
        for href in sorted(set(LINK.findall(home.content.decode()))):
            if href.startswith(("/static/", "/account/sign-out")):
                continue
            status = client.get(href).status_code
            checked[role] = checked.get(role, 0) + 1
            if status != 200:
                broken.append(f"{role}: {href} answers {status}")
    assert broken == []
    # Every role was read with its links (not a page of none).
    assert set(checked) == set(people(personas)), set(people(personas)) - set(checked)
    assert min(checked.values()) >= 2, checked
