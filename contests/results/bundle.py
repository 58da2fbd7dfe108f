"""The published result of a round as a bundle that explains itself: the
`results.json` anyone can download and re-derive with `tools/verify_result.py`
(standard library only).

What it holds (format 2; "entries" are named by their public entry codes,
never by database ids):
- `contest`, `round`, `version` (of the published winners), `published_at`;
- `result`: the version of the results it publishes, why it was made, and the
  canonical header of that result set (ranking rules, the prediction's actual
  value as frozen, the seed that orders full ties, the entries excluded as
  disqualified) with its SHA-256;
- `ranking`: the chain, each criterion's direction, how over- and
  under-predictions of equal error compare, which attempt counts, the tie
  rule — in machine form and in words;
- `prediction`: what the prediction question asked, how its actual value was
  counted (persons or attempts, valid entries only or all, overall or per
  block) and the value;
- `blocks`: per block its prize table (tiers, what a full tie at a prize
  boundary gets, who is eligible) and every ranked entry: the result set's
  record (every criterion value, place, position, tie flag, board order), the
  prize it got, or the rule that passed it over;
- `excluded`: the disqualified entries with the reason;
- `changes`: against the previous published version, who came in, who left
  and why; `previous`: that version's number and SHA-256.

The SHA-256 shown everywhere is over the canonical JSON of all of it (sorted
keys, no whitespace, UTF-8): awards, exclusions and changes included.
"""

import hashlib
import json

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contests.models import Attempt, Award, Disqualification, RoundResult, Standing, TieDecision
from contests.rules import canonical, chain, chain_words, prizes

FORMAT = 2

# How each criterion's value compares (the verifier reads these, not code).
BETTER = {
    chain.SCORE: "higher",
    chain.CORRECT: "higher",
    chain.ALL_CORRECT: "true",
    chain.PREDICTION: "smaller_error",
    chain.DURATION: "lower",
    chain.SUBMITTED: "earlier",
    chain.STARTED: "earlier",
    chain.REGISTERED: "earlier",
    chain.ATTEMPTS: "lower",
    chain.PERFECT_ATTEMPTS: "higher",
}


def tie_rule():
    return _(
        "Entries equal on every criterion share the place. A recorded decision of the organising board "
        "orders them (consecutive places, board_order); otherwise they keep the shared place and are "
        "listed by SHA-256 of the result's seed, a colon and the entry code (hex, ascending)."
    )


def encode(bundle):
    """The canonical bytes of a bundle (what its SHA-256 is taken over)."""
    return canonical.canonical_json(bundle)


def digest(bundle):
    return hashlib.sha256(encode(bundle)).hexdigest()


def build(*, publication, result, proposals, previous=None):
    """The bundle of `publication` (of `result`), from the proposals it
    published ([results.selectors.BlockProposal]) and the previous
    publication of the round, if any. Its words are in the site's language
    (Vietnamese), whoever publishes."""
    with translation.override(settings.LANGUAGE_CODE):
        return _build(publication=publication, result=result, proposals=proposals, previous=previous)


def _build(*, publication, result, proposals, previous):
    round = result.round
    contest = round.contest
    policy = result.policy_obj
    awards = {
        (a.block_id, a.user_id): a
        for a in Award.objects.filter(publication=publication).select_related("block")
    }
    by_block = {p.block.pk if p.block else None: p for p in proposals}
    blocks = []
    codes = {}  # user_id → entry code, for the changes
    for block_id, rows in _standings(result):
        proposal = by_block.get(block_id)
        passed = {p.candidate.user_id: p.reason for p in proposal.proposal.passed_over} if proposal else {}
        entries = []
        for user_id, text in rows:
            record = json.loads(text)
            codes[user_id] = record["entry"]
            award = awards.get((block_id, user_id))
            entries.append(
                {
                    "record": record,
                    "prize": _prize(award),
                    "passed_over": passed.get(user_id) if award is None else None,
                }
            )
        block = proposal.block if proposal else None
        blocks.append(
            {
                "block": entries[0]["record"]["block"] if entries else None,
                "name": block.name if block else "",
                "prizes": _table(proposal),
                "entries": entries,
            }
        )
    blocks.sort(key=lambda b: chain.code_sort(b["block"]))
    bundle = {
        "format": FORMAT,
        "contest": {"slug": contest.slug, "title": contest.title},
        "round": {
            "number": round.number,
            "title": round.title,
            "opens_at": canonical.canonical_time(round.opens_at),
            "closes_at": canonical.canonical_time(round.closes_at),
        },
        "version": publication.version,
        "published_at": canonical.canonical_time(publication.published_at),
        "result": {
            "version": result.version,
            "reason": result.reason,
            "header": result.header(),
            "sha256": result.sha256,
        },
        "ranking": {
            "chain": list(policy.effective_chain),
            "better": {c: BETTER[c] for c in policy.effective_chain},
            "equal_error": policy.equal_error,
            "counting": policy.counting,
            "ties": tie_rule(),
            "in_words": [str(line) for line in chain_words.policy_in_words(policy)],
        },
        "prediction": _prediction(policy, result),
        "blocks": blocks,
        "excluded": _excluded(result),
        "previous": None,
        "changes": [],
    }
    if previous is not None:
        bundle["previous"] = {"version": previous.version, "sha256": previous.sha256}
        bundle["changes"] = _changes(previous, publication, result, codes)
    return bundle


