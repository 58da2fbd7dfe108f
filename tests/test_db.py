"""config.db.hot_cursor: prepared statements on PostgreSQL, a plain cursor
elsewhere, and Django's error wrapping and query log either way."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from config.db import hot_cursor

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="prepared statements exist on PostgreSQL only (CI pass 2 has DATABASE_URL)",
)


def test_it_runs_statements_and_logs_them_with_their_values(db):
    with CaptureQueriesContext(connection) as queries, hot_cursor(connection) as cursor:
        cursor.execute("SELECT %s + 1, %s", [41, "xin chào"])
        assert cursor.fetchone() == (42, "xin chào")
    assert len(queries) == 1
    assert "41" in queries[0]["sql"] and "xin chào" in queries[0]["sql"]


def test_database_errors_come_out_as_djangos(db):
    with pytest.raises(DatabaseError), hot_cursor(connection) as cursor:
        cursor.execute("SELECT no_such_column FROM accounts_user WHERE id = %s", [1])


@on_postgres
def test_on_postgresql_the_statement_is_prepared_once_per_connection(db):
    sql = "SELECT count(*) FROM accounts_user WHERE id > %s"
    for n in range(3):
        with hot_cursor(connection) as cursor:
            cursor.execute(sql, [n])
            assert cursor.fetchone() == (0,)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert prepared.count(sql.replace("%s", "$1")) == 1
    # Django's own cursors stay client-bound and unprepared.
    assert all("pg_prepared_statements" not in statement for statement in prepared)
