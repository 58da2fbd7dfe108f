"""The final order of a round: the ranking chain, its canonical form and hash
(the canonical encoding is canonical.py; the chain in words, chain_words.py).

(Slightly over 600 lines on purpose: the criteria's keys, their traces and the
ordering are one algorithm that a reader checks against the thể lệ in one
place; its words and its canonical encoding are already apart.)

Pure: plain values in, plain values out, no ORM. The award services read the
attempts, call `finalise`, and store what it returns.

How a round is finalised (the same data always gives byte-identical results,
whatever order the rows come in):

1. Valid attempts: finished, not an organiser's preview, not of a
   disqualified person.
2. The actual value of the prediction question, by the definition the policy
   states (persons or attempts; valid entries only or every entry; overall or
   per block). It is computed once, at the first finalisation, and frozen:
   later versions (after a disqualification or a board decision) reuse it.
3. The attempt that represents each person: the round's counting rule over
   that person's valid attempts (best = the one the chain ranks highest, then
   the lower attempt number; first / last = by attempt number).
4. Standings per block, ordered by the chain. Each criterion compares whole
   values: times in milliseconds, decimals exactly. Entries equal on every
   criterion share the rank ("1, 2, 2, 4") and are flagged as a tie for the
   organising board, unless a recorded board decision covers them: then the
   board's order gives them consecutive ranks. Within a shared rank the list
   order is the tie key: SHA-256 of the round's published seed, ":" and the
   entry code, ascending (`tie_key`), never a database id or the load order.
5. The canonical JSON of the result set (sorted keys, no whitespace, decimals
   as strings, times as ISO 8601 UTC with milliseconds) and its SHA-256.
   Entries are named by their public entry codes and blocks by their codes:
   the same entries give the same bytes in any database, in any order.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from contests.rules import canonical

# --- criteria -------------------------------------------------------------------------

SCORE = "score"
CORRECT = "correct"
ALL_CORRECT = "all_correct"
PREDICTION = "prediction"
DURATION = "duration"
SUBMITTED = "submitted"
STARTED = "started"
REGISTERED = "registered"
ATTEMPTS = "attempts"
PERFECT_ATTEMPTS = "perfect_attempts"

CRITERIA = (
    SCORE,
    CORRECT,
    ALL_CORRECT,
    PREDICTION,
    DURATION,
    SUBMITTED,
    STARTED,
    REGISTERED,
    ATTEMPTS,
    PERFECT_ATTEMPTS,
)
DEFAULT_CHAIN = (SCORE, PREDICTION, DURATION, SUBMITTED)

# Over- and under-predictions with the same error.
EQUAL = "equal"
UNDER_FIRST = "under_first"
OVER_FIRST = "over_first"
EQUAL_ERROR_CHOICES = (EQUAL, UNDER_FIRST, OVER_FIRST)

# What the prediction's actual value counts.
COUNT_PERSONS = "persons"
COUNT_ATTEMPTS = "attempts"
SCOPE_OVERALL = "overall"
SCOPE_BLOCK = "block"

# The round's prediction target (Round.PredictionTarget values).
TARGET_PARTICIPANTS = "participants"
TARGET_PERFECT = "perfect"
TARGET_PERFECT_PERCENT = "perfect_percent"

COUNTING_BEST = "best"
COUNTING_FIRST = "first"
COUNTING_LAST = "last"

PERCENT_PLACES = Decimal("0.0001")  # the percentage target, like Attempt.prediction


class ChainError(ValueError):
    """A chain that cannot be used; the message says why."""


def validate_chain(chain):
    """The chain as a tuple; ChainError when empty, unknown or repeated."""
    chain = tuple(chain)
    if not chain:
        raise ChainError(_("Choose at least one ranking criterion."))
    unknown = [c for c in chain if c not in CRITERIA]
    if unknown:
        raise ChainError(_("Unknown ranking criterion: %(names)s.") % {"names": ", ".join(map(str, unknown))})
    if len(set(chain)) != len(chain):
        raise ChainError(_("A ranking criterion appears twice."))
    return chain


@dataclass(frozen=True)
class Policy:
    """Everything that decides the order, frozen with each result set."""

    chain: tuple = DEFAULT_CHAIN
    equal_error: str = EQUAL
    counting: str = COUNTING_BEST
    target: str = ""  # "" = the round has no prediction question
    counts: str = COUNT_PERSONS
    scope: str = SCOPE_OVERALL
    valid_only: bool = True

    def as_dict(self):
        return {
            "chain": list(self.chain),
            "equal_error": self.equal_error,
            "counting": self.counting,
            "target": self.target,
            "counts": self.counts,
            "scope": self.scope,
            "valid_only": self.valid_only,
        }

    @classmethod
    def from_dict(cls, data):
        return cls(
            chain=tuple(data["chain"]),
            equal_error=data["equal_error"],
            counting=data["counting"],
            target=data["target"],
            counts=data["counts"],
            scope=data["scope"],
            valid_only=data["valid_only"],
        )

    @property
    def effective_chain(self):
        """The chain as applied: without a prediction question the prediction
        criterion has nothing to compare and is left out."""
        return tuple(c for c in self.chain if c != PREDICTION or self.target)


class AttemptRow(NamedTuple):
    """One attempt as finalisation sees it (a named tuple: 100,000 of them are
    built per finalisation, and tuples are cheap). Times are whole
    milliseconds since 1970-01-01 UTC (see `canonical.epoch_ms`): the precision of every
    comparison, and far cheaper to read from the database than datetimes."""

    id: int
    user_id: int
    block_id: int | None
    number: int
    finished: bool
    correct: int
    questions: int
    score: Decimal
    duration_ms: int | None
    started_at: int
    finished_at: int | None
    prediction: Decimal | None
    registered_at: int | None = None
    code: str = ""  # the public entry code

    @property
    def perfect(self):
        return self.questions > 0 and self.correct == self.questions


@dataclass(frozen=True)
class Decision:
    """A recorded decision of the organising board on a full tie: the order
    of `user_ids` (best first) within `block_id`."""

    block_id: int | None
    user_ids: tuple


@dataclass
class Standing:
    block_id: int | None
    position: int
    rank: int
    user_id: int
    attempt: AttemptRow
    trace: dict
    tied: bool = False
    board_order: int | None = None
    prediction_error: Decimal | None = None
    block_code: str | None = None
    tie_key: str = ""  # orders a full tie (`tie_key`)
    key: tuple = field(default=(), repr=False, compare=False)
    texts: tuple | None = field(default=None, repr=False, compare=False)
    _record: dict | None = field(default=None, repr=False, compare=False)
    _json: str | None = field(default=None, repr=False, compare=False)

    def record(self):
        """The canonical record of this standing (values already canonical)."""
        a = self.attempt
        if self._record is not None:
            return self._record
        texts = self.texts or _texts(a)
        self._record = {
            "entry": a.code,
            "block": self.block_code,
            "position": self.position,
            "rank": self.rank,
            "score": texts.score,
            "correct": a.correct,
            "questions": a.questions,
            "duration_ms": a.duration_ms,
            "started_at": texts.started,
            "submitted_at": texts.submitted,
            "prediction": texts.prediction,
            "trace": self.trace,
            "tied": self.tied,
            "board": self.board_order,
        }
        return self._record

    def record_json(self):
        """The canonical JSON text of the record."""
        if self._json is None:
            self._json = canonical.canonical_text(self.record())
        return self._json


@dataclass
class ResultSet:
    round_id: int
    policy: Policy
    actual: dict  # actual_key → Decimal
    disqualified: tuple  # entry codes of every attempt of a disqualified person, sorted
    blocks: dict  # block_id → [Standing] in position order
    seed: str = ""
    block_codes: dict = field(default_factory=dict)  # block_id → block code

    def standings(self):
        for block_id in sorted(self.blocks, key=_block_sort):
            yield from self.blocks[block_id]

    def ties(self):
        """Unresolved full ties: [(block_id, rank, [user ids])]."""
        found = []
        for block_id in sorted(self.blocks, key=_block_sort):
            groups = defaultdict(list)
            for s in self.blocks[block_id]:
                if s.tied:
                    groups[s.rank].append(s.user_id)
            found.extend((block_id, rank, users) for rank, users in sorted(groups.items()))
        return found

    def canonical(self):
        """The canonical bytes, assembled from each record's canonical text
        (encoded once: the same text is stored with the standing)."""
        blocks = [
            (self.block_codes.get(block_id), [s.record_json() for s in self.blocks[block_id]])
            for block_id in sorted(self.blocks, key=lambda b: code_sort(self.block_codes.get(b)))
        ]
        return canonical.canonical_from_texts(header=canonical.header_dict(self), blocks=blocks)

    def sha256(self):
        return hashlib.sha256(self.canonical()).hexdigest()


def _block_sort(block_id):
    return (block_id is not None, block_id or 0)


def code_sort(code):
    """Blocks in the canonical form: no block first, then by code."""
    return (code is not None, code or "")


def _codes(attempts, block_codes):
    codes = dict(block_codes or {})
    for a in attempts:
        if a.block_id is not None and a.block_id not in codes:
            codes[a.block_id] = str(a.block_id)
    return codes


def tie_key(seed, code):
    """The documented order of a full tie: SHA-256 of "<seed>:<entry code>" (hex)."""
    return hashlib.sha256(f"{seed}:{code}".encode()).hexdigest()


# --- the prediction's actual value ------------------------------------------------------


def actual_key(block_code, scope):
    """The key of a prediction's actual value: "all", or "block:<code>"
    ("block:none" for entries without a block) when counted per block."""
    if scope == SCOPE_BLOCK:
        return f"block:{'none' if block_code is None else block_code}"
    return "all"


def _counted_for_actual(attempts, policy, disqualified):
    if policy.valid_only:
        return [a for a in attempts if a.finished and a.user_id not in disqualified]
    return list(attempts)


def prediction_actual(attempts, policy, *, disqualified=frozenset(), block_codes=None):
    """{actual_key: Decimal} by the policy's definition; {} without a prediction question.

    participants: persons (distinct) or attempts;
    perfect: persons with at least one perfect attempt, or perfect attempts;
    perfect_percent: perfect / participants × 100, 4 decimals, half up (0 when nobody took part).
    A person's block is the block of their attempts (per-block scope counts a
    person once in every block they have an attempt in).
    """
    if not policy.target:
        return {}
    rows = _counted_for_actual(attempts, policy, disqualified)
    block_codes = _codes(rows, block_codes)
    groups = defaultdict(list)
    for a in rows:
        groups[actual_key(block_codes.get(a.block_id), policy.scope)].append(a)
    if policy.scope == SCOPE_OVERALL:
        groups.setdefault("all", [])
    actual = {}
    for key, group in groups.items():
        if policy.counts == COUNT_ATTEMPTS:
            participants = len(group)
            perfect = sum(1 for a in group if a.perfect)
        else:
            participants = len({a.user_id for a in group})
            perfect = len({a.user_id for a in group if a.perfect})
        if policy.target == TARGET_PARTICIPANTS:
            actual[key] = Decimal(participants)
        elif policy.target == TARGET_PERFECT:
            actual[key] = Decimal(perfect)
        elif participants:
            actual[key] = (Decimal(100) * perfect / participants).quantize(PERCENT_PLACES, ROUND_HALF_UP)
        else:
            actual[key] = Decimal(0)
    return actual


# --- ordering ---------------------------------------------------------------------------


class _Person(NamedTuple):
    attempts: int
    perfect_attempts: int
    registered_at: int | None


def _side(difference):
    return "over" if difference > 0 else "under" if difference < 0 else "exact"


# Rank of each side within the same error; an exact prediction has error 0 and
# beats every other, so its value never meets another side's.
_SIDE_ORDER = {
    EQUAL: {"over": 0, "under": 0, "exact": 0},
    UNDER_FIRST: {"under": 0, "exact": 1, "over": 2},
    OVER_FIRST: {"over": 0, "exact": 1, "under": 2},
}


def _prediction_key(a, person, actual, equal_error):
    if a.prediction is None or actual is None:
        return (1, 0, 0)
    difference = a.prediction - actual
    # Errors compare in ten-thousandths (the precision of stored predictions);
    # rounding up keeps any non-zero error behind an exact prediction.
    error = int((abs(difference) * 10_000).to_integral_value(ROUND_CEILING))
    return (0, error, _SIDE_ORDER[equal_error][_side(difference)])


def _time_key(value):
    return (1, 0) if value is None else (0, value)


# Sort key part of each criterion, as a tuple of integers (flat integer keys
# sort fast): smaller is better. Scores compare in hundredths (their precision).
_KEYS = {
    SCORE: lambda a, p, actual, ee: (-int(a.score * 100),),
    CORRECT: lambda a, p, actual, ee: (-a.correct,),
    ALL_CORRECT: lambda a, p, actual, ee: (0 if a.perfect else 1,),
    PREDICTION: _prediction_key,
    DURATION: lambda a, p, actual, ee: (1, 0) if a.duration_ms is None else (0, int(a.duration_ms)),
    SUBMITTED: lambda a, p, actual, ee: _time_key(a.finished_at),
    STARTED: lambda a, p, actual, ee: _time_key(a.started_at),
    REGISTERED: lambda a, p, actual, ee: _time_key(p.registered_at),
    ATTEMPTS: lambda a, p, actual, ee: (p.attempts,),
    PERFECT_ATTEMPTS: lambda a, p, actual, ee: (-p.perfect_attempts,),
}


class _Texts(NamedTuple):
    """Canonical texts of an attempt, computed once for its trace and record."""

    score: str
    prediction: str | None
    started: str
    submitted: str | None


def _texts(a):
    return _Texts(
        canonical.canonical_decimal(a.score),
        canonical.canonical_decimal(a.prediction),
        canonical.canonical_time(a.started_at),
        canonical.canonical_time(a.finished_at),
    )


def _prediction_trace(a, texts, actual, actual_text):
    if a.prediction is None or actual is None:
        return {"value": texts.prediction, "actual": actual_text, "error": None, "side": None}
    difference = a.prediction - actual
    return {
        "value": texts.prediction,
        "actual": actual_text,
        "error": canonical.canonical_decimal(abs(difference)),
        "side": _side(difference),
    }


# The value each criterion compared, as shown in the trace (canonical).
_TRACES = {
    SCORE: lambda a, p, t, actual, actual_text: t.score,
    CORRECT: lambda a, p, t, actual, actual_text: a.correct,
    ALL_CORRECT: lambda a, p, t, actual, actual_text: a.perfect,
    PREDICTION: lambda a, p, t, actual, actual_text: _prediction_trace(a, t, actual, actual_text),
    DURATION: lambda a, p, t, actual, actual_text: None if a.duration_ms is None else int(a.duration_ms),
    SUBMITTED: lambda a, p, t, actual, actual_text: t.submitted,
    STARTED: lambda a, p, t, actual, actual_text: t.started,
    REGISTERED: lambda a, p, t, actual, actual_text: canonical.canonical_time(p.registered_at),
    ATTEMPTS: lambda a, p, t, actual, actual_text: p.attempts,
    PERFECT_ATTEMPTS: lambda a, p, t, actual, actual_text: p.perfect_attempts,
}


class _Evaluator:
    """The chain's key and trace functions, looked up once per finalisation."""

    def __init__(self, policy, actual, block_codes=None):
        criteria = policy.effective_chain
        self.keys = [_KEYS[c] for c in criteria]
        self.traces = [(c, _TRACES[c]) for c in criteria]
        self.ee = policy.equal_error
        self.policy = policy
        self.actual = actual
        self.block_codes = block_codes or {}
        self._actuals = {}

    def actual_for(self, block_id):
        if block_id not in self._actuals:
            value = _actual_for(self.actual, self.block_codes.get(block_id), self.policy)
            self._actuals[block_id] = (value, canonical.canonical_decimal(value))
        return self._actuals[block_id][0]

    def key(self, a, person):
        actual, ee = self.actual_for(a.block_id), self.ee
        key = []
        for f in self.keys:
            key.extend(f(a, person, actual, ee))
        return tuple(key)

    def trace(self, a, person, texts):
        actual = self.actual_for(a.block_id)
        actual_text = self._actuals[a.block_id][1]
        return {c: f(a, person, texts, actual, actual_text) for c, f in self.traces}


