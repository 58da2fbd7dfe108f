"""Every state change of a round's results: finalising it, disqualifying an
entry, recording a board decision on a tie, publishing the winners (with
their e-mails). The ranking rules and prize tables are tables.py; collective
prizes collective.py.

Rules enforced:
- a round is finalised once, after it closes, when no (non-preview) attempt is
  still in progress; practice rounds are never ranked;
- results are never edited: a disqualification or a board decision writes a
  new version with the first version's ranking rules and seed, and every
  version stays readable;
- only organisers over the contest's owning agency act on its results
  (`actor=None` is the periodic command);
- publishing needs a prize table and no tie at a prize boundary left for the
  board; each publication is recorded with who, when and the hash published.
"""

import gc
import hashlib
import logging
import time
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from contests.live import events
from contests.models import (
    Attempt,
    Award,
    Block,
    Contest,
    Disqualification,
    Publication,
    Round,
    RoundResult,
    Standing,
    TieDecision,
)
from contests.models.prize import MAX_COMPLAINT_DAYS
from contests.results import bundle, certificates
from contests.results import selectors as award_selectors
from contests.rules import canonical, chain, codes
from contests.setup import audience

logger = logging.getLogger(__name__)


class AwardError(Exception):
    """A refused change; `messages` says every reason (translated)."""

    def __init__(self, *messages):
        super().__init__(" ".join(str(m) for m in messages))
        self.messages = [str(m) for m in messages]


def check_manager(actor, contest):
    if actor is not None and not audience.can_manage_contest(user=actor, contest=contest):
        raise PermissionDenied


# --- finalisation --------------------------------------------------------------------------


@contextmanager
def _no_gc():
    """Finalising builds hundreds of thousands of small objects and frees
    none of them mid-way: the cyclic collector would only rescan them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute_prediction_actual(*, round, disqualified=()):
    """The actual value of the round's prediction question by its stated
    definition ({key: Decimal}; {} without a prediction question). Read-only:
    finalisation freezes it with the results."""
    policy = award_selectors.policy_for_round(round)
    return chain.prediction_actual(
        award_selectors.attempt_rows(round),
        policy,
        disqualified=frozenset(disqualified),
        block_codes=block_codes(round),
    )


def block_codes(round):
    """{block_id: code} of the round's contest: how results name blocks."""
    return dict(Block.objects.filter(contest_id=round.contest_id).values_list("pk", "code"))


def seed_for(round):
    """The seed that orders a round's full ties (chain.tie_key), published with
    its results: SHA-256 of the contest's short address, the round's number and
    its close (UTC, ms) — fixed by the round itself, so the same entries always
    give the same bytes. Later versions reuse the first version's seed."""
    text = f"{round.contest.slug}/{round.number}/{canonical.canonical_time(round.closes_at)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _locked_round(round):
    return (
        Round.objects.select_for_update().select_related("contest", "contest__owner_agency").get(pk=round.pk)
    )


def _write_version(*, round, reason, actor, now, policy, actual, seed):
    started = time.perf_counter()
    disqualified = set(Disqualification.objects.filter(round=round).values_list("user_id", flat=True))
    decisions = [
        chain.Decision(block_id=d.block_id, user_ids=tuple(d.user_ids))
        for d in TieDecision.objects.filter(round=round).order_by("decided_at", "id")
    ]
    with _no_gc():
        attempts = award_selectors.attempt_rows(round, registration=chain.REGISTERED in policy.chain)
        result_set = chain.finalise(
            round_id=round.pk,
            attempts=attempts,
            policy=policy,
            actual=actual,
            disqualified=disqualified,
            decisions=decisions,
            seed=seed,
            block_codes=block_codes(round),
        )
        digest = result_set.sha256()
    del attempts
    header = canonical.header_dict(result_set)
    version = award_selectors.last_version_number(round) + 1
    entries = sum(len(rows) for rows in result_set.blocks.values())
    result = RoundResult.objects.create(
        round=round,
        version=version,
        reason=reason,
        policy=header["policy"],
        prediction_actual=header["actual"],
        disqualified=header["disqualified"],
        sha256=digest,
        seed=seed,
        entries=entries,
        unresolved_ties=len(result_set.ties()),
        created_by=actor,
        created_at=now,
    )
    with _no_gc():
        _insert_standings(result, result_set)
    _count_ranked(round, result_set)
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    result.save(update_fields=["duration_ms"])
    return result


