"""Finding a query run once per row (N+1) in what a page asked the database."""

from __future__ import annotations

import re
from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

# The same query for other rows: literals and numbers left out.
_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
# Shapes a page may repeat this many times (a query asked once by the page and once by a
# permission check, say) before it counts as a query per row.
MOST_REPEATS = 2


def repeated_queries(client, url: str) -> dict[str, int]:
    """GET ``url`` (it must answer 200): each query shape it ran more than MOST_REPEATS times."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    shapes = Counter(_LITERAL.sub("?", query["sql"]) for query in queries.captured_queries)
    return {sql[:200]: n for sql, n in shapes.items() if n > MOST_REPEATS}
