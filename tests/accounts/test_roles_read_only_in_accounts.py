"""Only the access layer reads roles. Code outside accounts/ asks accounts.access a question
("which schools may this user do ACTION in", "the staff of these schools", "who has the duty of
ACTION here") and never looks at a membership's role, the role table or a role's value itself:
otherwise a change to who may do what has to be found in every app, and one is missed.

The check reads the source (Python through its syntax tree, templates as text), so it fails on
the line that reads a role, wherever it is added."""

# ruff: noqa: E501 (the allowed lines below are quoted exactly as they stand in their files)

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]
CHECKED_PACKAGES = ("core", "portal", "incidents", "consent", "approvals", "governance")
# The role table and the sets built from it; Action (what a person may do) is for everyone.
ROLE_NAMES = frozenset(
    {
        "Role",
        "ROLE_ACTIONS",
        "SCHOOL_ROLES",
        "TRUST_ROLES",
        "SCHOOL_WORKFORCE",
        "TRUST_STAFF_ROLES",
        "TWO_FACTOR_ROLES",
        "HOME_ORDER",
        "DUTY_HOLDERS",
        "actions_for_roles",
    }
)
# Role values also used as words for other things ("staff" training, a "pupil" named in an
# incident, a "parent" session) are left to the checks on names and lookups.
ROLE_VALUES = frozenset(Role.values) - {"staff", "pupil", "parent"}

# Lines outside accounts/ that still read roles, in apps being restructured now; each is to call
# the accounts function named beside it, and then leave this list. Keyed by file and the line's
# text, so a moved line still matches and a changed one fails.
ALLOWED = {
    # accounts.access.officers_for(Action.TRIAGE_INCIDENTS / HANDLE_STAFF_CONDUCT, school_id): the
    # escalation ladder (headteacher, then trust safeguarding lead) as a DUTY_HOLDERS entry.
    ("incidents/escalation.py", "from accounts.roles import Role"),
    (
        "incidents/escalation.py",
        "people = list(access.holders_of_role(Role.HEADTEACHER, takedown.school_id).exclude(pk__in=named))",
    ),
    (
        "incidents/escalation.py",
        "access.holders_of_role(Role.HEADTEACHER, takedown.school_id).exclude(pk__in=named)",
    ),
    (
        "incidents/escalation.py",
        "access.holders_of_role(Role.TRUST_SAFEGUARDING_LEAD, takedown.school_id).exclude(pk__in=named)",
    ),
    # accounts.access.staff_of([school]) filtered to the named people, and a headteachers_of()
    # (officers_for(Action.DECIDE_AS_HEADTEACHER, school)) for the headteacher.
    ("incidents/routing.py", "from accounts.roles import Action, Role"),
    ("incidents/routing.py", "user_id__in=named_staff, school=school, role=Role.HEADTEACHER"),
    # accounts.access.staff_of(schools) / access.staff_q(school_ids=..., prefix="memberships__").
    ("incidents/forms/report.py", "from accounts.roles import SCHOOL_WORKFORCE, Action"),
    ("incidents/forms/report.py", "memberships__role__in=sorted(SCHOOL_WORKFORCE),"),
    ("incidents/forms/report.py", "user__in=staff, school=school, role__in=sorted(SCHOOL_WORKFORCE)"),
    # accounts.access.officers_for(Action.DECIDE_AS_MARKETING, school): marketing officer, then
    # director of marketing, as a DUTY_HOLDERS entry.
    ("approvals/posts.py", "from accounts.roles import Action, Role"),
    (
        "approvals/posts.py",
        "people = list(access.holders_of_role(Role.MARKETING_OFFICER, post.request.school_id))",
    ),
    (
        "approvals/posts.py",
        "people += list(access.holders_of_role(Role.DIRECTOR_OF_MARKETING, post.request.school_id))",
    ),
    # An accounts service adding parent memberships for the MIS import (accounts.services), and
    # access.parents_of(school) for the existing ones.
    ("consent/mis_import/plan.py", "from accounts.roles import Role"),
    (
        "consent/mis_import/plan.py",
        'Membership.objects.filter(school=school, role=Role.PARENT).values_list("user_id", flat=True)',
    ),
    (
        "consent/mis_import/plan.py",
        "Membership(user_id=pk, role=Role.PARENT, school=school, trust_id=school.trust_id)",
    ),
    # The demo seeding picks its logins by role: accounts.demo to hand them out by persona.
    ("incidents/demo.py", "from accounts.roles import Role"),
    ("incidents/demo.py", "staff = data.login(Role.STAFF, school)"),
    ("incidents/demo.py", "dsl = data.login(Role.DSL, school)"),
    ("incidents/demo.py", "deputy = data.login(Role.DEPUTY_DSL, school)"),
    ("incidents/demo.py", "parent = data.login(Role.PARENT, school)"),
    ("incidents/demo.py", "marketing = data.login(Role.MARKETING_OFFICER, school)"),
    ("consent/demo.py", "from accounts.roles import Role"),
    ("consent/demo.py", "parent = data.login(Role.PARENT, school)"),
    ("consent/demo.py", "officer = data.login(Role.MARKETING_OFFICER, school)"),
    ("consent/demo.py", "by=data.login(Role.DIRECTOR_OF_MARKETING),"),
    ("approvals/demo.py", "from accounts.roles import Role"),
    ("approvals/demo.py", "self.head = data.login(Role.HEADTEACHER, school)"),
    ("approvals/demo.py", "self.marketing = data.login(Role.MARKETING_OFFICER, school)"),
    ("approvals/demo.py", "self.ict = data.login(Role.ICT_TECHNICIAN, school)"),
    ("approvals/demo.py", "self.parent = data.login(Role.PARENT, school)"),
    (
        "approvals/demo.py",
        "staff = [item.user for item in data.logins if item.role == Role.STAFF and item.school == school]",
    ),
}


