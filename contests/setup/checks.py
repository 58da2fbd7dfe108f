"""What makes a contest, block or round valid, and when one may be published
or closed: the checks `setup.services` runs before any write.

Each function returns a list of (field, message) problems — the field a form
field name, "draw_rules" for the draw rules, or "" for the change as a whole;
empty means the change may go ahead. They read the database (overlaps, short
addresses, approved questions) but never write.
"""

import re

from django.utils.translation import gettext as _

from contests.models import Block, Contest, Round, RoundResult
from contests.rules import timer
from contests.setup import drawing
from questionbank.models import Question

MAX_QUESTIONS = 200


MAX_TIME_LIMIT = 180


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


JOIN_CODE_RE = re.compile(r"^[A-Za-z0-9-]{4,20}$")


# Paths under /contests/ that a contest's short address would shadow.
RESERVED_SLUGS = frozenset({"organize", "attempts", "boards", "results", "api", "new"})


def round_label(round):
    return _("Round %(number)d (“%(title)s”)") % {"number": round.number, "title": round.title}


def _too_long(errors, field, value, model, name=None):
    """Add an error when `value` exceeds the model field's max_length."""
    limit = model._meta.get_field(name or field).max_length
    if value and len(value) > limit:
        errors.append((field, _("This is longer than %(max)d characters.") % {"max": limit}))
        return True
    return False


def _slug_problem(contest):
    if not SLUG_RE.match(contest.slug):
        return _("Use lower-case letters without accents, digits and single hyphens, e.g. cchc-2021.")
    if contest.slug in RESERVED_SLUGS:
        return _("This short address is reserved; choose another.")
    if Contest.objects.filter(slug=contest.slug).exclude(pk=contest.pk).exists():
        return _("Another contest already uses this short address.")
    return None


def contest_errors(contest, audience_agencies):
    errors = []
    if not contest.title:
        errors.append(("title", _("Enter a title.")))
    _too_long(errors, "title", contest.title, Contest)
    if not _too_long(errors, "slug", contest.slug, Contest):
        slug_problem = _slug_problem(contest)
        if slug_problem:
            errors.append(("slug", slug_problem))
    if not (contest.audience_officials or contest.audience_citizens):
        errors.append(("audience_officials", _("Open the contest to officials, to citizens or to both.")))
    if audience_agencies and not contest.audience_officials:
        errors.append(
            (
                "audience_agencies",
                _(
                    "The agencies only limit which officials may take part: open the contest to officials or clear them."
                ),
            )
        )
    if contest.join_code and not JOIN_CODE_RE.match(contest.join_code):
        errors.append(("join_code", _("A join code has 4 to 20 letters without accents, digits or hyphens.")))
    if contest.min_age is not None and not 1 <= contest.min_age <= 100:
        errors.append(("min_age", _("The minimum age must be between 1 and 100.")))
    if contest.leaderboard not in Contest.Leaderboard.values:
        errors.append(("leaderboard", _("Choose how the leaderboard is shown.")))
    elif contest.leaderboard == Contest.Leaderboard.FROZEN and contest.leaderboard_freeze_at is None:
        errors.append(("leaderboard_freeze_at", _("Enter the time from which the leaderboard is frozen.")))
    if contest.name_display not in Contest.NameDisplay.values:
        errors.append(("name_display", _("Choose how names appear on public boards.")))
    if contest.pk:
        for block in contest.blocks.all():
            errors += _block_audience_errors(block, contest)
    return errors


def publish_problems(*, contest):
    """What stops `contest` from being published (messages; empty = ready)."""
    rounds = list(contest.rounds.select_related("contest__owner_agency").order_by("number"))
    if not rounds:
        return [_("Add at least one round before publishing.")]
    problems = []
    for round in rounds:
        for problem in drawing.shortages(round=round):
            problems.append(_("%(round)s: %(problem)s") % {"round": round_label(round), "problem": problem})
    return problems


