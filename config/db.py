"""Prepared statements for the few statements on the hot path.

Django binds parameters on the client and never prepares, so PostgreSQL
parses and plans every statement again. For the answer save's row read (four
tables and a count) planning costs three times the execution: about 0.35 ms
of the database's CPU of a save's 0.7 ms (measured with
bench/bench_answer_saves.py). `hot_cursor` gives a Django cursor (errors
wrapped, queries logged under DEBUG and in tests) whose statements
PostgreSQL plans once per connection. Other databases get a plain cursor.

Only fixed statements built once at import belong here: each distinct text is
kept prepared on every connection (psycopg keeps up to 100 per connection,
least recently used first). A pooler between Django and PostgreSQL must
support prepared statements (PgBouncer 1.21+ with `max_prepared_statements`).
"""

from contextlib import contextmanager

import psycopg
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _PreparingCursor(psycopg.Cursor):
    """Server-side binding; every statement prepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


class _DebugCursor(CursorDebugWrapper):
    """Django's query log (DEBUG, tests) for a server-bound statement, whose
    text with its values psycopg does not keep: composed as Django composes it
    under its own `server_side_binding` option."""

    def execute(self, sql, params=None):
        try:
            logged = self.db.ops.compose_sql(sql, params)
        except psycopg.errors.DataError:
            logged = sql
        with self.debug_sql(logged):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def hot_cursor(connection):
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
    cursor = _DebugCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        yield cursor


class RowReader:
    """Rows of a hand-written statement converted as the ORM converts them
    (the backend's converters, then the field's `from_db_value`): aware
    datetimes and booleans on SQLite, decoded JSON everywhere. `fields` gives
    each column's model field, or None for a value kept as it comes (a COUNT)."""

    def __init__(self, fields):
        self.fields = list(fields)
        self._by_alias = {}  # database alias → [(position, converters, column)]

    def _converters(self, connection):
        found = self._by_alias.get(connection.alias)
        if found is None:
            found = []
            for position, field in enumerate(self.fields):
                if field is None:
                    continue
                column = field.get_col(field.model._meta.db_table)
                functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if functions:
                    found.append((position, functions, column))
            self._by_alias[connection.alias] = found
        return found

    def convert(self, row, connection):
        values = list(row)
        for position, functions, column in self._converters(connection):
            for convert in functions:
                values[position] = convert(values[position], column, connection)
        return values
