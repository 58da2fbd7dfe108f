"""Every organizer-side state change: contests, blocks, rounds, draw rules,
publishing and closing.

The rules live here, so the organizer pages, the admin, the demo loader and
the tests share them. Each function checks everything first and raises
`ContestError` with every problem it found; a refused change writes nothing
(and leaves the caller's objects untouched: writes go to a fresh, locked copy).

Rules enforced:
- a contest is open to officials, citizens or both; its short address is unique;
- a round closes after it opens; time limit 1–180 minutes; 1–200 questions;
- rounds of one contest do not overlap within a block (a round with no blocks
  listed is for every block); practice rounds are exempt;
- publishing needs at least one round, and every round needs draw rules adding
  up to its questions per attempt, each with enough approved questions
  (`contests.drawing.shortages`); the same holds when a round of a published
  contest is saved;
- a closed contest's blocks and rounds no longer change;
- an open round of a published contest may be closed early (`close_round`):
  its close becomes now and the attempts in progress end with it.
"""

import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import can_manage_agency
from contests import attempts, drawing, events, live, ranking, standings
from contests.models import Attempt, Block, Contest, DrawRule, Round
from questionbank.images import process_image
from questionbank.models import Question

log = logging.getLogger(__name__)

CONTEST_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_QUESTIONS = 200
MAX_TIME_LIMIT = 180
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
JOIN_CODE_RE = re.compile(r"^[A-Za-z0-9-]{4,20}$")
# Paths under /contests/ that a contest's short address would shadow.
RESERVED_SLUGS = frozenset({"organize", "attempts", "boards", "results", "api", "new"})

CONTEST_FIELDS = frozenset(
    {
        "title",
        "slug",
        "description",
        "rules_text",
        "audience_officials",
        "audience_citizens",
        "join_code",
        "min_age",
        "exclude_staff",
        "leaderboard",
        "leaderboard_freeze_at",
        "name_display",
    }
)
BLOCK_FIELDS = frozenset({"name", "code", "participant_kind", "position"})
ROUND_FIELD_NAMES = (
    "number",
    "title",
    "opens_at",
    "closes_at",
    "questions_per_attempt",
    "time_limit_minutes",
    "shuffle_questions",
    "shuffle_options",
    "must_answer_all",
    "max_attempts",
    "max_attempts_per_day",
    "counting",
    "prediction_target",
    "prediction_decimal",
    "prediction_required",
    "explanations",
    "is_practice",
    "freeze_at",
)
ROUND_FIELDS = frozenset(ROUND_FIELD_NAMES)


class ContestError(Exception):
    """A change that cannot be made; `errors` is a list of (field, message).

    The field is a form field name, "draw_rules" for the draw rules, or "" for
    the change as a whole.
    """

    def __init__(self, errors):
        if isinstance(errors, str):
            errors = [("", errors)]
        super().__init__("; ".join(message for _field, message in errors))
        self.errors = list(errors)

    @property
    def messages(self):
        return [message for _field, message in self.errors]


class PermissionDenied(ContestError):
    pass


@dataclass(frozen=True)
class RuleData:
    """One draw rule as entered: `count` questions of `topic` (and sub-topics)
    at `difficulty` ("" = any) for `block` (None = every block)."""

    topic: object
    count: int
    difficulty: str = ""
    block: object = None


# --- helpers ------------------------------------------------------------------


def _check_permission(actor, agency):
    if actor is None or not can_manage_agency(user=actor, agency=agency):
        raise PermissionDenied(_("You do not organise contests for this agency."))


def _check_fields(fields, allowed):
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _locked_contest(contest):
    return Contest.objects.select_for_update().select_related("owner_agency").get(pk=contest.pk)


def _refuse_if_closed(contest):
    if contest.status == Contest.Status.CLOSED:
        raise ContestError(_("This contest is closed; its blocks and rounds can no longer be changed."))


def local_text(value):
    """A datetime as Vietnamese readers write it, in Asia/Ho_Chi_Minh."""
    return timezone.localtime(value, CONTEST_TZ).strftime("%d/%m/%Y %H:%M:%S").removesuffix(":00")


