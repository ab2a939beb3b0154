"""The navigation comes from the entries the apps registered: each resolves, and each person sees
the entries their actions open to them, in the registered order."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from core import registries
from governance.navigation import navigation_for

pytestmark = pytest.mark.django_db


def test_every_registered_entry_names_a_page():
    assert len(registries.navigation) >= 20
    for entry in registries.navigation:
        assert reverse(entry.url_name)


@pytest.mark.parametrize(
    ("who", "labels"),
    [
        (
            "a:dsl",
            [
                "Home",
                "Pupils",
                "Inbox",
                "Report a concern",
                "My reports",
                "Safeguarding queue",
                "Consent check",
                "Requests",
                "Official accounts",
                "Dashboard",
            ],
        ),
        ("a:parent", ["Home", "Inbox", "Report a concern", "My reports", "Your children's consent"]),
        (
            "a:headteacher",
            [
                "Home",
                "Pupils",
                "Inbox",
                "Report a concern",
                "My reports",
                "Concerns to handle",
                "Consent check",
                "Approvals",
                "Requests",
                "Official accounts",
                "Dashboard",
                "Policies",
                "Training",
            ],
        ),
        (
            "trust:data_protection_officer",
            [
                "Home",
                "Pupils",
                "Audit log",
                "Inbox",
                "Dashboard",
                "Trustees' reports",
                "Retention",
                "Breach log",
            ],
        ),
    ],
)
def test_each_person_sees_what_their_actions_open(personas, who, labels):
    user = personas.everyone()[who]
    assert [item["label"] for item in navigation_for(user, "/")] == labels


def test_the_current_entry_is_marked(personas):
    items = navigation_for(personas.a[Role.DSL], reverse("incidents:queue") + "?page=2")
    assert [item["label"] for item in items if item["current"]] == ["Safeguarding queue"]