def _count_ranked(round, result_set):
    """From finalisation on, `counted` marks exactly the attempt that represents
    each ranked person (the chain's choice, which the live order cannot know
    before the prediction's actual value); a disqualified person has none. The
    boards reload after commit."""
    chosen = {s.attempt.id for s in result_set.standings()}
    attempts = Attempt.objects.filter(round=round, is_preview=False)
    counted = set(attempts.filter(counted=True).values_list("pk", flat=True))
    for ids, value in ((sorted(counted - chosen), False), (sorted(chosen - counted), True)):
        for start in range(0, len(ids), 5000):
            attempts.filter(pk__in=ids[start : start + 5000]).update(counted=value)
    if counted != chosen:
        transaction.on_commit(lambda: events.standings_changed(round))


STANDING_COLUMNS = (
    "result_id",
    "block_id",
    "position",
    "rank",
    "user_id",
    "attempt_id",
    "score",
    "correct_count",
    "question_count",
    "duration_ms",
    "started_at",
    "finished_at",
    "prediction",
    "prediction_error",
    "tied",
    "board_order",
    "record_json",
)


def _copy_field(value):
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _insert_standings(result, result_set):
    """COPY on PostgreSQL, written as text in large chunks (the record's
    canonical JSON and times go in as the same text that was hashed); bulk
    INSERTs elsewhere."""
    if connection.vendor != "postgresql":
        Standing.objects.bulk_create(
            (_standing_row(result, s) for s in result_set.standings()), batch_size=2000
        )
        return
    table = connection.ops.quote_name(Standing._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in STANDING_COLUMNS)
    field = _copy_field
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        lines = []
        for s in result_set.standings():
            a, record = s.attempt, s.record()
            lines.append(
                "\t".join(
                    (
                        str(result.pk),
                        field(s.block_id),
                        str(s.position),
                        str(s.rank),
                        str(s.user_id),
                        str(a.id),
                        field(a.score),
                        str(a.correct),
                        str(a.questions),
                        field(a.duration_ms),
                        record["started_at"],
                        field(record["submitted_at"]),
                        field(a.prediction),
                        field(s.prediction_error),
                        field(s.tied),
                        field(s.board_order),
                        field(s.record_json()),
                    )
                )
            )
            if len(lines) >= 5000:
                copy.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")


def _standing_row(result, s):
    a = s.attempt
    return Standing(
        result=result,
        block_id=s.block_id,
        position=s.position,
        rank=s.rank,
        user_id=s.user_id,
        attempt_id=a.id,
        score=a.score,
        correct_count=a.correct,
        question_count=a.questions,
        duration_ms=a.duration_ms,
        started_at=canonical.from_epoch_ms(a.started_at),
        finished_at=canonical.from_epoch_ms(a.finished_at),
        prediction=a.prediction,
        prediction_error=s.prediction_error,
        tied=s.tied,
        board_order=s.board_order,
        record_json=s.record_json(),
    )


def finalisation_problems(round, now):
    """Why a round cannot be finalised now (translated sentences)."""
    problems = []
    if round.is_practice:
        problems.append(_("Practice rounds are never ranked."))
    if round.contest.status == Contest.Status.DRAFT:
        problems.append(_("The contest is still a draft."))
    if now < round.closes_at:
        problems.append(_("The round has not closed yet."))
    if award_selectors.current_result(round) is not None:
        problems.append(_("The round is already finalised."))
    pending = award_selectors.in_progress_count(round)
    if pending:
        problems.append(
            _("%(n)d attempts are still being finalised by the server; try again in a minute.")
            % {"n": pending}
        )
    return problems


@transaction.atomic
def finalise_round(*, round, actor=None, now=None):
    """Compute and freeze version 1 of the round's results."""
    now = now or timezone.now()
    check_manager(actor, round.contest)
    round = _locked_round(round)
    problems = finalisation_problems(round, now)
    if problems:
        raise AwardError(*problems)
    policy = award_selectors.policy_for_round(round)
    result = _write_version(
        round=round,
        reason=RoundResult.Reason.FINALISED,
        actor=actor,
        now=now,
        policy=policy,
        actual=None,
        seed=seed_for(round),
    )
    _record(actor, "result.finalise", result, f"{round}: v{result.version}, {result.entries} entries")
    return result