def _round_label(round):
    return _("Round %(number)d (“%(title)s”)") % {"number": round.number, "title": round.title}


# --- contests -------------------------------------------------------------------


def _too_long(errors, field, value, model, name=None):
    """Add an error when `value` exceeds the model field's max_length."""
    limit = model._meta.get_field(name or field).max_length
    if value and len(value) > limit:
        errors.append((field, _("This is longer than %(max)d characters.") % {"max": limit}))
        return True
    return False


def _normalise_contest(contest):
    contest.title = (contest.title or "").strip()
    contest.slug = (contest.slug or "").strip().lower()
    contest.join_code = (contest.join_code or "").strip()
    contest.description = contest.description or ""
    contest.rules_text = contest.rules_text or ""
    if contest.leaderboard != Contest.Leaderboard.FROZEN:
        contest.leaderboard_freeze_at = None


def _slug_problem(contest):
    if not SLUG_RE.match(contest.slug):
        return _("Use lower-case letters without accents, digits and single hyphens, e.g. cchc-2021.")
    if contest.slug in RESERVED_SLUGS:
        return _("This short address is reserved; choose another.")
    if Contest.objects.filter(slug=contest.slug).exclude(pk=contest.pk).exists():
        return _("Another contest already uses this short address.")
    return None


def _contest_errors(contest, audience_agencies):
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


def _processed_banner(banner, errors):
    if not banner:
        return None
    try:
        return process_image(banner)
    except ValidationError as exc:
        errors += [("banner", message) for message in exc.messages]
        return None


def _save_contest(contest, audience_agencies, banner_file):
    if banner_file is not None:
        contest.banner.save(banner_file.name, banner_file, save=False)
    try:
        with transaction.atomic():
            contest.save()
    except IntegrityError:  # a concurrent save took the short address
        raise ContestError([("slug", _("Another contest already uses this short address."))])
    if audience_agencies is not None:
        contest.audience_agencies.set(audience_agencies)
    return contest


@transaction.atomic
def create_contest(
    *, actor, owner_agency, audience_agencies=(), banner=None, check_permission=True, **fields
):
    """Create a draft contest. `fields` are Contest fields (CONTEST_FIELDS);
    `banner` an uploaded image (verified and re-encoded). Raises ContestError."""
    _check_fields(fields, CONTEST_FIELDS)
    if check_permission:
        _check_permission(actor, owner_agency)
    contest = Contest(owner_agency=owner_agency, status=Contest.Status.DRAFT, **fields)
    if actor is not None and actor.is_authenticated:
        contest.created_by = actor
    _normalise_contest(contest)
    audience_agencies = list(audience_agencies)
    errors = _contest_errors(contest, audience_agencies)
    banner_file = _processed_banner(banner, errors)
    if errors:
        raise ContestError(errors)
    return _save_contest(contest, audience_agencies, banner_file)


@transaction.atomic
def update_contest(
    *,
    actor,
    contest,
    owner_agency=None,
    audience_agencies=None,
    banner=None,
    remove_banner=False,
    check_permission=True,
    **fields,
):
    """Change a contest's settings (any status). Returns the saved contest.

    A new owner agency must also be one the actor manages; on a published
    contest it must still supply every round's questions."""
    _check_fields(fields, CONTEST_FIELDS)
    current = _locked_contest(contest)
    if check_permission:
        _check_permission(actor, current.owner_agency)
        if owner_agency is not None and owner_agency.pk != current.owner_agency_id:
            _check_permission(actor, owner_agency)
    owner_changed = owner_agency is not None and owner_agency.pk != current.owner_agency_id
    if owner_agency is not None:
        current.owner_agency = owner_agency
    for name, value in fields.items():
        setattr(current, name, value)
    _normalise_contest(current)
    agencies_now = (
        list(audience_agencies) if audience_agencies is not None else list(current.audience_agencies.all())
    )
    errors = _contest_errors(current, agencies_now)
    banner_file = _processed_banner(banner, errors)
    if errors:
        raise ContestError(errors)
    old_banner = current.banner.name if (banner_file is not None or remove_banner) else ""
    if remove_banner and banner_file is None:
        current.banner = ""
    _save_contest(current, audience_agencies, banner_file)
    if owner_changed and current.status == Contest.Status.PUBLISHED:
        problems = publish_problems(contest=current)
        if problems:
            raise ContestError([("owner_agency", p) for p in problems])
    if old_banner:
        storage = current.banner.storage
        transaction.on_commit(lambda: storage.delete(old_banner))
    return current


