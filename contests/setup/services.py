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
  (`contests.setup.drawing.shortages`); the same holds when a round of a published
  contest is saved;
- a closed contest's blocks and rounds no longer change;
- an open round of a published contest may be closed early (`close_round`):
  its close becomes now and the attempts in progress end with it.

Every change that succeeds is an entry of the audit log (`accounts.audit`),
written in the same transaction: who, and the changed fields before and after.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.selectors import can_manage_agency
from contests.models import Block, Contest, DrawRule, Round
from contests.setup import audit_log, checks, drawing
from questionbank.images import process_image

log = logging.getLogger(__name__)


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
        "count_subagencies",
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


def require_manager(actor, agency):
    if actor is None or not can_manage_agency(user=actor, agency=agency):
        raise PermissionDenied(_("You do not organise contests for this agency."))


def _check_fields(fields, allowed):
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def lock_contest(contest):
    return Contest.objects.select_for_update().select_related("owner_agency").get(pk=contest.pk)


def _refuse_if_closed(contest):
    if contest.status == Contest.Status.CLOSED:
        raise ContestError(_("This contest is closed; its blocks and rounds can no longer be changed."))


# --- contests -------------------------------------------------------------------


def _normalise_contest(contest):
    contest.title = (contest.title or "").strip()
    contest.slug = (contest.slug or "").strip().lower()
    contest.join_code = (contest.join_code or "").strip()
    contest.description = contest.description or ""
    contest.rules_text = contest.rules_text or ""
    if contest.leaderboard != Contest.Leaderboard.FROZEN:
        contest.leaderboard_freeze_at = None


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
        require_manager(actor, owner_agency)
    contest = Contest(owner_agency=owner_agency, status=Contest.Status.DRAFT, **fields)
    if actor is not None and actor.is_authenticated:
        contest.created_by = actor
    _normalise_contest(contest)
    audience_agencies = list(audience_agencies)
    errors = checks.contest_errors(contest, audience_agencies)
    banner_file = _processed_banner(banner, errors)
    if errors:
        raise ContestError(errors)
    _save_contest(contest, audience_agencies, banner_file)
    audit.record(
        actor=actor,
        action="contest.create",
        obj=contest,
        contest=contest,
        summary=contest.title,
        after=audit_log.contest_state(contest),
    )
    return contest


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
    current = lock_contest(contest)
    if check_permission:
        require_manager(actor, current.owner_agency)
        if owner_agency is not None and owner_agency.pk != current.owner_agency_id:
            require_manager(actor, owner_agency)
    owner_changed = owner_agency is not None and owner_agency.pk != current.owner_agency_id
    before = audit_log.contest_state(current)
    if owner_agency is not None:
        current.owner_agency = owner_agency
    for name, value in fields.items():
        setattr(current, name, value)
    _normalise_contest(current)
    agencies_now = (
        list(audience_agencies) if audience_agencies is not None else list(current.audience_agencies.all())
    )
    errors = checks.contest_errors(current, agencies_now)
    banner_file = _processed_banner(banner, errors)
    if errors:
        raise ContestError(errors)
    old_banner = current.banner.name if (banner_file is not None or remove_banner) else ""
    if remove_banner and banner_file is None:
        current.banner = ""
    _save_contest(current, audience_agencies, banner_file)
    if owner_changed and current.status == Contest.Status.PUBLISHED:
        problems = checks.publish_problems(contest=current)
        if problems:
            raise ContestError([("owner_agency", p) for p in problems])
    audit.record(
        actor=actor,
        action="contest.update",
        obj=current,
        contest=current,
        summary=current.title,
        before=before,
        after=audit_log.contest_state(current),
    )
    if old_banner:
        storage = current.banner.storage
        transaction.on_commit(lambda: storage.delete(old_banner))
    return current


@transaction.atomic
def publish_contest(*, actor, contest, now=None, check_permission=True):
    """Draft → published, only when `publish_problems` is empty. Raises ContestError."""
    current = lock_contest(contest)
    if check_permission:
        require_manager(actor, current.owner_agency)
    if current.status != Contest.Status.DRAFT:
        raise ContestError(_("Only a draft contest can be published."))
    problems = checks.publish_problems(contest=current)
    if problems:
        raise ContestError([("", p) for p in problems])
    before = audit.snapshot(current, ["status", "published_at"])
    current.status = Contest.Status.PUBLISHED
    current.published_at = now or timezone.now()
    current.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(
        actor=actor,
        action="contest.publish",
        obj=current,
        contest=current,
        summary=current.title,
        before=before,
        after=audit.snapshot(current, ["status", "published_at"]),
    )
    return current


@transaction.atomic
def close_contest(*, actor, contest, check_permission=True):
    """Published → closed: no new attempts; results, awards and reports remain."""
    current = lock_contest(contest)
    if check_permission:
        require_manager(actor, current.owner_agency)
    if current.status != Contest.Status.PUBLISHED:
        raise ContestError(_("Only a published contest can be closed."))
    before = audit.snapshot(current, ["status"])
    current.status = Contest.Status.CLOSED
    current.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="contest.close",
        obj=current,
        contest=current,
        summary=current.title,
        before=before,
        after=audit.snapshot(current, ["status"]),
    )
    return current


