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
# Lines outside accounts/ allowed to read a role. Empty: every app asks the access layer (named
# helpers such as access.headteachers_of or access.staff_of) instead; keep it so.
ALLOWED: set[tuple[str, str]] = set()


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
