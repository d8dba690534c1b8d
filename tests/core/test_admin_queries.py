"""Every admin page on the demo data: it opens, and no query runs once per row (N+1).

A page that loads a related object for each row of a list or inline repeats one query
shape (the same SQL with other numbers) once per row. The demo data has several rows for
every model with a list, so such a page repeats a shape at least three times.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

# The same query for other rows: literals and numbers left out.
_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
# Shapes a page may repeat this many times (a query asked once by the page and once by a
# permission check, say) before it counts as a query per row.
_MOST_REPEATS = 2


def _admin_pages() -> list[str]:
    pages = []
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        latest = model._default_manager.order_by("-pk").first()
        if latest is not None:
            pages.append(reverse(f"{name}_change", args=[latest.pk]))
    return pages


@pytest.fixture
def staff_client(client, uncollected_static):
    call_command("seed_demo", "--if-empty", verbosity=0)
    administrator = get_user_model().objects.filter(is_superuser=True).first()
    client.force_login(administrator)
    return client


def test_every_admin_page_opens_without_a_query_per_row(staff_client):
    pages = _admin_pages()
    assert len(pages) > 40  # every module's admin, with the demo data in it
    per_row = {}
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        shapes = Counter(_LITERAL.sub("?", query["sql"]) for query in queries.captured_queries)
        repeated = {sql[:200]: n for sql, n in shapes.items() if n > _MOST_REPEATS}
        if repeated:
            per_row[url] = repeated
    assert per_row == {}
