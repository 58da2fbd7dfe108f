"""Saving one answer: the hot path of the deadline hour.

One conditional UPDATE of the question row guarded by `is_correct IS NULL`
(finalisation sets is_correct on every row after locking them), so a save
either lands before scoring reads the row or is refused — never acknowledged
and then lost. The row read and the write are statements prepared once per
connection (`config.db.hot_cursor`). Last write before the deadline wins; a
save after the deadline plus the grace (`rules.timer.is_past_grace`) is
refused with the same rule as a late submit.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from config.db import RowReader, hot_cursor
from contests.models import Attempt, AttemptQuestion, Round
from contests.quiz.attempts import (
    AttemptFinished,
    AttemptNotFound,
    DeadlinePassed,
    InvalidAnswer,
    deadline_message,
    finalise_attempt,
)
from contests.rules import timer
from questionbank.models import Question, QuestionVersion

Status = Attempt.Status


@dataclass(frozen=True)
class Saved:
    position: int
    tokens: list
    saved_at: datetime
    answered_count: int
    deadline: datetime | None = None  # timer.countdown_end


def save_answer(*, attempt, user, position, tokens, now=None):
    """Save the chosen options of one question (last write before the deadline
    wins; an empty list clears the answer). `attempt` is an Attempt or its id.

    The hot path at deadline spikes, so it is two hand-written statements
    (the ORM's query building cost more than the queries themselves): one read
    (question row + attempt + round + how many other questions are answered)
    and one conditional UPDATE. No transaction is needed: the single UPDATE is
    atomic and is what guards against a concurrent finalisation.
    """
    now = now or timezone.now()
    attempt_id = getattr(attempt, "pk", attempt)
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise InvalidAnswer(_("There is no question %(position)s in this attempt.") % {"position": position})
    row = _answer_row(attempt_id, position)
    if row is None:
        if not Attempt.objects.filter(pk=attempt_id, user_id=user.pk).exists():
            raise AttemptNotFound(_("This attempt does not exist."))
        raise InvalidAnswer(_("There is no question %(position)s in this attempt.") % {"position": position})
    if row.user_id != user.pk:
        raise AttemptNotFound(_("This attempt does not exist."))
    if row.status == Status.EXPIRED:
        raise DeadlinePassed(deadline_message())
    if row.status != Status.IN_PROGRESS:
        raise AttemptFinished(_("This attempt has been submitted; its answers can no longer change."))
    if timer.is_past_grace(deadline=row.deadline, closes_at=row.closes_at, now=now, preview=row.preview):
        finalise_attempt(attempt=attempt_id, now=now)
        raise DeadlinePassed(deadline_message())

    selected = _selected_options(row.choices, tokens, kind=row.kind, position=position)
    if not _write_answer(row.id, selected=selected, answered_at=now if selected else None):
        # Finalised between the read and the write.
        status = Attempt.objects.filter(pk=attempt_id).values_list("status", flat=True).first()
        if status == Status.SUBMITTED:
            raise AttemptFinished(_("This attempt has been submitted; its answers can no longer change."))
        raise DeadlinePassed(deadline_message())
    answered = row.others_answered + (1 if selected else 0)
    ends = timer.countdown_end(deadline=row.deadline, closes_at=row.closes_at, preview=row.preview)
    return Saved(position=position, tokens=list(tokens), saved_at=now, answered_count=answered, deadline=ends)


@dataclass(frozen=True)
class _AnswerRow:
    id: int
    choices: list
    kind: str
    user_id: int
    status: str
    deadline: datetime
    preview: bool
    closes_at: datetime
    others_answered: int


# The two statements of save_answer, built once (the table names are fixed).
_ANSWER_ROW_SQL = (
    "SELECT aq.id, aq.choices, v.kind, a.user_id, a.status, a.deadline, a.is_preview, r.closes_at, "
    f"(SELECT COUNT(*) FROM {AttemptQuestion._meta.db_table} o WHERE o.attempt_id = aq.attempt_id "
    "AND o.answered_at IS NOT NULL AND o.id <> aq.id) "
    f"FROM {AttemptQuestion._meta.db_table} aq "
    f"JOIN {Attempt._meta.db_table} a ON a.id = aq.attempt_id "
    f"JOIN {QuestionVersion._meta.db_table} v ON v.id = aq.version_id "
    f"JOIN {Round._meta.db_table} r ON r.id = a.round_id "
    "WHERE aq.attempt_id = %s AND aq.position = %s"
)


_WRITE_ANSWER_SQL = (
    f"UPDATE {AttemptQuestion._meta.db_table} SET selected = %s, answered_at = %s "
    "WHERE id = %s AND is_correct IS NULL"
)


_ANSWER_ROW = RowReader(
    [
        AttemptQuestion._meta.pk,
        AttemptQuestion._meta.get_field("choices"),
        QuestionVersion._meta.get_field("kind"),
        Attempt._meta.get_field("user"),
        Attempt._meta.get_field("status"),
        Attempt._meta.get_field("deadline"),
        Attempt._meta.get_field("is_preview"),
        Round._meta.get_field("closes_at"),
        None,  # the count
    ]
)


_SELECTED = AttemptQuestion._meta.get_field("selected")


_ANSWERED_AT = AttemptQuestion._meta.get_field("answered_at")


def _answer_row(attempt_id, position):
    """The row `save_answer` needs, in one statement, or None."""
    with hot_cursor(connection) as cursor:
        cursor.execute(_ANSWER_ROW_SQL, [attempt_id, position])
        found = cursor.fetchone()
    return None if found is None else _AnswerRow(*_ANSWER_ROW.convert(found, connection))


def _write_answer(pk, *, selected, answered_at):
    """Store an answer unless the question is already marked; True if stored."""
    values = [
        _SELECTED.get_db_prep_save(selected, connection),
        _ANSWERED_AT.get_db_prep_save(answered_at, connection),
        pk,
    ]
    with hot_cursor(connection) as cursor:
        cursor.execute(_WRITE_ANSWER_SQL, values)
        return cursor.rowcount == 1


def _selected_options(choices, tokens, *, kind, position):
    """Option ids for the given tokens, after checking they belong to the question."""
    if not isinstance(tokens, list | tuple) or not all(isinstance(t, str) for t in tokens):
        raise InvalidAnswer(_("“choices” must be a list of choice ids."))
    if len(set(tokens)) != len(tokens):
        raise InvalidAnswer(_("The same choice was sent twice."))
    by_token = {c["t"]: c["o"] for c in choices}
    unknown = [t for t in tokens if t not in by_token]
    if unknown:
        raise InvalidAnswer(
            _("“%(choice)s” is not a choice of question %(position)d.")
            % {"choice": unknown[0][:20], "position": position}
        )
    if kind != Question.Kind.MULTIPLE and len(tokens) > 1:
        raise InvalidAnswer(_("Question %(position)d takes only one answer.") % {"position": position})
    return sorted(by_token[t] for t in tokens)