# --- blocks -----------------------------------------------------------------------


@transaction.atomic
def create_block(*, actor, contest, agencies=(), check_permission=True, **fields):
    """Add a block (khối / bảng) to a contest. `fields`: name, code,
    participant_kind, position. Raises ContestError."""
    _check_fields(fields, BLOCK_FIELDS)
    current = lock_contest(contest)
    if check_permission:
        require_manager(actor, current.owner_agency)
    _refuse_if_closed(current)
    block = Block(contest=current, **fields)
    if "position" not in fields:
        block.position = current.blocks.count() + 1
    agencies = list(agencies)
    errors = checks.block_errors(block, current, agencies)
    if errors:
        raise ContestError(errors)
    block.save()
    block.agencies.set(agencies)
    audit.record(
        actor=actor,
        action="block.create",
        obj=block,
        contest=current,
        summary=block.name,
        after=audit_log.block_state(block),
    )
    return block


@transaction.atomic
def update_block(*, actor, block, agencies=None, check_permission=True, **fields):
    _check_fields(fields, BLOCK_FIELDS)
    current_contest = lock_contest(block.contest)
    if check_permission:
        require_manager(actor, current_contest.owner_agency)
    _refuse_if_closed(current_contest)
    current = Block.objects.get(pk=block.pk)
    before = audit_log.block_state(current)
    for name, value in fields.items():
        setattr(current, name, value)
    agencies_now = list(agencies) if agencies is not None else list(current.agencies.all())
    errors = checks.block_errors(current, current_contest, agencies_now)
    if errors:
        raise ContestError(errors)
    current.save()
    if agencies is not None:
        current.agencies.set(agencies)
    audit.record(
        actor=actor,
        action="block.update",
        obj=current,
        contest=current_contest,
        summary=current.name,
        before=before,
        after=audit_log.block_state(current),
    )
    return current


@transaction.atomic
def delete_block(*, actor, block, check_permission=True):
    """Remove a block without attempts. Its own draw rules go with it; a round
    limited to this block alone must be changed first."""
    current_contest = lock_contest(block.contest)
    if check_permission:
        require_manager(actor, current_contest.owner_agency)
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
                    % {"round": checks.round_label(round), "block": current.name},
                )
            )
    if errors:
        raise ContestError(errors)
    audit.record(
        actor=actor,
        action="block.delete",
        obj=current,
        contest=current_contest,
        summary=current.name,
        before=audit_log.block_state(current),
    )
    current.delete()
    if current_contest.status == Contest.Status.PUBLISHED:
        problems = checks.publish_problems(contest=current_contest)
        if problems:
            raise ContestError([("", p) for p in problems])


# --- rounds ----------------------------------------------------------------------


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
    current = lock_contest(contest)
    if check_permission:
        require_manager(actor, current.owner_agency)
    _refuse_if_closed(current)
    round = Round(contest=current, **fields)
    _normalise_round(round)
    blocks, rules = list(blocks), list(draw_rules)
    errors = checks.round_errors(round, current, blocks, rules)
    if errors:
        raise ContestError(errors)
    _write_round(round, current, blocks, rules)
    audit.record(
        actor=actor,
        action="round.create",
        obj=round,
        contest=current,
        summary=checks.round_label(round),
        after=audit_log.round_state(round),
    )
    return round


@transaction.atomic
def update_round(*, actor, round, blocks=None, draw_rules=None, check_permission=True, **fields):
    """Change a round; `blocks` / `draw_rules` replace the current ones when
    given. On a published contest the round must stay drawable. Raises ContestError."""
    _check_fields(fields, ROUND_FIELDS)
    current_contest = lock_contest(round.contest)
    if check_permission:
        require_manager(actor, current_contest.owner_agency)
    _refuse_if_closed(current_contest)
    current = Round.objects.get(pk=round.pk)
    before = audit_log.round_state(current)
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
    errors = checks.finalised_round_errors(Round.objects.get(pk=round.pk), current)
    errors += checks.round_errors(current, current_contest, blocks_now, rules_now)
    if errors:
        raise ContestError(errors)
    _write_round(current, current_contest, blocks, draw_rules)
    audit.record(
        actor=actor,
        action="round.update",
        obj=current,
        contest=current_contest,
        summary=checks.round_label(current),
        before=before,
        after=audit_log.round_state(current),
    )
    return current


@transaction.atomic
def delete_round(*, actor, round, check_permission=True):
    """Remove a round without attempts; a published contest keeps at least one."""
    current_contest = lock_contest(round.contest)
    if check_permission:
        require_manager(actor, current_contest.owner_agency)
    _refuse_if_closed(current_contest)
    current = Round.objects.get(pk=round.pk)
    if current.attempts.exists():
        raise ContestError(
            _("%(round)s already has attempts; it cannot be deleted.")
            % {"round": checks.round_label(current)}
        )
    if current_contest.status == Contest.Status.PUBLISHED and current_contest.rounds.count() == 1:
        raise ContestError(_("A published contest must keep at least one round."))
    audit.record(
        actor=actor,
        action="round.delete",
        obj=current,
        contest=current_contest,
        summary=checks.round_label(current),
        before=audit_log.round_state(current),
    )
    current.delete()


# --- closing a round early -------------------------------------------------------------
