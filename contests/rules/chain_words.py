"""The ranking chain in words, as the rules page, the trace and the result
page state it. Pure: no ORM."""

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contests.rules.chain import (
    ALL_CORRECT,
    ATTEMPTS,
    CORRECT,
    COUNT_PERSONS,
    COUNTING_BEST,
    COUNTING_FIRST,
    COUNTING_LAST,
    DURATION,
    EQUAL,
    OVER_FIRST,
    PERFECT_ATTEMPTS,
    PREDICTION,
    REGISTERED,
    SCOPE_OVERALL,
    SCORE,
    STARTED,
    SUBMITTED,
    TARGET_PARTICIPANTS,
    TARGET_PERFECT,
    TARGET_PERFECT_PERCENT,
    UNDER_FIRST,
    ChainError,
    validate_chain,
)
from contests.rules.timer import ANSWER_GRACE, CONTEST_TZ


def criterion_labels():
    """Short names of the criteria, for forms and tables."""
    return {
        SCORE: _("Score"),
        CORRECT: _("Correct answers"),
        ALL_CORRECT: _("Every answer correct"),
        PREDICTION: _("Prediction error"),
        DURATION: _("Duration"),
        SUBMITTED: _("Submitted at"),
        STARTED: _("Started at"),
        REGISTERED: _("Registered at"),
        ATTEMPTS: _("Number of attempts"),
        PERFECT_ATTEMPTS: _("Number of perfect attempts"),
    }


def _prediction_words(target, counts, scope, valid_only):
    if target == TARGET_PERFECT:
        what = (
            _("the actual number of participants who answer every question correctly")
            if counts == COUNT_PERSONS
            else _("the actual number of attempts with every answer correct")
        )
    elif target == TARGET_PERFECT_PERCENT:
        what = (
            _("the actual percentage of participants who answer every question correctly")
            if counts == COUNT_PERSONS
            else _("the actual percentage of attempts with every answer correct")
        )
    else:
        what = (
            _("the actual number of participants (distinct persons)")
            if counts == COUNT_PERSONS
            else _("the actual number of attempts")
        )
    where = _("in the whole round") if scope == SCOPE_OVERALL else _("in the participant's block")
    which = (
        _(
            "counting valid entries only (finished, not previews, not disqualified), "
            "so a later disqualification recomputes it"
        )
        if valid_only
        else _("counting every finished entry, also those disqualified later, so it never changes")
    )
    return what, where, which


def criterion_in_words(
    criterion, *, equal_error=EQUAL, target="", counts=COUNT_PERSONS, scope=SCOPE_OVERALL, valid_only=True
):
    if criterion == SCORE:
        return _("higher score")
    if criterion == CORRECT:
        return _("more correct answers")
    if criterion == ALL_CORRECT:
        return _("every question answered correctly ranks ahead of any mistake")
    if criterion == PREDICTION:
        what, where, which = _prediction_words(target, counts, scope, valid_only)
        text = _("smaller difference between the prediction and %(what)s %(where)s, %(which)s") % {
            "what": what,
            "where": where,
            "which": which,
        }
        if equal_error == UNDER_FIRST:
            text += _("; with the same difference, a prediction below the actual value ranks first")
        elif equal_error == OVER_FIRST:
            text += _("; with the same difference, a prediction above the actual value ranks first")
        else:
            text += _(
                "; a prediction above and one below the actual value with the same difference are equal"
            )
        return text
    if criterion == DURATION:
        return _("shorter duration, measured by the server to the millisecond")
    if criterion == SUBMITTED:
        return _("earlier submission, to the millisecond")
    if criterion == STARTED:
        return _("earlier start, to the millisecond")
    if criterion == REGISTERED:
        return _("earlier registration")
    if criterion == ATTEMPTS:
        return _("fewer attempts in the round")
    if criterion == PERFECT_ATTEMPTS:
        return _("more attempts with every answer correct")
    raise ChainError(f"unknown criterion {criterion!r}")


def chain_in_words(
    chain,
    *,
    equal_error=EQUAL,
    target=TARGET_PARTICIPANTS,
    counts=COUNT_PERSONS,
    scope=SCOPE_OVERALL,
    valid_only=True,
    counting=None,
):
    """The ranking rules as numbered sentences, generated from the configuration.

    Returns a list of strings: one per criterion, then what happens with a
    remaining tie (and, when `counting` is given, which attempt counts).
    Without a prediction question (`target=""`) the prediction criterion is left out.
    """
    chain = validate_chain(chain)
    if not target:
        chain = tuple(c for c in chain if c != PREDICTION)
    lines = []
    if counting == COUNTING_FIRST:
        lines.append(_("Each participant is ranked by their first valid attempt."))
    elif counting == COUNTING_LAST:
        lines.append(_("Each participant is ranked by their last valid attempt."))
    elif counting == COUNTING_BEST:
        lines.append(_("Each participant is ranked by their best valid attempt under these rules."))
    for n, criterion in enumerate(chain):
        words = criterion_in_words(
            criterion,
            equal_error=equal_error,
            target=target,
            counts=counts,
            scope=scope,
            valid_only=valid_only,
        )
        if n == 0:
            lines.append(_("First: %(rule)s.") % {"rule": words})
        else:
            lines.append(_("If still equal: %(rule)s.") % {"rule": words})
    if DURATION in chain or SUBMITTED in chain:
        lines.append(
            _(
                "Times are measured by the server to the millisecond. A submission that reaches the server "
                "within the %(grace)d-second grace after the end counts as submitted at the end, and its "
                "duration runs from its start to the end."
            )
            % {"grace": int(ANSWER_GRACE.total_seconds())}
        )
    lines.append(
        _(
            "Participants equal on every criterion share the rank; the organising board decides their order and records the decision."
        )
    )
    lines.append(
        _("Until then they are listed by a published key: SHA-256 of the result's seed and the entry code.")
    )
    return lines


def policy_in_words(policy):
    return chain_in_words(
        policy.chain,
        equal_error=policy.equal_error,
        target=policy.target,
        counts=policy.counts,
        scope=policy.scope,
        valid_only=policy.valid_only,
        counting=policy.counting,
    )


# Criteria shown as columns of their own in the results export.
RESULT_FACTS = {SCORE, CORRECT, DURATION, SUBMITTED, PREDICTION}


SIDES = {
    "over": gettext_lazy("above the actual value"),
    "under": gettext_lazy("below the actual value"),
    "exact": gettext_lazy("exact"),
}


def _local_time(text):
    """Canonical UTC text → Vietnam time to the millisecond, for people."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(CONTEST_TZ)
    return moment.strftime("%d/%m/%Y %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def trace_text(criterion, value):
    """A trace value as people read it (the canonical value stays in the record)."""
    if value is None:
        return ""
    if criterion == PREDICTION and isinstance(value, dict):
        if value.get("error") is None:
            return _("no prediction")
        return _("%(value)s (actual %(actual)s, error %(error)s, %(side)s)") % {
            **value,
            "side": SIDES.get(value.get("side"), value.get("side")),
        }
    if criterion == DURATION:
        seconds, ms = divmod(int(value), 1000)
        return f"{value} ms ({seconds // 60}:{seconds % 60:02d}.{ms:03d})"
    if criterion in (SUBMITTED, STARTED, REGISTERED):
        return _local_time(value)
    if criterion == ALL_CORRECT:
        return _("yes") if value else _("no")
    return str(value)