def _block_audience_errors(block, contest, *, field=None):
    """A block for officials (citizens) needs a contest open to them. The error
    goes on `field`, or on the contest's audience checkbox when not given."""
    if block.participant_kind == Block.Kind.OFFICIAL and not contest.audience_officials:
        message = _("Block “%(block)s” is for officials, but the contest is not open to officials.")
        return [(field or "audience_officials", message % {"block": block.name})]
    if block.participant_kind == Block.Kind.CITIZEN and not contest.audience_citizens:
        message = _("Block “%(block)s” is for citizens, but the contest is not open to citizens.")
        return [(field or "audience_citizens", message % {"block": block.name})]
    return []


def block_errors(block, contest, agencies):
    errors = []
    block.name = (block.name or "").strip()
    block.code = (block.code or "").strip().lower()
    if not block.name:
        errors.append(("name", _("Enter a name.")))
    _too_long(errors, "name", block.name, Block)
    if _too_long(errors, "code", block.code, Block):
        pass  # the length message is enough
    elif not SLUG_RE.match(block.code):
        errors.append(("code", _("Use lower-case letters without accents, digits and single hyphens.")))
    elif contest.blocks.filter(code=block.code).exclude(pk=block.pk).exists():
        errors.append(("code", _("Another block of this contest uses this code.")))
    if block.participant_kind not in Block.Kind.values:
        errors.append(("participant_kind", _("Choose who belongs to the block.")))
    elif block.name:
        errors += _block_audience_errors(block, contest, field="participant_kind")
    if agencies and block.participant_kind == Block.Kind.CITIZEN:
        errors.append(
            ("agencies", _("Citizens belong to no agency: leave the agencies empty for a citizens' block."))
        )
    return errors


def _effective_blocks(contest, blocks):
    """The blocks a round is for: its own list, or every block of the contest
    (a single None when the contest has no blocks)."""
    return list(blocks) or list(contest.blocks.all()) or [None]


def round_errors(round, contest, blocks, rules):
    errors = []
    round.title = (round.title or "").strip()
    if not round.title:
        errors.append(("title", _("Enter a title.")))
    _too_long(errors, "title", round.title, Round)
    if round.number is None:
        errors.append(("number", _("Enter the round number.")))
    elif contest.rounds.filter(number=round.number).exclude(pk=round.pk).exists():
        errors.append(
            ("number", _("This contest already has a round %(number)d.") % {"number": round.number})
        )
    if round.opens_at is None:
        errors.append(("opens_at", _("Enter when the round opens.")))
    if round.closes_at is None:
        errors.append(("closes_at", _("Enter when the round closes.")))
    window = round.opens_at is not None and round.closes_at is not None
    if window and round.closes_at <= round.opens_at:
        errors.append(("closes_at", _("The round must close after it opens.")))
        window = False
    if round.time_limit_minutes is None or not 1 <= round.time_limit_minutes <= MAX_TIME_LIMIT:
        errors.append(("time_limit_minutes", _("The time limit must be between 1 and 180 minutes.")))
    if round.questions_per_attempt is None or not 1 <= round.questions_per_attempt <= MAX_QUESTIONS:
        errors.append(("questions_per_attempt", _("An attempt must have between 1 and 200 questions.")))
    if round.max_attempts is not None and round.max_attempts < 1:
        errors.append(("max_attempts", _("Allow at least one attempt, or leave it empty for no limit.")))
    if round.max_attempts_per_day is not None and round.max_attempts_per_day < 1:
        errors.append(
            ("max_attempts_per_day", _("Allow at least one attempt a day, or leave it empty for no limit."))
        )
    if round.counting not in Round.Counting.values:
        errors.append(("counting", _("Choose which attempt counts.")))
    if round.explanations not in Round.Explanations.values:
        errors.append(("explanations", _("Choose when explanations are shown.")))
    if round.prediction_target not in Round.PredictionTarget.values:
        errors.append(("prediction_target", _("Choose a prediction question.")))
    elif round.is_practice and round.prediction_target:
        errors.append(
            ("prediction_target", _("A practice round is never ranked, so it has no prediction question."))
        )
    if window and round.freeze_at is not None and not round.opens_at <= round.freeze_at <= round.closes_at:
        errors.append(
            (
                "freeze_at",
                _("The leaderboard freeze must fall between the opening and the closing of the round."),
            )
        )
    contest_blocks = {b.pk: b for b in contest.blocks.all()}
    if any(b.pk not in contest_blocks for b in blocks):
        errors.append(("blocks", _("Choose blocks of this contest.")))
    effective = {b.pk for b in _effective_blocks(contest, blocks) if b is not None}
    for n, rule in enumerate(rules, start=1):
        if rule.count is None or not 1 <= rule.count <= MAX_QUESTIONS:
            errors.append(("draw_rules", _("Draw rule %(n)d: take between 1 and 200 questions.") % {"n": n}))
        if rule.difficulty and rule.difficulty not in Question.Difficulty.values:
            errors.append(("draw_rules", _("Draw rule %(n)d: unknown difficulty.") % {"n": n}))
        if rule.block is not None and rule.block.pk not in effective:
            errors.append(
                (
                    "draw_rules",
                    _("Draw rule %(n)d is for block “%(block)s”, which does not take part in this round.")
                    % {"n": n, "block": rule.block.name},
                )
            )
    if window and not round.is_practice:
        errors += _overlap_errors(round, contest, blocks)
    return errors


