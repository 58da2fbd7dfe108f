"""Filling individual prizes from the final ranking, as pure functions (no ORM).

Individual prizes: the tiers of a prize table (highest first) are expanded
into places (Nhất ×1, Nhì ×2 … → [Nhất, Nhì, Nhì, …]) and filled from the
final ranking in order. A candidate is passed over (and the place goes to the
next one) when they are organiser staff or a question author, when their
profile is incomplete, or — with "one prize per person per contest" — when
they already hold a prize at least as high in another round (holding a lower
one, they take this higher prize and the lower one is marked superseded).

A table may set a minimum for a prize: a score (percent) and/or every answer
correct. An entry below it never receives a prize, whatever its rank: it is
passed over and the place goes to the next entry that meets it, or stays
empty when none does (a 5/20 entry alone in its block gets nothing).

A full tie (equal on every criterion, no board decision) that would receive
places of different tiers, or that runs past the last place, is a tie at a
tier boundary. The table says what happens:
- "higher": all of them get the higher tier; they use up as many places as
  they are, so the following tiers get fewer (past the last place, more
  prizes than listed are given);
- "board": the places stay pending, publishing is blocked, and the organising
  board records the order (a new version of the results).
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

HIGHER = "higher"
BOARD = "board"

# Why a candidate is passed over.
REASON_STAFF = "staff"
REASON_AUTHOR = "author"
REASON_PROFILE = "profile"
REASON_HELD = "held"
REASON_BELOW_MINIMUM = "below_minimum"


@dataclass(frozen=True)
class Tier:
    position: int  # 1 = the highest
    name: str
    count: int
    amount: Decimal = Decimal(0)
    points: int = 0


@dataclass(frozen=True)
class Candidate:
    """A standing, in ranking order."""

    position: int
    rank: int
    user_id: int
    tied: bool = False
    score: Decimal | None = None  # percent, 0–100
    all_correct: bool = False


@dataclass(frozen=True)
class Minimum:
    """What an entry needs to receive any prize of a table."""

    score: Decimal | None = None  # percent, 0–100; None = no minimum score
    all_correct: bool = False

    def __bool__(self):
        return self.score is not None or self.all_correct

    def met_by(self, candidate):
        if self.all_correct and not candidate.all_correct:
            return False
        return self.score is None or (candidate.score is not None and candidate.score >= self.score)


def _percent(score):
    return f"{Decimal(score).normalize():f}%"


def minimum_needs(minimum):
    """What the minimum asks, in words ("80%", "every answer correct", both), or ""."""
    if minimum.score is not None and minimum.all_correct:
        return _("%(score)s and every answer correct") % {"score": _percent(minimum.score)}
    if minimum.score is not None:
        return _percent(minimum.score)
    if minimum.all_correct:
        return _("every answer correct")
    return ""


def minimum_in_words(minimum):
    """The minimum as a sentence for rules pages, or "" when there is none."""
    if not minimum:
        return ""
    return _("A prize needs at least %(needs)s: an entry below it gets no prize, whatever its rank.") % {
        "needs": minimum_needs(minimum)
    }


def below_minimum_reason(minimum):
    """Why an entry was passed over for the minimum, as the proposal says it."""
    return _("below the minimum: needs %(needs)s") % {"needs": minimum_needs(minimum)}


@dataclass(frozen=True)
class Proposed:
    candidate: Candidate
    tier: Tier | None  # None: pending a board decision
    upgrades: int | None = None  # tier position of a lower prize held elsewhere
    by_tie_rule: bool = False  # given the higher tier because of a boundary tie


@dataclass(frozen=True)
class PassedOver:
    candidate: Candidate
    reason: str
    held_tier: int | None = None


@dataclass(frozen=True)
class BoundaryTie:
    rank: int
    user_ids: tuple
    tiers: tuple  # tier names the tied group spans ("" = no prize)


@dataclass
class Proposal:
    awards: list = field(default_factory=list)
    passed_over: list = field(default_factory=list)
    boundary_ties: list = field(default_factory=list)
    places: int = 0
    filled: int = 0

    @property
    def blocked(self):
        return bool(self.boundary_ties)


class NeedMore(Exception):
    """Eligibility of a candidate is not known yet: the caller loads more and retries."""

    def __init__(self, position):
        super().__init__(position)
        self.position = position


def places(tiers):
    return [t for t in sorted(tiers, key=lambda t: t.position) for _ in range(t.count)]


def _groups(candidates):
    """Consecutive candidates of the same rank (a tie, when more than one)."""
    groups = OrderedDict()
    for c in sorted(candidates, key=lambda c: c.position):
        groups.setdefault(c.rank, []).append(c)
    return list(groups.values())


def fill_prizes(candidates, tiers, *, boundary=BOARD, ineligible=None, held=None, known=None, minimum=None):
    """The proposed winners of one block.

    candidates: Candidates in ranking order (may stop early; see NeedMore).
    tiers: Tiers of the prize table.
    minimum: the table's Minimum. An entry below it is passed over before any
        other check (it needs no lookup); the ones listed are those that
        would have taken a place without it.
    ineligible: {user_id: reason} — staff, authors, incomplete profiles.
    held: {user_id: tier position} — the best prize each person already holds
        in another round of the contest (one prize per person per contest).
    known: user ids whose eligibility was checked; reaching anyone else raises
        NeedMore (None = every candidate is known).
    """
    ineligible = ineligible or {}
    held = held or {}
    slots = places(tiers)
    proposal = Proposal(places=len(slots))
    i = 0
    below = 0  # passed over for the minimum while places were left
    for group in _groups(candidates):
        if i >= len(slots):
            break
        tier_here = slots[i]
        eligible = []
        for c in group:
            if minimum and not minimum.met_by(c):
                if i + below < len(slots):
                    proposal.passed_over.append(PassedOver(c, REASON_BELOW_MINIMUM))
                    below += 1
                continue
            if known is not None and c.user_id not in known:
                raise NeedMore(c.position)
            reason = ineligible.get(c.user_id)
            if reason:
                proposal.passed_over.append(PassedOver(c, reason))
                continue
            holds = held.get(c.user_id)
            if holds is not None and holds <= tier_here.position:
                proposal.passed_over.append(PassedOver(c, REASON_HELD, held_tier=holds))
                continue
            eligible.append(c)
        if not eligible:
            continue
        k = len(eligible)
        span = slots[i : i + k]
        uniform = len(span) == k and all(t is tier_here for t in span)
        if k == 1 or uniform:
            for c, t in zip(eligible, span, strict=False):
                proposal.awards.append(Proposed(c, t, upgrades=held.get(c.user_id)))
        elif boundary == HIGHER:
            for c in eligible:
                proposal.awards.append(Proposed(c, tier_here, upgrades=held.get(c.user_id), by_tie_rule=True))
        else:
            names = [t.name for t in span] + [""] * (k - len(span))
            proposal.boundary_ties.append(
                BoundaryTie(
                    rank=group[0].rank,
                    user_ids=tuple(c.user_id for c in eligible),
                    tiers=tuple(dict.fromkeys(names)),
                )
            )
            for c in eligible:
                proposal.awards.append(Proposed(c, None))
        i += k
    proposal.filled = min(i, len(slots))
    return proposal
