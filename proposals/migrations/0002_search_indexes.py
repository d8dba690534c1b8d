"""Full-text and trigram indexes for search and similar-idea suggestions (PostgreSQL only).

pg_trgm is created with Django's ``TrigramExtension``. The indexes are PostgreSQL
features, so on the embedded SQLite default this migration creates nothing: there the
selectors fall back to plain substring matching.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "proposals_idea_title_trgm_idx": (
        'CREATE INDEX IF NOT EXISTS proposals_idea_title_trgm_idx ON proposals_idea '
        "USING gin (title gin_trgm_ops)"
    ),
    # The expression selectors.idea_list filters on: SearchVector("title", "body", "simple").
    "proposals_idea_search_idx": (
        "CREATE INDEX IF NOT EXISTS proposals_idea_search_idx ON proposals_idea USING gin "
        "(to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(body, '')))"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES.values():
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_ideas_votes_points")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