def _role_reads_in_python(source: str) -> list[tuple[int, str]]:
    """(line, why) for every place the module reads a role."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    imported: dict[str, str] = {}  # local name -> what it is in accounts.roles
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "accounts.roles":
            for alias in node.names:
                if alias.name != "Action":
                    imported[alias.asname or alias.name] = alias.name
                    found.append((node.lineno, f"imports {alias.name} from accounts.roles"))
        elif isinstance(node, ast.ImportFrom) and node.module == "accounts":
            found += [(node.lineno, "imports accounts.roles") for a in node.names if a.name == "roles"]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, "imports accounts.roles") for a in node.names if a.name == "accounts.roles"
            ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in imported and isinstance(node.ctx, ast.Load):
            found.append((node.lineno, f"uses {imported[node.id]}"))
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_NAMES - {"Role"}:
            found.append((node.lineno, f"uses {node.attr}"))
        elif isinstance(node, ast.Call):
            callee = ast.unparse(node.func)
            for keyword in node.keywords:
                name = keyword.arg or ""
                on_membership = "Membership" in callee and (name == "role" or name.startswith("role__"))
                if on_membership or "memberships__role" in name:
                    found.append((keyword.lineno, f"filters memberships by {name}"))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Attribute) and side.attr == "role" for side in sides):
                found.append((node.lineno, "compares a role"))
        if isinstance(node, ast.Constant) and node.value in ROLE_VALUES:
            found.append((node.lineno, f"names the role {node.value!r}"))
    return found


TEMPLATE_TAG = re.compile(r"{%.*?%}", re.S)
TEMPLATE_ROLE_READ = re.compile(
    r"\.role\b(?!_)|\brole\s*(==|!=|\bin\b)|ROLE_ACTIONS|\bRole\.|"
    + "|".join(rf"['\"]{re.escape(value)}['\"]" for value in sorted(ROLE_VALUES))
)


def _role_reads_in_template(text: str) -> list[tuple[int, str]]:
    """(line, why) for every template tag that reads a role (showing a role's name, through
    ``get_role_display``, is not reading it)."""
    found = []
    for tag in TEMPLATE_TAG.finditer(text):
        if TEMPLATE_ROLE_READ.search(tag.group()):
            found.append((text.count("\n", 0, tag.start()) + 1, f"reads a role in {tag.group()!r}"))
    return found


def _offenders() -> list[str]:
    offenders = []
    files = [p for package in CHECKED_PACKAGES for p in (ROOT / package).rglob("*.py")]
    files += list((ROOT / "templates").rglob("*.html"))
    files += [p for package in CHECKED_PACKAGES for p in (ROOT / package).rglob("templates/**/*.html")]
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        text = path.read_text()
        lines = text.splitlines()
        reads = _role_reads_in_python(text) if path.suffix == ".py" else _role_reads_in_template(text)
        for lineno, why in reads:
            line = lines[lineno - 1].strip()
            if (relative, line) not in ALLOWED:
                offenders.append(f"{relative}:{lineno}: {why}: {line}")
    return sorted(set(offenders))


def test_no_code_outside_accounts_reads_roles():
    assert _offenders() == []


def test_every_allowed_line_is_still_there():
    # An entry whose line has been fixed (or moved to another file) comes off the list, so the
    # list only ever shrinks.
    present = set()
    for relative, line in ALLOWED:
        path = ROOT / relative
        if path.exists() and line in {text.strip() for text in path.read_text().splitlines()}:
            present.add((relative, line))
    assert ALLOWED - present == set()


@pytest.mark.parametrize(
    "source",
    [
        "from accounts.roles import Role\nx = Role.DSL\n",
        "from accounts.roles import SCHOOL_WORKFORCE\n",
        "from accounts import roles\n",
        "import accounts.roles\n",
        "from accounts.roles import Action as A, ROLE_ACTIONS as R\n",
        "Membership.objects.filter(school=s, role__in=staff)\n",
        "Membership(user=u, role=r)\n",
        "User.objects.filter(memberships__role='dsl')\n",
        "ok = membership.role == 'headteacher'\n",
        "ok = m.role in ('ceo', 'trustee')\n",
        "held = [m for m in memberships if m.role == role]\n",
        "x = access.ROLE_ACTIONS\n",
        "ROLE = 'data_protection_officer'\n",
    ],
)
def test_the_check_finds_a_role_read_in_python(source):
    assert _role_reads_in_python(source)


@pytest.mark.parametrize(
    "source",
    [
        "from accounts.roles import Action\naccess.schools_for(user, Action.VIEW_DASHBOARD)\n",
        "IncidentPerson.objects.filter(role=IncidentPerson.Role.ALLEGED)\n",
        "session.kind == 'staff'\n",
        "label = membership.get_role_display()\n",
    ],
)
def test_the_check_leaves_other_code_alone(source):
    assert _role_reads_in_python(source) == []


@pytest.mark.parametrize(
    "text",
    [
        "{% if m.role == 'dsl' %}x{% endif %}",
        "{% if membership.role %}x{% endif %}",
        "{% if 'headteacher' in roles %}x{% endif %}",
        "{% if role == r %}x{% endif %}",
    ],
)
def test_the_check_finds_a_role_read_in_a_template(text):
    assert _role_reads_in_template(text)


def test_the_check_leaves_role_names_and_aria_roles_in_templates_alone():
    text = '<div role="region">{{ m.get_role_display }}{% if card.start %}{{ step.by_role }}{% endif %}</div>'
    assert _role_reads_in_template(text) == []