def _evaluate(attempt, person, actual, policy):
    """(key, trace) of an attempt under the policy's chain (for tests and tools)."""
    evaluator = _Evaluator(policy, {})
    evaluator._actuals[attempt.block_id] = (actual, canonical.canonical_decimal(actual))
    return evaluator.key(attempt, person), evaluator.trace(attempt, person, _texts(attempt))


def _actual_for(actual, block_code, policy):
    if not policy.target:
        return None
    return actual.get(actual_key(block_code, policy.scope), Decimal(0))


def finalise(
    *, round_id, attempts, policy, actual=None, disqualified=(), decisions=(), seed="", block_codes=None
):
    """The result set of a round.

    attempts: every non-preview AttemptRow of the round (any order).
    actual: the frozen actual values ({actual_key: Decimal}); computed from
        `attempts` when None (the first finalisation).
    disqualified: user ids whose entries are not valid.
    decisions: board Decisions, oldest first (a later one wins).
    seed: the round's published seed, which orders full ties (`tie_key`).
    block_codes: {block_id: code}, how blocks are named in the canonical form
        (a block missing from it is named by its id's text).
    """
    policy = replace(policy, chain=validate_chain(policy.chain))
    disqualified = frozenset(disqualified)
    block_codes = _codes(attempts, block_codes)
    if actual is None:
        actual = prediction_actual(attempts, policy, disqualified=disqualified, block_codes=block_codes)

    valid = defaultdict(list)
    for a in attempts:
        if a.finished and a.user_id not in disqualified:
            valid[a.user_id].append(a)

    evaluator = _Evaluator(policy, actual, block_codes)
    by_block = defaultdict(list)
    for user_id in sorted(valid):
        mine = valid[user_id]
        person = _Person(
            attempts=len(mine),
            perfect_attempts=sum(1 for a in mine if a.perfect),
            registered_at=mine[0].registered_at,
        )
        # With a per-block actual each attempt is measured against its own block.
        key = None
        if len(mine) == 1:
            chosen = mine[0]
        elif policy.counting == COUNTING_FIRST:
            chosen = min(mine, key=lambda a: a.number)
        elif policy.counting == COUNTING_LAST:
            chosen = max(mine, key=lambda a: a.number)
        else:
            key, _number, chosen = min(
                ((evaluator.key(a, person), a.number, a) for a in mine), key=lambda item: item[:2]
            )
        chosen_actual = evaluator.actual_for(chosen.block_id)
        if key is None:
            key = evaluator.key(chosen, person)
        texts = _texts(chosen)
        trace = evaluator.trace(chosen, person, texts)
        error = None
        if chosen_actual is not None and chosen.prediction is not None:
            error = abs(chosen.prediction - chosen_actual)
        by_block[chosen.block_id].append(
            Standing(
                block_id=chosen.block_id,
                position=0,
                rank=0,
                user_id=user_id,
                attempt=chosen,
                trace=trace,
                prediction_error=error,
                block_code=block_codes.get(chosen.block_id),
                key=key,
                tie_key=tie_key(seed, chosen.code),
                texts=texts,
            )
        )

    blocks = {}
    for block_id, rows in by_block.items():
        blocks[block_id] = _rank(rows, [d for d in decisions if d.block_id == block_id])
    return ResultSet(
        round_id=round_id,
        policy=policy,
        actual=actual,
        disqualified=tuple(sorted(a.code for a in attempts if a.user_id in disqualified)),
        blocks=blocks,
        seed=seed,
        block_codes=block_codes,
    )


def _rank(rows, decisions):
    """Positions and ranks; full ties share the rank unless a decision orders them."""
    rows.sort(key=lambda s: (s.key, s.tie_key))
    ranked = []
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1].key == rows[i].key:
            j += 1
        group = rows[i : j + 1]
        base = i + 1
        if len(group) > 1:
            order = _decided_order(group, decisions)
            if order is not None:
                group.sort(key=lambda s: order[s.user_id])
                for offset, s in enumerate(group):
                    s.rank = base + offset
                    s.board_order = offset + 1
            else:
                for s in group:
                    s.rank = base
                    s.tied = True
        else:
            group[0].rank = base
        ranked.extend(group)
        i = j + 1
    for position, s in enumerate(ranked, start=1):
        s.position = position
    return ranked


def _decided_order(group, decisions):
    """{user_id: index} from the latest decision covering every user of the group."""
    users = {s.user_id for s in group}
    for decision in reversed(decisions):
        if users <= set(decision.user_ids):
            ordered = [u for u in decision.user_ids if u in users]
            return {u: n for n, u in enumerate(ordered)}
    return None
