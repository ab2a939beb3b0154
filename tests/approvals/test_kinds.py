"""Every kind of request is declared once and completely (approvals.kinds), and nothing else in the
app picks by the type: adding a kind is declaring it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.roles import Action
from approvals.forms.base import RequestForm
from approvals.forms.decisions import DecisionForm
from approvals.models import ApprovalRequest, RequestType, State
from approvals.workflows import all_workflows, get_workflow

APP = Path(__file__).resolve().parents[2] / "approvals"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "approvals"
KINDS = set(RequestType.values)


def test_every_request_type_is_declared_and_nothing_else_is():
    assert [w.type for w in all_workflows()] == list(RequestType.values)


@pytest.mark.parametrize("type_", RequestType.values)
def test_each_declaration_is_complete(type_):
    workflow = get_workflow(type_)
    assert workflow.label == RequestType(type_).label
    # The detail model is the kind's own record, one-to-one with the request.
    link = workflow.detail_model._meta.get_field("request")
    assert link.one_to_one and link.related_model is ApprovalRequest
    assert hasattr(ApprovalRequest, workflow.detail_related_name)
    # Its forms: one to ask and to change it, editing that record; one to decide it.
    assert issubclass(workflow.request_form, RequestForm)
    assert workflow.request_form._meta.model is workflow.detail_model
    assert workflow.request_form.intro and workflow.request_form.policy
    assert issubclass(workflow.decision_form, DecisionForm)
    # The signed PDF: a title, and what each signature means.
    assert workflow.pdf_title.strip()
    assert workflow.steps
    names = [step.name for step in workflow.steps]
    assert len(names) == len(set(names)), "a step name is declared twice"
    for step in workflow.steps:
        assert step.statement.strip(), f"{type_}: {step.name} has no statement for the PDF"
        assert step.role_label.strip() and step.label.strip()
        assert step.action in Action.values
        assert step.to_state in State.values and set(step.from_states) <= set(State.values)
    assert any(step.to_state == State.APPROVED for step in workflow.steps)
    assert any(State.SUBMITTED in step.from_states for step in workflow.steps)
    # Its page to ask for it exists.
    assert reverse(f"approvals:create_{type_}")


def _kind_of(node: ast.AST) -> str | None:
    """The kind a dictionary key names: "post", or ("post", "marketing_approve")."""
    if isinstance(node, ast.Tuple) and node.elts:
        node = node.elts[0]
    if isinstance(node, ast.Constant) and node.value in KINDS:
        return node.value
    return None


def _picks_by_type(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            on_type = any(isinstance(s, ast.Attribute) and s.attr == "type" for s in sides)
            literal = any(
                isinstance(s, ast.Constant)
                and s.value in KINDS
                or isinstance(s, ast.Tuple | ast.List | ast.Set)
                and any(_kind_of(e) for e in s.elts)
                for s in sides
            )
            if on_type and literal:
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict):
            # A table keyed by two kinds or more is the declaration written again somewhere else.
            if len({_kind_of(k) for k in node.keys if k is not None} - {None}) >= 2:
                lines.append(node.lineno)
    return lines


def test_no_module_picks_by_the_type_string():
    found = []
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line in _picks_by_type(ast.parse(path.read_text(), filename=str(path))):
            found.append(f"{path.relative_to(APP.parent)}:{line}")
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.type\s*(==|!=|in)\s*[\"']", line):
                found.append(f"{path.relative_to(TEMPLATES.parents[1])}:{number}")
    assert found == [], "Read the kind's declaration (request.workflow) instead: " + ", ".join(found)


def test_the_check_finds_a_table_keyed_by_the_type():
    # The check above must be able to fail: the shapes it replaced are found.
    assert _picks_by_type(ast.parse('TITLES = {"post": "a", "branding": "b"}'))
    assert _picks_by_type(ast.parse('S = {("post", "x"): "a", ("connection", "y"): "b"}'))
    assert _picks_by_type(ast.parse('if obj.type == "blocked_content":\n    pass'))
    assert not _picks_by_type(ast.parse('row = {"post": 1, "pupil": 2}'))