def publish_problems(*, contest):
    """What stops `contest` from being published (messages; empty = ready)."""
    rounds = list(contest.rounds.select_related("contest__owner_agency").order_by("number"))
    if not rounds:
        return [_("Add at least one round before publishing.")]
    problems = []
    for round in rounds:
        for problem in drawing.shortages(round=round):
            problems.append(_("%(round)s: %(problem)s") % {"round": _round_label(round), "problem": problem})
    return problems


@transaction.atomic
def publish_contest(*, actor, contest, now=None, check_permission=True):
    """Draft → published, only when `publish_problems` is empty. Raises ContestError."""
    current = _locked_contest(contest)
    if check_permission:
        _check_permission(actor, current.owner_agency)
    if current.status != Contest.Status.DRAFT:
        raise ContestError(_("Only a draft contest can be published."))
    problems = publish_problems(contest=current)
    if problems:
        raise ContestError([("", p) for p in problems])
    current.status = Contest.Status.PUBLISHED
    current.published_at = now or timezone.now()
    current.save(update_fields=["status", "published_at", "updated_at"])
    return current


@transaction.atomic
def close_contest(*, actor, contest, check_permission=True):
    """Published → closed: no new attempts; results, awards and reports remain."""
    current = _locked_contest(contest)
    if check_permission:
        _check_permission(actor, current.owner_agency)
    if current.status != Contest.Status.PUBLISHED:
        raise ContestError(_("Only a published contest can be closed."))
    current.status = Contest.Status.CLOSED
    current.save(update_fields=["status", "updated_at"])
    return current


# --- blocks -----------------------------------------------------------------------


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


def _block_errors(block, contest, agencies):
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


@transaction.atomic
def create_block(*, actor, contest, agencies=(), check_permission=True, **fields):
    """Add a block (khối / bảng) to a contest. `fields`: name, code,
    participant_kind, position. Raises ContestError."""
    _check_fields(fields, BLOCK_FIELDS)
    current = _locked_contest(contest)
    if check_permission:
        _check_permission(actor, current.owner_agency)
    _refuse_if_closed(current)
    block = Block(contest=current, **fields)
    if "position" not in fields:
        block.position = current.blocks.count() + 1
    agencies = list(agencies)
    errors = _block_errors(block, current, agencies)
    if errors:
        raise ContestError(errors)
    block.save()
    block.agencies.set(agencies)
    return block


