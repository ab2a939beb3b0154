"""An import inside a function hides a cycle between the layers (STYLE.md). The few that must stay
(a module that is optional at start-up, a signal receiver that would otherwise import upwards) say
why in a comment on the line above or at the end of the line; this test fails on any other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "accounts", "incidents", "consent", "approvals", "governance", "portal")


def _project_module(node: ast.Import | ast.ImportFrom) -> str | None:
    if isinstance(node, ast.ImportFrom):
        names = [node.module or ""] if node.level == 0 else ["."]
    else:
        names = [alias.name for alias in node.names]
    for name in names:
        if name == "." or name.split(".")[0] in PACKAGES:
            return name
    return None


def _inner_imports(path: Path):
    """(line, module) of each project import inside a function body of the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import | ast.ImportFrom) and (module := _project_module(node)):
                yield node.lineno, module


def _reason(comment: str) -> bool:
    """Does the comment say something besides a linter's marker (noqa, type: ignore)?"""
    words = re.sub(r"noqa(:\s*[A-Z]+[0-9]+(,\s*[A-Z]+[0-9]+)*)?|type:\s*ignore(\[[^]]*\])?", "", comment)
    return bool(re.search(r"[A-Za-z]{3,}", words))


def _explained(lines: list[str], lineno: int) -> bool:
    """A comment at the end of the line, or above the block of imports the line belongs to."""
    if _reason(lines[lineno - 1].partition("#")[2]):
        return True
    above = lineno - 2
    while above >= 0 and (not lines[above].strip() or lines[above].lstrip().startswith(("from ", "import "))):
        above -= 1
    return above >= 0 and lines[above].lstrip().startswith("#")


def project_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def unexplained_inner_imports() -> list[str]:
    found = []
    for path in project_files():
        lines = path.read_text().splitlines()
        for lineno, module in _inner_imports(path):
            if not _explained(lines, lineno):
                found.append(f"{path.relative_to(ROOT)}:{lineno} imports {module}")
    return found


def test_every_import_inside_a_function_says_why():
    assert unexplained_inner_imports() == []


def test_the_check_finds_an_unexplained_inner_import(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(
        "def a():\n"
        "    from accounts import access\n"
        "def b():\n"
        "    # Imported here: the app registry is not ready when this module loads.\n"
        "    from incidents.models import Incident\n"
        "def c():\n"
        "    import json\n"
        "    from core import once  # the signal handler would import upwards\n"
        "def d():\n"
        "    # The registry is ready only now.\n"
        "    from django.db import models\n"
        "\n"
        "    from accounts import audit\n"
        "    x = 1\n"
        "    from consent import selectors\n"
        "def e():\n"
        "    from approvals import kinds  # noqa: F401\n"
        "    from approvals import signals  # noqa: F401 - the receivers connect on import\n"
    )
    lines = source.read_text().splitlines()
    verdicts = {lineno: _explained(lines, lineno) for lineno, _ in _inner_imports(source)}
    assert verdicts == {2: False, 5: True, 8: True, 13: True, 15: False, 17: False, 18: True}
