"""Authentication backends: Django's and allauth's, with a cheaper user load.

Every logged-in request loads its user by primary key (`get_user`). Django's
backend does it with `User.objects.get(pk=...)`, and building that query
cost more than running it: 0.35 ms per load against 0.13 ms for the same
row read with a ready statement, in a save that costs Django about 1.4 ms
(the hot path at deadline spikes; bench/bench_save_cpu.py). Here the SELECT is
built once per database and the row goes through the same converters and
`Model.from_db` as the ORM's own, so the instance is the one the ORM would
return. Everything else (credentials, `is_active`, the session hash check in
`django.contrib.auth.get_user`, permissions) is the parent classes'.
"""

from allauth.account import auth_backends as allauth_backends
from asgiref.sync import sync_to_async
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router

from config.db import RowReader, hot_cursor


class UserLoader:
    """One user row by primary key, loaded as the ORM would load it."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.reader = RowReader(self.fields)
        self.sql = {}  # database alias → the SELECT

    def _select(self, connection):
        quote = connection.ops.quote_name
        return "SELECT {} FROM {} WHERE {} = %s".format(
            ", ".join(quote(field.column) for field in self.fields),
            quote(self.model._meta.db_table),
            quote(self.model._meta.pk.column),
        )

    def get(self, pk):
        """The user, or None when there is no such row."""
        try:
            pk = self.model._meta.pk.to_python(pk)
        except ValidationError:  # not an id of this model: no such user
            return None
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        sql = self.sql.get(alias) or self.sql.setdefault(alias, self._select(connection))
        with hot_cursor(connection) as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        return self.model.from_db(alias, self.attnames, self.reader.convert(row, connection))


_loader = None


def load_user(pk):
    global _loader
    if _loader is None:
        _loader = UserLoader(get_user_model())
    return _loader.get(pk)


class FastUserMixin:
    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(FastUserMixin, django_backends.ModelBackend):
    """django.contrib.auth's ModelBackend (admin login by email and password)."""


class AuthenticationBackend(FastUserMixin, allauth_backends.AuthenticationBackend):
    """allauth's backend (login by email, the site's login form)."""
