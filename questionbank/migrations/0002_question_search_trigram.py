"""PostgreSQL only: a trigram index for the bank's accent-insensitive search.

`filtering.filter_questions` searches with `search_text LIKE '%word%'`, which a
B-tree cannot serve; a pg_trgm GIN index can. SQLite (the embedded setup) is
left as it is. When pg_trgm is not available, or the database user may not
create it, the migration still succeeds: search works, without the index
(a superuser can later run `CREATE EXTENSION pg_trgm` and re-run this step
by migrating back to 0001 and forward again).
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

INDEX = "q_search_trgm_idx"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON questionbank_question "
                "USING gin (search_text gin_trgm_ops)"
            )
    except DatabaseError as exc:
        logger.warning("pg_trgm unavailable, bank search stays unindexed: %s", exc)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("questionbank", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