def _standings(result):
    """[(block_id, [(user_id, record text)])] of a version, each in position order."""
    blocks = {}
    rows = (
        Standing.objects.filter(result=result)
        .order_by("position")
        .values_list("block_id", "user_id", "record_json")
    )
    for block_id, user_id, text in rows.iterator(chunk_size=5000):
        blocks.setdefault(block_id, []).append((user_id, text))
    return list(blocks.items())


def _prize(award):
    if award is None:
        return None
    return {
        "tier": award.tier_position,
        "name": award.tier_name,
        "amount": canonical.canonical_decimal(award.amount),
        "points": award.points,
    }


def _table(proposal):
    if proposal is None or proposal.table is None:
        return None
    table = proposal.table
    scope = "round" if table.round_id else "contest"
    return {
        "scope": scope + ("+block" if table.block_id else ""),
        "tiers": [
            {
                "tier": t.position,
                "name": t.name,
                "count": t.count,
                "amount": canonical.canonical_decimal(t.amount),
                "points": t.points,
            }
            for t in proposal.tiers
        ],
        "boundary_ties": table.boundary_ties,
        "eligibility": {
            "one_prize_per_person_per_contest": table.one_per_contest,
            "exclude_staff_and_authors": table.exclude_staff,
            "complete_profile": table.require_complete_profile,
            "minimum_score": canonical.canonical_decimal(table.min_score),
            "all_correct": table.require_all_correct,
        },
        "passed_over_rules": {reason: str(label) for reason, label in PASSED_OVER.items()},
    }


PASSED_OVER = {
    prizes.REASON_STAFF: gettext_lazy("organiser staff of the contest"),
    prizes.REASON_AUTHOR: gettext_lazy("author or reviewer of the contest's questions"),
    prizes.REASON_PROFILE: gettext_lazy("incomplete or false registration details"),
    prizes.REASON_HELD: gettext_lazy("already holds an equal or higher prize in another round"),
    prizes.REASON_BELOW_MINIMUM: gettext_lazy("below the minimum the prize table sets"),
}


def _prediction(policy, result):
    if not policy.target:
        return None
    return {
        "target": policy.target,
        "counts": policy.counts,
        "scope": policy.scope,
        "valid_only": policy.valid_only,
        "actual": result.prediction_actual,
        "first_computed": _first_actual(result),
        "in_words": str(
            chain_words.criterion_in_words(
                chain.PREDICTION,
                equal_error=policy.equal_error,
                target=policy.target,
                counts=policy.counts,
                scope=policy.scope,
                valid_only=policy.valid_only,
            )
        ),
    }


def _first_actual(result):
    """The actual value of version 1 when this version recomputed it (valid
    entries only, after a disqualification); None when it is unchanged."""
    first = RoundResult.objects.filter(round_id=result.round_id, version=1).first()
    if first is None or first.prediction_actual == result.prediction_actual:
        return None
    return first.prediction_actual


def _excluded(result):
    """The disqualified entries with their reason (every attempt of the person)."""
    reasons = dict(Disqualification.objects.filter(round_id=result.round_id).values_list("user_id", "reason"))
    if not reasons:
        return []
    rows = Attempt.objects.filter(
        round_id=result.round_id, user_id__in=reasons, is_preview=False
    ).values_list("entry_code", "user_id")
    return sorted(
        ({"entry": code, "rule": "disqualified", "reason": reasons[user_id]} for code, user_id in rows),
        key=lambda e: e["entry"],
    )


def _changes(previous, publication, result, codes):
    """Who came in, who left and why, against the previous publication."""
    before = {(a.user_id): a for a in Award.objects.filter(publication=previous)}
    after = {(a.user_id): a for a in Award.objects.filter(publication=publication)}
    disqualified = dict(
        Disqualification.objects.filter(round_id=result.round_id).values_list("user_id", "reason")
    )
    decisions = [d.note for d in TieDecision.objects.filter(result=result).order_by("decided_at", "id")]
    changes = []
    for user_id in set(before) | set(after):
        old, new = before.get(user_id), after.get(user_id)
        if old is not None and new is not None and old.tier_name == new.tier_name:
            continue
        if user_id in disqualified and new is None:
            why = _("disqualified: %(reason)s") % {"reason": disqualified[user_id]}
        elif decisions:
            why = _("board decision on a tie: %(note)s") % {"note": decisions[-1]}
        else:
            why = _("the places moved with the change that made result version %(version)d") % {
                "version": result.version
            }
        changes.append(
            {
                "entry": codes.get(user_id) or _entry_of(old or new),
                "before": old.tier_name if old else None,
                "after": new.tier_name if new else None,
                "why": why,
            }
        )
    return sorted(changes, key=lambda c: c["entry"])


def _entry_of(award):
    return json.loads(award.standing.record_json).get("entry", "")