def _record(actor, action, result, summary, **changes):
    audit.record(
        actor=actor,
        action=action,
        obj=result,
        contest=result.round.contest,
        summary=summary,
        after={"version": result.version, "sha256": result.sha256, **changes},
    )


def _new_version(*, round, reason, actor, now):
    """The next version: the first version's rules and seed. The prediction's
    actual value is recomputed when the rules count valid entries only (a
    disqualified entry no longer is one); otherwise it stays as first computed."""
    previous = award_selectors.current_result(round)
    policy = previous.policy_obj
    actual = {k: Decimal(v) for k, v in previous.prediction_actual.items()}
    if not previous.seed:  # stored before format 2: its per-block keys named block ids
        codes_by_id = {f"block:{pk}": f"block:{code}" for pk, code in block_codes(round).items()}
        actual = {codes_by_id.get(k, k): v for k, v in actual.items()}
    if policy.valid_only:
        actual = None
    return _write_version(
        round=round,
        reason=reason,
        actor=actor,
        now=now,
        policy=policy,
        actual=actual,
        seed=previous.seed or seed_for(round),
    )


@transaction.atomic
def disqualify(*, round, user, reason, actor, now=None):
    """Declare a person's entry in a finalised round invalid; returns the new version."""
    now = now or timezone.now()
    check_manager(actor, round.contest)
    round = _locked_round(round)
    problems = []
    if award_selectors.current_result(round) is None:
        problems.append(_("Finalise the round first."))
    if not (reason or "").strip():
        problems.append(_("Give the reason for the disqualification."))
    if Disqualification.objects.filter(round=round, user=user).exists():
        problems.append(_("This entry is already disqualified."))
    elif not Attempt.objects.filter(round=round, user=user, is_preview=False).exists():
        problems.append(_("This person has no entry in the round."))
    if problems:
        raise AwardError(*problems)
    record = Disqualification.objects.create(
        round=round, user=user, reason=reason.strip(), created_by=actor, created_at=now
    )
    result = _new_version(round=round, reason=RoundResult.Reason.DISQUALIFICATION, actor=actor, now=now)
    record.result = result
    record.save(update_fields=["result"])
    _record(actor, "result.disqualify", result, f"{round}: {user} — {record.reason}", reason=record.reason)
    return result


@transaction.atomic
def decide_tie(*, round, block, user_ids, note, actor, now=None):
    """Record the board's order of a full tie of the current version; returns the new version."""
    now = now or timezone.now()
    check_manager(actor, round.contest)
    round = _locked_round(round)
    current = award_selectors.current_result(round)
    problems = []
    user_ids = [int(u) for u in user_ids]
    if current is None:
        problems.append(_("Finalise the round first."))
    if not (note or "").strip():
        problems.append(_("Write down the board's decision (who decided and why)."))
    if current is not None:
        tied = Standing.objects.filter(result=current, tied=True, user_id__in=user_ids)
        tied = tied.filter(block=block) if block else tied.filter(block__isnull=True)
        ranks = set(tied.values_list("rank", flat=True))
        group = set()
        if len(ranks) == 1:
            group = set(
                Standing.objects.filter(result=current, tied=True, rank=ranks.pop(), block=block).values_list(
                    "user_id", flat=True
                )
            )
        if len(user_ids) != len(set(user_ids)) or not group or set(user_ids) != group:
            problems.append(_("Order exactly the participants of one tie, each once."))
    if problems:
        raise AwardError(*problems)
    decision = TieDecision.objects.create(
        round=round,
        block=block,
        user_ids=user_ids,
        note=note.strip(),
        decided_by=actor,
        decided_at=now,
        based_on=current,
    )
    result = _new_version(round=round, reason=RoundResult.Reason.BOARD_DECISION, actor=actor, now=now)
    decision.result = result
    decision.save(update_fields=["result"])
    _record(actor, "result.tie", result, f"{round}: {decision.note}", order=user_ids)
    return result


