"""Reads for results, prizes, publications and certificates. Deny by default.

Who sees what:
- organisers over a contest's owning agency: everything about its results
  (standings with traces, proposals, versions, disqualifications);
- anyone: the published winners of a round (names and agency or commune only,
  never CCCD, phone, e-mail or birth date), the hash of the published result
  set, and a certificate looked up by its code.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max, Q

from accounts.models import Membership, User
from accounts.selectors import missing_profile_fields
from contests.models import (
    Attempt,
    AttemptQuestion,
    Award,
    Block,
    Disqualification,
    DrawRule,
    PrizeTable,
    Publication,
    ResultPolicy,
    Round,
    RoundResult,
    Standing,
)
from contests.rules import canonical, chain, chain_words, codes
from contests.rules import prizes as award_rules
from contests.setup import drawing
from questionbank.models import Question

# --- permissions ----------------------------------------------------------------------


# --- ranking rules ----------------------------------------------------------------------


def policy_row(*, contest, round=None):
    """The stored rules of a round (its own, else the contest's), or None."""
    if round is not None:
        own = ResultPolicy.objects.filter(round=round).first()
        if own is not None:
            return own
    return ResultPolicy.objects.filter(contest=contest, round__isnull=True).first()


def policy_for_round(round):
    """The chain.Policy a round is finalised with today."""
    row = policy_row(contest=round.contest, round=round)
    values = {"counting": round.counting, "target": round.prediction_target or ""}
    if row is not None:
        values |= {
            "chain": tuple(row.chain),
            "equal_error": row.equal_error,
            "counts": row.prediction_counts,
            "scope": row.prediction_scope,
            "valid_only": row.prediction_valid_only,
        }
    return chain.Policy(**values)


def rules_in_words(round):
    """The ranking rules of a round as sentences (for contest and rules pages)."""
    result = current_result(round)
    policy = result.policy_obj if result is not None else policy_for_round(round)
    return chain_words.policy_in_words(policy)


# --- results ------------------------------------------------------------------------------


def current_result(round):
    """The latest version of a round's results, or None before finalisation."""
    return RoundResult.objects.filter(round=round).order_by("-version").first()


def actual_rows(*, contest, actual):
    """[(block name or "", value)] of a frozen {actual key: value} for display."""
    names = {}
    for b in Block.objects.filter(contest=contest):  # keyed by code (format 2) or id (format 1)
        names[f"block:{b.code}"] = names[f"block:{b.pk}"] = b.name
    names["block:none"] = "—"
    return [(names.get(key, ""), value) for key, value in sorted(actual.items())]


def result_versions(round):
    return list(RoundResult.objects.filter(round=round).select_related("created_by").order_by("-version"))


def standings_blocks(result):
    """[(block or None, count)] of a version, in block order."""
    counts = {
        row["block_id"]: row["n"]
        for row in Standing.objects.filter(result=result)
        .values("block_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    blocks = {b.pk: b for b in Block.objects.filter(pk__in=[b for b in counts if b])}
    ordered = sorted(counts, key=lambda b: (b is not None, blocks[b].position if b else 0, b or 0))
    return [(blocks.get(b), counts[b]) for b in ordered]


def stored_canonical(result):
    """The canonical bytes of a stored version, rebuilt from its rows."""
    by_block = defaultdict(list)
    rows = (
        Standing.objects.filter(result=result)
        .order_by("position")
        .values_list("block_id", "position", "record_json")
    )
    for block_id, position, text in rows.iterator(chunk_size=5000):
        by_block[block_id].append((position, text))
    if not result.seed:  # format 1: blocks by id
        blocks = [
            (b, [text for _p, text in sorted(by_block[b])])
            for b in sorted(by_block, key=lambda b: (b is not None, b or 0))
        ]
    else:  # format 2: blocks by the code each record carries
        named = {json.loads(rows[0][1])["block"]: rows for rows in (sorted(r) for r in by_block.values())}
        blocks = [(code, [text for _p, text in named[code]]) for code in sorted(named, key=chain.code_sort)]
    return canonical.canonical_from_texts(header=result.header(), blocks=blocks)


def verify_result(result):
    """True when the stored rows still hash to the recorded SHA-256."""
    import hashlib

    return hashlib.sha256(stored_canonical(result)).hexdigest() == result.sha256


def unresolved_ties(result):
    """[(block_id, rank, [Standing])] of a version, in order."""
    groups = defaultdict(list)
    for s in (
        Standing.objects.filter(result=result, tied=True)
        .select_related("user", "user__agency", "block")
        .order_by("block_id", "position")
    ):
        groups[(s.block_id, s.rank)].append(s)
    return [
        (b, r, rows)
        for (b, r), rows in sorted(
            groups.items(), key=lambda kv: ((kv[0][0] is not None, kv[0][0] or 0), kv[0][1])
        )
    ]


# --- prizes ---------------------------------------------------------------------------------


def prize_table_for(*, round, block):
    """The most specific prize table: round+block, round, contest+block, contest."""
    tables = list(
        PrizeTable.objects.filter(contest_id=round.contest_id)
        .filter(Q(round=round) | Q(round__isnull=True))
        .filter(Q(block=block) | Q(block__isnull=True) if block is not None else Q(block__isnull=True))
        .prefetch_related("tiers")
    )

    def specificity(t):
        return (t.round_id is not None, t.block_id is not None)

    return max(tables, key=specificity) if tables else None


def tiers_of(table):
    return [
        award_rules.Tier(position=t.position, name=t.name, count=t.count, amount=t.amount, points=t.points)
        for t in table.tiers.all()
    ]


def staff_ids(contest, user_ids):
    """Organiser staff among `user_ids`: organisers over the owning agency and site admins."""
    organisers = Membership.objects.filter(
        role=Membership.Role.ORGANIZER, agency_id__in=contest.owner_agency.ancestor_ids, user_id__in=user_ids
    ).values_list("user_id", flat=True)
    admins = User.objects.filter(pk__in=user_ids, is_superuser=True).values_list("pk", flat=True)
    return set(organisers) | set(admins)


def author_ids(contest, user_ids):
    """Authors and reviewers of the contest's questions among `user_ids`: of a
    question its rounds may draw (the draw pools) or did draw (the attempts)."""
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    found = set()
    mine = Q(author_id__in=user_ids) | Q(reviewer_id__in=user_ids)
    drawn = Question.objects.filter(mine).filter(
        versions__in=AttemptQuestion.objects.filter(attempt__round__contest=contest).values("version_id")
    )
    for author, reviewer in drawn.values_list("author_id", "reviewer_id").distinct():
        found.update({author, reviewer})
    for rule in DrawRule.objects.filter(round__contest=contest).select_related("topic"):
        pool = drawing.rule_pool(rule=rule, agency=contest.owner_agency).filter(mine)
        for author, reviewer in pool.values_list("author_id", "reviewer_id").distinct():
            found.update({author, reviewer})
    return found & set(user_ids)


def ineligibility(*, contest, table, user_ids):
    """{user_id: reason} among `user_ids` under the table's options."""
    reasons = {}
    user_ids = set(user_ids)
    if table.exclude_staff:
        for u in staff_ids(contest, user_ids):
            reasons[u] = award_rules.REASON_STAFF
        for u in author_ids(contest, user_ids - set(reasons)):
            reasons[u] = award_rules.REASON_AUTHOR
    if table.require_complete_profile:
        for user in User.objects.filter(pk__in=user_ids - set(reasons)):
            if missing_profile_fields(user):
                reasons[user.pk] = award_rules.REASON_PROFILE
    return reasons


def current_publications(contest):
    """{round_id: Publication} — the latest publication of each round."""
    latest = {}
    for pub in Publication.objects.filter(round__contest=contest).order_by("round_id", "-version"):
        latest.setdefault(pub.round_id, pub)
    return latest


def held_prizes(*, contest, exclude_round):
    """{user_id: best tier position} held under the current publications of the
    contest's other rounds (superseded prizes excluded)."""
    pubs = [p.pk for r, p in current_publications(contest).items() if r != exclude_round.pk]
    held = {}
    rows = Award.objects.filter(publication_id__in=pubs, superseded_by__isnull=True).values_list(
        "user_id", "tier_position"
    )
    for user_id, tier in rows:
        held[user_id] = min(tier, held.get(user_id, tier))
    return held


@dataclass
class BlockProposal:
    block: Block | None
    table: PrizeTable | None
    tiers: list
    proposal: award_rules.Proposal
    standings: dict = field(default_factory=dict)  # user_id → Standing (the ones shown)


def propose_awards(result):
    """The proposed winners of a version, per block: [BlockProposal]."""
    round = result.round
    contest = round.contest
    proposals = []
    held = None
    for block, _count in standings_blocks(result):
        table = prize_table_for(round=round, block=block)
        if table is None:
            proposals.append(BlockProposal(block, None, [], award_rules.Proposal()))
            continue
        tiers = tiers_of(table)
        if table.one_per_contest and held is None:
            held = held_prizes(contest=contest, exclude_round=round)
        qs = Standing.objects.filter(result=result)
        qs = qs.filter(block=block) if block else qs.filter(block__isnull=True)
        rows = qs.order_by("position").values_list(
            "position", "rank", "user_id", "tied", "score", "correct_count", "question_count"
        )
        candidates = [
            award_rules.Candidate(
                position=p,
                rank=r,
                user_id=u,
                tied=t,
                score=score,
                all_correct=questions > 0 and correct == questions,
            )
            for p, r, u, t, score, correct, questions in rows
        ]
        proposal = _fill(contest, table, tiers, candidates, held if table.one_per_contest else {})
        shown = {a.candidate.user_id for a in proposal.awards} | {
            p.candidate.user_id for p in proposal.passed_over
        }
        standings = {
            s.user_id: s for s in qs.filter(user_id__in=shown).select_related("user", "user__agency")
        }
        proposals.append(BlockProposal(block, table, tiers, proposal, standings))
    return proposals


def _fill(contest, table, tiers, candidates, held):
    size = max(sum(t.count for t in tiers) * 2 + 20, 50)
    ineligible, known = {}, set()
    minimum = table.minimum
    # Entries below the minimum are passed over without a lookup.
    checked = [c for c in candidates if minimum.met_by(c)] if minimum else candidates
    while True:
        batch = {c.user_id for c in checked[:size]} - known
        ineligible |= ineligibility(contest=contest, table=table, user_ids=batch)
        known |= batch
        try:
            return award_rules.fill_prizes(
                candidates,
                tiers,
                boundary=table.boundary_ties,
                ineligible=ineligible,
                held=held,
                known=known,
                minimum=minimum,
            )
        except award_rules.NeedMore:
            size *= 2


# --- publications and certificates ----------------------------------------------------------


def latest_publication(round):
    """The newest published version of a round's winners, or None."""
    return Publication.objects.filter(round=round).order_by("-version").first()


def publications(round):
    """Every published version of a round, newest first: all of them stay public."""
    return list(Publication.objects.filter(round=round).select_related("result").order_by("-version"))


def publication_version(round, version):
    return Publication.objects.filter(round=round, version=version).select_related("result").first()


def publication_changes(publication):
    """What the version changed against the one before ([{entry, before,
    after, why}] from its bundle; [] for a first version)."""
    if not publication.bundle:
        return []
    return json.loads(publication.bundle).get("changes", [])


def published_awards(publication):
    return list(
        Award.objects.filter(publication=publication)
        .select_related("user", "user__agency", "block", "standing__attempt")
        .order_by("block__position", "block_id", "tier_position", "rank", "id")
    )


def public_place(user):
    """What a winners page shows besides the name: the agency (officials) or
    the commune and province (citizens). Never CCCD, phone, e-mail or birth date."""
    if user.kind == User.Kind.OFFICIAL and user.agency_id:
        return user.agency.name
    return ", ".join(part for part in (user.ward_name, user.province_name) if part)


def published_rounds(contest):
    """[(round, publication)] of a contest's rounds with published winners."""
    latest = current_publications(contest)
    rounds = Round.objects.filter(pk__in=latest).order_by("number")
    return [(r, latest[r.pk]) for r in rounds]


def award_by_code(code):
    """The award a certificate code identifies, as of the newest published
    version that lists it (a winner who keeps a prize keeps the code), or
    None (forged or mistyped)."""
    code = codes.normalise(code, max_length=20)
    if not code:
        return None
    return (
        Award.objects.filter(code=code)
        .select_related("user", "user__agency", "round", "round__contest", "block", "publication")
        .order_by("-publication__version", "-id")
        .first()
    )


def award_status(award):
    """ "valid", "superseded" (a higher prize replaced it) or "withdrawn"
    (a later published version of the round no longer lists it)."""
    if award.superseded_by_id:
        return "superseded"
    if withdrawal(award) is not None:
        return "withdrawn"
    return "valid"


def withdrawal(award):
    """{"version", "reason"} of the published version that withdrew the prize
    (the first later one without its code), or None while it stands. The
    reason is the disqualification's when the winner was disqualified."""
    later = (
        Publication.objects.filter(round_id=award.round_id, version__gt=award.publication.version)
        .exclude(awards__code=award.code)
        .order_by("version")
        .first()
    )
    if later is None:
        return None
    reason = (
        Disqualification.objects.filter(round_id=award.round_id, user_id=award.user_id)
        .values_list("reason", flat=True)
        .first()
    )
    return {"version": later.version, "reason": reason or "", "publication": later}


def my_awards(user):
    if not user.is_authenticated:
        return []
    return list(Award.objects.filter(user=user).select_related("round", "round__contest").order_by("-id"))


# --- closed rounds ---------------------------------------------------------------------------


def rounds_to_finalise(now):
    """Closed, ranked rounds of published or closed contests with no results yet."""
    finalised = RoundResult.objects.values("round_id")
    return list(
        Round.objects.filter(
            closes_at__lte=now, is_practice=False, contest__status__in=["published", "closed"]
        )
        .exclude(pk__in=finalised)
        .select_related("contest", "contest__owner_agency")
        .order_by("closes_at", "pk")
    )


def in_progress_count(round):
    return Attempt.objects.filter(round=round, is_preview=False, status=Attempt.Status.IN_PROGRESS).count()


def last_version_number(round):
    return RoundResult.objects.filter(round=round).aggregate(v=Max("version"))["v"] or 0


ATTEMPT_FIELDS = (
    "id",
    "user_id",
    "block_id",
    "number",
    "status",
    "correct_count",
    "question_count",
    "score",
    "duration_ms",
    "started_at",
    "finished_at",
    "prediction",
    "entry_code",
)


def attempt_rows(round, *, registration=True):
    """Every non-preview attempt of a round as chain.AttemptRow, times in epoch
    milliseconds (with the person's registration time only when asked: it costs
    a join). On PostgreSQL the database does the conversion: parsing 200,000
    timestamps in Python would be most of a finalisation's time."""
    if connection.vendor == "postgresql":
        return _attempt_rows_sql(round, registration)
    fields = ATTEMPT_FIELDS + (("user__date_joined",) if registration else ())
    rows = Attempt.objects.filter(round=round, is_preview=False).values_list(*fields)
    in_progress = Attempt.Status.IN_PROGRESS
    ms = canonical.epoch_ms
    out = []
    for row in rows.iterator(chunk_size=10000):
        (
            a,
            u,
            b,
            n,
            status,
            correct,
            questions,
            score,
            duration,
            started,
            finished,
            prediction,
            code,
            *joined,
        ) = row
        out.append(
            chain.AttemptRow(
                a,
                u,
                b,
                n,
                status != in_progress,
                correct,
                questions,
                score,
                duration,
                ms(started),
                None if finished is None else ms(finished),
                prediction,
                ms(joined[0]) if joined and joined[0] else None,
                code,
            )
        )
    return out


def _epoch_ms_sql(column):
    # Truncated to the millisecond first, so the float epoch is exact.
    return f"round(extract(epoch from date_trunc('milliseconds', {column})) * 1000)::bigint"


def _attempt_rows_sql(round, registration):
    qn = connection.ops.quote_name
    attempt, user = Attempt._meta.db_table, Attempt._meta.get_field("user").related_model._meta.db_table
    joined = _epoch_ms_sql(f"u.{qn('date_joined')}") if registration else "NULL"
    sql = (
        f"SELECT a.id, a.user_id, a.block_id, a.number, a.status <> %s, a.correct_count, a.question_count, "
        f"a.score, a.duration_ms, {_epoch_ms_sql('a.started_at')}, {_epoch_ms_sql('a.finished_at')}, "
        f"a.prediction, {joined}, a.entry_code FROM {qn(attempt)} a "
        + (f"JOIN {qn(user)} u ON u.id = a.user_id " if registration else "")
        + "WHERE a.round_id = %s AND NOT a.is_preview"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Attempt.Status.IN_PROGRESS, round.pk])
        return list(map(chain.AttemptRow._make, cursor.fetchall()))
