"""What governance adds to the navigation: the inbox, the dashboards and the data protection
pages (the home page is the first entry)."""

from __future__ import annotations

from accounts import access
from accounts.roles import Action
from core import registries
from governance import breaches, demo, policies


def _signed_in(user) -> bool:
    return True


NAVIGATION = (
    ("home", "Home", "home", _signed_in, 0),
    ("audit_log", "Audit log", "governance:audit_log", access.anyone_who(Action.VIEW_AUDIT_LOG), 20),
    ("inbox", "Inbox", "governance:inbox", _signed_in, 30),
    (
        "dashboard",
        "Dashboard",
        "governance:dashboard",
        access.anyone_who(Action.VIEW_DASHBOARD, Action.VIEW_AGGREGATES),
        200,
    ),
    ("policies", "Policies", "governance:policy_list", access.anyone_who(Action.MANAGE_POLICIES), 210),
    ("training", "Training", "governance:training_list", access.anyone_who(Action.MANAGE_POLICIES), 220),
    (
        "trustee_reports",
        "Trustees' reports",
        "governance:trustee_reports",
        access.anyone_who(Action.VIEW_TRUSTEE_REPORTS),
        230,
    ),
    ("retention", "Retention", "governance:retention", access.anyone_who(Action.MANAGE_RETENTION), 240),
    ("breaches", "Breach log", "governance:breach_list", access.anyone_who(Action.MANAGE_RETENTION), 245),
)


def register() -> None:
    registries.home_cards.register(
        registries.HomeCard(
            key="governance.dashboard",
            label="Dashboard",
            url_name="governance:dashboard",
            visible_to=access.anyone_who(Action.VIEW_DASHBOARD, Action.VIEW_AGGREGATES),
            description="Your dashboard shows the figures of your schools: open concerns, takedowns inside "
            "24 hours, requests waiting for a decision and photo consent coverage.",
            order=80,
        )
    )
    registries.register_navigation("governance", NAVIGATION)
    registries.demo_records.register(
        registries.DemoRecords(key="governance", seed=demo.seed_demo_records, order=90)
    )
    registries.deadline_counts.register(
        registries.DeadlineCount(
            key="policy_reviews",
            label="Policies past their review date",
            overdue=policies.overdue_policy_reviews,
            order=70,
        )
    )
    registries.deadline_counts.register(
        registries.DeadlineCount(
            key="breaches",
            label="Personal-data breaches past the ICO's 72 hours with no decision recorded",
            overdue=breaches.overdue_breaches,
            order=80,
        )
    )
    registries.register_navigation(
        "operations",
        [("status", "Operations", "operations", access.anyone_who(Action.VIEW_OPERATIONS), 250)],
    )
