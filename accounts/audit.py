"""The audit log: every organiser action that changes a contest, round, draw
rule, prize table, role, result or publication, and every download of
personal data — who, when, what, and the changed fields before and after.

It lives in `accounts`, the lowest app, so every layer can write it; the rows
are `accounts.models.AuditEntry` (append-only: nothing changes or deletes
them, not the admin, not the ORM, and on PostgreSQL not SQL either).

Writing an entry (from a service, inside its transaction):

    from accounts import audit

    @transaction.atomic
    def disqualify(*, round, user, reason, actor, now=None):
        before = audit.snapshot(standing, ["disqualified", "reason"])
        ...  # the change
        audit.record(
            actor=actor,                     # a User, or None for the system (commands)
            action="result.disqualify",      # a code of ACTIONS below
            obj=result,                      # what changed: object_type / object_id
            contest=round.contest,           # instance (gives the agency) or id
            summary=f"{round.title}: {user} — {reason}",
            before=before,
            after=audit.snapshot(standing, ["disqualified", "reason"]),
        )

- `record` writes one row with the caller's database connection: inside the
  caller's `transaction.atomic` it commits or rolls back with the change, so
  a refused change leaves no entry. Call it after the checks that may refuse
  (or anywhere inside the atomic block: a later exception rolls it back too).
- `before` / `after` are plain JSON-safe dicts. When both are given only the
  keys whose values differ are kept; a creation has only `after`, a deletion
  only `before`, an export neither.
- `snapshot(instance, fields)` turns model fields into such a dict: dates and
  times as ISO text (times in the site's time zone), Decimals as text,
  foreign keys as ids, many-to-many fields as sorted lists of ids, files as
  their names. `json_value(value)` does the same for one value.
- `contest` may be omitted when `obj` has a `contest_id`; the agency defaults
  to the contest's owner agency when `contest` is an instance.
- An unknown action code raises ValueError: add new codes (and their labels)
  to ACTIONS.

Reading: the contest's audit page (`contests:organize-audit`) and its xlsx,
and the site admin (read-only).
"""

import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditEntry

# What happened, "<kind>.<verb>". The kind (before the dot) is what the audit
# page filters on.
ACTIONS = {
    "contest.create": gettext_lazy("Contest created"),
    "contest.update": gettext_lazy("Contest settings changed"),
    "contest.publish": gettext_lazy("Contest published"),
    "contest.close": gettext_lazy("Contest closed"),
    "block.create": gettext_lazy("Block added"),
    "block.update": gettext_lazy("Block changed"),
    "block.delete": gettext_lazy("Block deleted"),
    "round.create": gettext_lazy("Round added"),
    "round.update": gettext_lazy("Round or draw rules changed"),
    "round.delete": gettext_lazy("Round deleted"),
    "round.close": gettext_lazy("Round closed early"),
    "ranking_rules.save": gettext_lazy("Ranking rules saved"),
    "prize_table.save": gettext_lazy("Prize table saved"),
    "result.finalise": gettext_lazy("Round finalised"),
    "result.disqualify": gettext_lazy("Entry disqualified"),
    "result.tie": gettext_lazy("Board's decision on a tie recorded"),
    "publication.publish": gettext_lazy("Winners published"),
    "collective_prize.save": gettext_lazy("Collective prize saved"),
    "collective_prize.publish": gettext_lazy("Collective ranking published"),
    "role.grant": gettext_lazy("Role granted"),
    "role.change": gettext_lazy("Role changed"),
    "role.revoke": gettext_lazy("Role revoked"),
    "export.results_xlsx": gettext_lazy("Results downloaded (xlsx)"),
    "export.winners_xlsx": gettext_lazy("Winners downloaded (xlsx)"),
    "export.winners_pdf": gettext_lazy("Winners downloaded (PDF)"),
    "export.agency_members_xlsx": gettext_lazy("Members who have not taken part downloaded (xlsx)"),
    "export.collective_xlsx": gettext_lazy("Collective ranking downloaded (xlsx)"),
    "export.audit_xlsx": gettext_lazy("Audit log downloaded (xlsx)"),
}

KINDS = {
    "contest": gettext_lazy("Contest"),
    "block": gettext_lazy("Blocks"),
    "round": gettext_lazy("Rounds and draw rules"),
    "ranking_rules": gettext_lazy("Ranking rules"),
    "prize_table": gettext_lazy("Prize tables"),
    "result": gettext_lazy("Results"),
    "publication": gettext_lazy("Publication"),
    "collective_prize": gettext_lazy("Collective prizes"),
    "role": gettext_lazy("Roles"),
    "export": gettext_lazy("Downloads of personal data"),
}


def action_label(action):
    return ACTIONS.get(action, action)


def kind_of(action):
    return action.split(".", 1)[0]


# --- writing ---------------------------------------------------------------------------------


def json_value(value):
    """`value` as plain JSON: ISO text for dates and times (aware times in the
    site's time zone), text for Decimals, ids for model instances, names for
    files, lists for sets (sorted) and tuples."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str | Promise):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((json_value(v) for v in value), key=lambda v: (v is None, str(v)))
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return str(value)


def snapshot(instance, fields):
    """{field name: JSON-safe value} of `instance`'s `fields` (model field
    names): foreign keys as ids, many-to-many fields as sorted ids (read from
    the database; [] for an unsaved instance)."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            value = sorted(getattr(instance, name).values_list("pk", flat=True)) if instance.pk else []
        elif field.is_relation:
            value = getattr(instance, field.attname)
        else:
            value = field.value_from_object(instance)
        values[name] = json_value(value)
    return values


def changes(before, after):
    """The keys of `before` and `after` whose values differ, as two dicts."""
    keys = [k for k in after if after[k] != before.get(k, None)]
    keys += [k for k in before if k not in after and before[k] is not None]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _id(value):
    return getattr(value, "pk", value)


def record(*, actor, action, obj=None, contest=None, agency=None, summary="", before=None, after=None):
    """Append one entry (see the module's docstring). Returns it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to accounts.audit.ACTIONS")
    if before is not None and after is not None:
        before, after = changes(before, after)
    if contest is None and obj is not None:
        contest = getattr(obj, "contest_id", None)
    if agency is None:
        agency = getattr(contest, "owner_agency_id", None)
    user = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_full_name() if user else "",
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        contest_id=_id(contest),
        agency_id=_id(agency),
        summary=str(summary),
        before=json_value(before) if before is not None else None,
        after=json_value(after) if after is not None else None,
    )


# --- reading ---------------------------------------------------------------------------------

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def display_value(value):
    """One stored value as text for people: "—" for none, yes / no, lists
    joined, ISO times as dd/mm/yyyy hh:mm:ss in the site's time zone."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, list):
        return "; ".join(display_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def diff_rows(entry, resolve=None):
    """[(field, before as text, after as text)] of an entry, in the order the
    fields were recorded ("" on the side the entry has not: a creation has no
    before). `resolve(field, value)` may first turn a stored value (ids) into
    what to show (names)."""
    before, after = entry.before or {}, entry.after or {}
    resolve = resolve or (lambda _name, value: value)
    fields = list(after) + [k for k in before if k not in after]
    return [
        (
            name,
            display_value(resolve(name, before.get(name))) if entry.before is not None else "",
            display_value(resolve(name, after.get(name))) if entry.after is not None else "",
        )
        for name in fields
    ]
