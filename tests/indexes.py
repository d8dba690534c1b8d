"""Reading a table's indexes back from PostgreSQL, for the tests that guard them."""

from __future__ import annotations

from django.db import connection


def table_indexes(table: str) -> dict[str, dict]:
    """Django's introspection of ``table``'s indexes: name -> {"columns": [...], ...}."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: info for name, info in constraints.items() if info["index"]}


def index_definitions(table: str) -> list[str]:
    """``CREATE INDEX`` statements of ``table``, as pg_indexes gives them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]