@transaction.atomic
def update_block(*, actor, block, agencies=None, check_permission=True, **fields):
    _check_fields(fields, BLOCK_FIELDS)
    current_contest = _locked_contest(block.contest)
    if check_permission:
        _check_permission(actor, current_contest.owner_agency)
    _refuse_if_closed(current_contest)
    current = Block.objects.get(pk=block.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    agencies_now = list(agencies) if agencies is not None else list(current.agencies.all())
    errors = _block_errors(current, current_contest, agencies_now)
    if errors:
        raise ContestError(errors)
    current.save()
    if agencies is not None:
        current.agencies.set(agencies)
    return current


@transaction.atomic
def delete_block(*, actor, block, check_permission=True):
    """Remove a block without attempts. Its own draw rules go with it; a round
    limited to this block alone must be changed first."""
    current_contest = _locked_contest(block.contest)
    if check_permission:
        _check_permission(actor, current_contest.owner_agency)
    _refuse_if_closed(current_contest)
    current = Block.objects.get(pk=block.pk)
    if current.attempts.exists():
        raise ContestError(
            _("Block “%(block)s” already has attempts; it cannot be deleted.") % {"block": current.name}
        )
    errors = []
    for round in current.rounds.all():
        if round.blocks.count() == 1:
            errors.append(
                (
                    "",
                    _("%(round)s is limited to block “%(block)s”; change the round first.")
                    % {"round": _round_label(round), "block": current.name},
                )
            )
    if errors:
        raise ContestError(errors)
    current.delete()
    if current_contest.status == Contest.Status.PUBLISHED:
        problems = publish_problems(contest=current_contest)
        if problems:
            raise ContestError([("", p) for p in problems])


# --- rounds ----------------------------------------------------------------------


def _effective_blocks(contest, blocks):
    """The blocks a round is for: its own list, or every block of the contest
    (a single None when the contest has no blocks)."""
    return list(blocks) or list(contest.blocks.all()) or [None]


def _round_errors(round, contest, blocks, rules):
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
                    "round": _round_label(other),
                    "who": who,
                    "opens": local_text(other.opens_at),
                    "closes": local_text(other.closes_at),
                },
            )
        )
    return errors


def _normalise_round(round):
    if not round.prediction_target:
        round.prediction_decimal = False
        round.prediction_required = False


def _write_round(round, contest, blocks, rules):
    round.save()
    if blocks is not None:
        round.blocks.set(blocks)
    if rules is not None:
        round.draw_rules.all().delete()
        DrawRule.objects.bulk_create(
            DrawRule(round=round, block=r.block, topic=r.topic, difficulty=r.difficulty or "", count=r.count)
            for r in rules
        )
    if contest.status == Contest.Status.PUBLISHED:
        problems = drawing.shortages(round=round)
        if problems:
            raise ContestError([("draw_rules", p) for p in problems])
    return round


@transaction.atomic
def create_round(*, actor, contest, blocks=(), draw_rules=(), check_permission=True, **fields):
    """Add a round with its blocks (none = every block) and draw rules
    (RuleData). `fields` are Round fields (ROUND_FIELDS). On a published contest
    the round must be drawable at once. Raises ContestError."""
    _check_fields(fields, ROUND_FIELDS)
    current = _locked_contest(contest)
    if check_permission:
        _check_permission(actor, current.owner_agency)
    _refuse_if_closed(current)
    round = Round(contest=current, **fields)
    _normalise_round(round)
    blocks, rules = list(blocks), list(draw_rules)
    errors = _round_errors(round, current, blocks, rules)
    if errors:
        raise ContestError(errors)
    return _write_round(round, current, blocks, rules)


