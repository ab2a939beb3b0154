"""Count the queries a page makes, to pin them and to prove they do not grow with the data."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_for(client, url: str) -> list[str]:
    """The SQL statements one GET of the URL runs (the page must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return [q["sql"] for q in captured.captured_queries]


def assert_constant_queries(
    client, url: str, grow: Callable[[], None], *, expected: int | None = None
) -> int:
    """GET the URL, ``grow()`` the data, GET again: the number of queries must not change."""
    before = queries_for(client, url)
    grow()
    after = queries_for(client, url)
    assert len(before) == len(after), (
        f"{url}: {len(before)} queries before, {len(after)} after the data grew:\n" + "\n".join(after)
    )
    if expected is not None:
        assert len(after) == expected, f"{url}: expected {expected} queries, got {len(after)}:\n" + "\n".join(
            after
        )
    return len(after)