def finalise_closed_rounds(*, now=None):
    """Finalise every closed round not yet finalised (the periodic command).
    Returns ([RoundResult], {round_id: [problems]})."""
    now = now or timezone.now()
    done, skipped = [], {}
    for round in award_selectors.rounds_to_finalise(now):
        try:
            done.append(finalise_round(round=round, actor=None, now=now))
        except AwardError as error:
            skipped[round.pk] = error.messages
        except IntegrityError:  # another process finalised it meanwhile
            skipped[round.pk] = ["already finalised"]
    return done, skipped


# --- publishing -------------------------------------------------------------------------------


def publishing_problems(result, proposals):
    problems = []
    if result is None:
        return [_("Finalise the round first.")]
    if not any(p.table for p in proposals):
        problems.append(_("Set up the prize table first."))
    for p in proposals:
        if p.proposal.blocked:
            problems.append(
                _("Block “%(block)s”: a tie at a prize boundary waits for the organising board's decision.")
                % {"block": p.block.name if p.block else _("all participants")}
            )
    latest = award_selectors.latest_publication(result.round)
    if latest is not None and latest.result_id == result.pk:
        problems.append(_("These results are already published."))
    return problems


@transaction.atomic
def publish_round(*, round, actor, now=None, note="", complaint_days=0):
    """Publish the proposed winners of the current version as the round's next
    published version (1, 2, …) with its bundle (results/bundle.py) and the
    bundle's SHA-256. A winner who keeps a prize keeps the certificate code;
    earlier versions stay public. E-mails go after commit. `complaint_days`:
    the complaint window (0 = none) before the result is final."""
    now = now or timezone.now()
    check_manager(actor, round.contest)
    if not 0 <= complaint_days <= MAX_COMPLAINT_DAYS:
        raise AwardError(
            _("The complaint window is a whole number of days from 0 (none) to %(max)d.")
            % {"max": MAX_COMPLAINT_DAYS}
        )
    round = _locked_round(round)  # one publish at a time per round
    result = award_selectors.current_result(round)
    proposals = award_selectors.propose_awards(result) if result is not None else []
    problems = publishing_problems(result, proposals)
    if problems:
        raise AwardError(*problems)
    previous = award_selectors.latest_publication(round)
    old_codes = {}
    if previous is not None:
        for a in Award.objects.filter(publication=previous):
            old_codes[(a.user_id, a.block_id, a.tier_name)] = a.code
    publication = Publication.objects.create(
        round=round,
        result=result,
        version=previous.version + 1 if previous is not None else 1,
        sha256="",
        published_by=actor,
        published_at=now,
        note=note,
        complaint_days=complaint_days,
    )
    upgrades = []
    for p in proposals:
        for proposed in p.proposal.awards:
            standing = p.standings[proposed.candidate.user_id]
            tier = proposed.tier
            code = (
                old_codes.get((standing.user_id, standing.block_id, tier.name))
                or codes.new_certificate_code()
            )
            award = Award.objects.create(
                publication=publication,
                round=round,
                block_id=standing.block_id,
                user_id=standing.user_id,
                standing=standing,
                rank=standing.rank,
                tier_position=tier.position,
                tier_name=tier.name,
                amount=tier.amount,
                points=tier.points,
                code=code,
            )
            if proposed.upgrades is not None:
                upgrades.append(award)
    if upgrades:
        current = [
            p.pk for r, p in award_selectors.current_publications(round.contest).items() if r != round.pk
        ]
        for award in upgrades:
            Award.objects.filter(
                publication_id__in=current, user_id=award.user_id, superseded_by__isnull=True
            ).update(superseded_by=award)
    content = bundle.build(publication=publication, result=result, proposals=proposals, previous=previous)
    publication.bundle = bundle.encode(content).decode("utf-8")
    publication.sha256 = bundle.digest(content)
    publication.save(update_fields=["bundle", "sha256"])
    audit.record(
        actor=actor,
        action="publication.publish",
        obj=publication,
        contest=round.contest,
        summary=f"{round}: v{publication.version}",
        after={"version": publication.version, "result": result.version, "sha256": publication.sha256},
    )
    publication_id = publication.pk
    transaction.on_commit(lambda: certificates.send_winner_emails(publication_id=publication_id))
    return publication


# --- collective prizes --------------------------------------------------------------------------