@transaction.atomic
def update_round(*, actor, round, blocks=None, draw_rules=None, check_permission=True, **fields):
    """Change a round; `blocks` / `draw_rules` replace the current ones when
    given. On a published contest the round must stay drawable. Raises ContestError."""
    _check_fields(fields, ROUND_FIELDS)
    current_contest = _locked_contest(round.contest)
    if check_permission:
        _check_permission(actor, current_contest.owner_agency)
    _refuse_if_closed(current_contest)
    current = Round.objects.get(pk=round.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    _normalise_round(current)
    blocks_now = list(blocks) if blocks is not None else list(current.blocks.all())
    if draw_rules is not None:
        rules_now = list(draw_rules)
    else:
        rules_now = [
            RuleData(topic=r.topic, count=r.count, difficulty=r.difficulty, block=r.block)
            for r in current.draw_rules.select_related("topic", "block")
        ]
    errors = _round_errors(current, current_contest, blocks_now, rules_now)
    if errors:
        raise ContestError(errors)
    return _write_round(current, current_contest, blocks, draw_rules)


@transaction.atomic
def delete_round(*, actor, round, check_permission=True):
    """Remove a round without attempts; a published contest keeps at least one."""
    current_contest = _locked_contest(round.contest)
    if check_permission:
        _check_permission(actor, current_contest.owner_agency)
    _refuse_if_closed(current_contest)
    current = Round.objects.get(pk=round.pk)
    if current.attempts.exists():
        raise ContestError(
            _("%(round)s already has attempts; it cannot be deleted.") % {"round": _round_label(current)}
        )
    if current_contest.status == Contest.Status.PUBLISHED and current_contest.rounds.count() == 1:
        raise ContestError(_("A published contest must keep at least one round."))
    current.delete()


# --- closing a round early -------------------------------------------------------------


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


@transaction.atomic
def close_round(*, actor, round, now=None, check_permission=True):
    """Close an open round of a published contest now. Raises ContestError.

    The round's close becomes `now`, so no attempt can start any more. Each
    attempt in progress (previews excepted: they keep their own time) gets
    `now` as its deadline: answers are still taken for ANSWER_GRACE (2 s), then
    the attempt is finalised with what was saved, lazily or by
    `manage.py finalise_expired`, which also updates the live boards. A
    leaderboard freeze set after `now` moves to `now`, so the round still
    freezes no later than it closes. Practice rounds close the same way (their
    attempts end at the round's close). The round keeps when and by whom it
    was closed early (`closed_early_at`, `closed_early_by`); the planned close
    it replaced goes to the log.
    """
    now = now or timezone.now()
    current_contest = _locked_contest(round.contest)
    if check_permission:
        _check_permission(actor, current_contest.owner_agency)
    current = Round.objects.select_for_update().get(pk=round.pk)
    current.contest = current_contest
    problems = close_round_problems(round=current, now=now)
    if problems:
        raise ContestError([("", p) for p in problems])
    old_unit = _finish_unit(current)
    planned = current.closes_at
    current.closes_at = now
    current.closed_early_at = now
    current.closed_early_by = actor if getattr(actor, "pk", None) else None
    if current.freeze_at is not None and current.freeze_at > now:
        current.freeze_at = now
    current.save(update_fields=["closes_at", "closed_early_at", "closed_early_by", "freeze_at"])
    ended = _end_attempts_at_close(round_id=current.pk, closes_at=now)
    rescored = old_unit != _finish_unit(current)
    if rescored:
        _rescore_live(current)
    log.info(
        "round %s closed early at %s (planned %s) by user %s; %d attempts in progress ended",
        current.pk,
        now.isoformat(),
        planned.isoformat(),
        getattr(actor, "pk", None),
        ended,
    )
    transaction.on_commit(lambda: _after_close(current, rescored=rescored))
    return current


def _finish_unit(round):
    return ranking.finish_unit_ms(int((round.closes_at - round.opens_at).total_seconds() * 1000))


def _end_attempts_at_close(*, round_id, closes_at):
    """Bring the deadlines of the round's attempts in progress (not previews)
    back to its close. Returns how many changed."""
    return Attempt.objects.filter(
        round_id=round_id, status=Attempt.Status.IN_PROGRESS, is_preview=False, deadline__gt=closes_at
    ).update(deadline=closes_at)


def _rescore_live(round):
    """Recompute the live scores of the round's finished attempts: the finish
    time's unit depends on the round's length (contests.ranking), which closing
    early may shorten."""
    finished = list(
        Attempt.objects.filter(round=round, live_score__isnull=False).only(
            "pk", "user_id", "correct_count", "duration_ms", "finished_at"
        )
    )
    for attempt in finished:
        attempt.live_score = attempts.live_score_of(attempt, round)
    Attempt.objects.bulk_update(finished, ["live_score"], batch_size=500)


def _after_close(round, *, rescored):
    """After commit: tell the boards. (An attempt started concurrently with
    the old close still ends at the new one: attempts.effective_deadline.)"""
    try:
        backend = standings.get_backend()
        if rescored and isinstance(backend, standings.RedisStandings):
            backend.rebuild_round(round_id=round.pk)  # the database backend reads the rows
        live.bump(events.round_scope(round.pk))
        live.bump(events.contest_scope(round.contest_id))
    except Exception:  # the round is closed; boards can be rebuilt
        log.exception("could not refresh the live boards of round %s", round.pk)
