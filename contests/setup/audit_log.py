"""The contest side of the audit log (`accounts.audit`): what an entry keeps of
a contest, a block and a round (the services record them), and the contest's
entries as the audit page and its xlsx show them.

An entry keeps every setting of the object: foreign keys and many-to-many
fields as ids, a round's draw rules as text ("6 × tthc easy (cbccvc)": count,
topic code, difficulty, block code). The page names the ids (agencies,
blocks, people) as they are called today, or "#id" when they are gone.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditEntry
from contests.models import Block, Contest, DrawRule, Round

# Bookkeeping, not settings.
_SKIP = frozenset({"id", "contest", "created_by", "created_at", "updated_at"})


def _settings(model):
    return [f.name for f in [*model._meta.concrete_fields, *model._meta.many_to_many] if f.name not in _SKIP]


def contest_state(contest):
    return audit.snapshot(contest, _settings(Contest))


def block_state(block):
    return audit.snapshot(block, _settings(Block))


def round_state(round):
    state = audit.snapshot(round, _settings(Round))
    state["draw_rules"] = sorted(
        " ".join(
            part
            for part in (
                f"{r.count} × {r.topic.code}",
                r.difficulty,
                f"({r.block.code})" if r.block_id else "",
            )
            if part
        )
        for r in round.draw_rules.select_related("topic", "block")
    )
    return state


# --- reading ----------------------------------------------------------------------------------

MODELS = {"contest": Contest, "block": Block, "round": Round}


def contest_entries(contest, kind=""):
    """The contest's entries, newest first; `kind` ("round", "export", …) keeps one kind."""
    entries = AuditEntry.objects.filter(contest_id=contest.pk)
    if kind:
        entries = entries.filter(action__startswith=kind + ".")
    return entries.order_by("-at", "-id")


def contest_kinds(contest):
    """[(kind, label)] of the kinds of action the contest's log holds."""
    present = {
        audit.kind_of(a)
        for a in AuditEntry.objects.filter(contest_id=contest.pk).values_list("action", flat=True).distinct()
    }
    return [(kind, label) for kind, label in audit.KINDS.items() if kind in present]


@dataclass
class Change:
    field: str
    label: str
    before: str
    after: str


def _field(model, name):
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # A reverse relation (a round's draw_rules) is the log's own text.
    return None if isinstance(field, ForeignObjectRel) else field


def _label(model, name):
    if name == "draw_rules":
        return str(DrawRule._meta.verbose_name_plural)
    field = _field(model, name)
    return str(getattr(field, "verbose_name", name) or name)


def _ids(value):
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int)]


def describe(entries):
    """Give each entry `label` (the action in words) and `changes` ([Change]):
    ids of related objects replaced by their names (one query per related
    model for all the entries), choices by their labels."""
    wanted = defaultdict(set)
    for entry in entries:
        model = MODELS.get(entry.object_type)
        for name in {**(entry.before or {}), **(entry.after or {})}:
            field = _field(model, name)
            if field is not None and field.is_relation:
                for state in (entry.before or {}, entry.after or {}):
                    wanted[field.related_model].update(_ids(state.get(name)))
    names = {
        related: {pk: str(obj) for pk, obj in related.objects.in_bulk(list(ids)).items()}
        for related, ids in wanted.items()
    }
    for entry in entries:
        model = MODELS.get(entry.object_type)

        def resolve(name, value, model=model):
            field = _field(model, name)
            if field is None or value is None:
                return value
            if field.choices and not isinstance(value, list):
                return str(dict(field.flatchoices).get(value, value))
            if not field.is_relation:
                return value
            known = names.get(field.related_model, {})
            if isinstance(value, list):
                return [known.get(v, f"#{v}") for v in value]
            return known.get(value, f"#{value}")

        entry.label = audit.action_label(entry.action)
        entry.changes = [
            Change(field=name, label=_label(model, name), before=before, after=after)
            for name, before, after in audit.diff_rows(entry, resolve=resolve)
        ]
    return entries


def actor_text(entry):
    return entry.actor_name or _("the system")


def object_text(entry):
    return f"{entry.object_type} #{entry.object_id}" if entry.object_id else entry.object_type