def _overlap_errors(round, contest, blocks):
    mine = _effective_blocks(contest, blocks)
    others = (
        contest.rounds.filter(is_practice=False, opens_at__lt=round.closes_at, closes_at__gt=round.opens_at)
        .exclude(pk=round.pk)
        .prefetch_related("blocks")
        .order_by("number")
    )
    errors = []
    for other in others:
        theirs = _effective_blocks(contest, other.blocks.all())
        shared = [b for b in mine if b in theirs]
        if not shared:
            continue
        who = (
            _("block “%(block)s”") % {"block": shared[0].name}
            if shared[0] is not None
            else _("all participants")
        )
        errors.append(
            (
                "opens_at",
                _(
                    "%(round)s is open at the same time for %(who)s (%(opens)s – %(closes)s). "
                    "Rounds of one block may not overlap; practice rounds may."
                )
                % {
                    "round": round_label(other),
                    "who": who,
                    "opens": timer.local_text(other.opens_at),
                    "closes": timer.local_text(other.closes_at),
                },
            )
        )
    return errors


def close_round_problems(*, round, now):
    """Why `round` cannot be closed now (messages; empty = it can)."""
    contest = round.contest
    if contest.status == Contest.Status.CLOSED:
        return [_("This contest is closed; its blocks and rounds can no longer be changed.")]
    if contest.status != Contest.Status.PUBLISHED:
        return [_("The contest is still a draft: nobody can enter this round, so there is nothing to close.")]
    # At the very instant of opening, closing would make the round end as it
    # opens (the database refuses that): it counts as not open yet.
    if now <= round.opens_at:
        return [_("This round has not opened yet; to move it, change its dates.")]
    if now >= round.closes_at:
        return [_("This round has already closed.")]
    return []


# Fields of a round that its finalised results depend on: who could enter and when,
# what an attempt was, which attempt counts and what the prediction asked.
FINALISED_FIELDS = (
    "number",
    "opens_at",
    "closes_at",
    "questions_per_attempt",
    "time_limit_minutes",
    "must_answer_all",
    "max_attempts",
    "max_attempts_per_day",
    "counting",
    "prediction_target",
    "prediction_decimal",
    "prediction_required",
    "is_practice",
)


def finalised_round_errors(before, after):
    """A round whose results are finalised is never re-opened or changed under
    them: entries made after that would be ranked silently in later versions,
    measured against the old prediction value. A correction is a new version
    (disqualification or board decision) on the results page instead."""
    if not RoundResult.objects.filter(round_id=before.pk).exists():
        return []
    changed = [name for name in FINALISED_FIELDS if getattr(before, name) != getattr(after, name)]
    if not changed:
        return []
    message = _(
        "The results of this round are finalised: it can no longer be re-opened or changed "
        "(only its title and display options). Correct a result on its results page instead."
    )
    return [(name, message) for name in changed]
