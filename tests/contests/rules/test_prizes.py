"""Filling prize tiers from the ranking (contests.rules.prizes.fill_prizes)."""

from decimal import Decimal

import pytest
from django.utils import translation

from contests.rules import prizes as rules
from contests.rules.prizes import Candidate, Tier

NHAT, NHI, BA, KK = (
    Tier(1, "Giải Nhất", 1, points=10),
    Tier(2, "Giải Nhì", 2, points=8),
    Tier(3, "Giải Ba", 3, points=6),
    Tier(4, "Giải Khuyến khích", 2, points=4),
)
TIERS = [NHAT, NHI, BA, KK]


def ranking(*ranks):
    """Candidates 1..n with the given ranks (equal ranks = an unresolved tie)."""
    return [
        Candidate(position=n, rank=r, user_id=n, tied=ranks.count(r) > 1)
        for n, r in enumerate(ranks, start=1)
    ]


def won(proposal):
    return [(a.candidate.user_id, a.tier.name if a.tier else None) for a in proposal.awards]


def test_it_fills_the_tiers_in_ranking_order():
    proposal = rules.fill_prizes(ranking(*range(1, 11)), TIERS)
    assert won(proposal) == [
        (1, "Giải Nhất"),
        (2, "Giải Nhì"),
        (3, "Giải Nhì"),
        (4, "Giải Ba"),
        (5, "Giải Ba"),
        (6, "Giải Ba"),
        (7, "Giải Khuyến khích"),
        (8, "Giải Khuyến khích"),
    ]
    assert (proposal.places, proposal.filled, proposal.blocked) == (8, 8, False)


def test_it_leaves_places_empty_when_there_are_fewer_people():
    proposal = rules.fill_prizes(ranking(1, 2), TIERS)
    assert won(proposal) == [(1, "Giải Nhất"), (2, "Giải Nhì")]
    assert proposal.filled == 2


def test_it_gives_a_tie_inside_one_tier_that_tier():
    proposal = rules.fill_prizes(ranking(1, 2, 2, 4), TIERS)
    assert won(proposal)[:3] == [(1, "Giải Nhất"), (2, "Giải Nhì"), (3, "Giải Nhì")]
    assert not proposal.boundary_ties


def test_it_gives_everyone_tied_at_a_boundary_the_higher_tier_when_configured():
    # 2 and 3 and 4 tied: places 2–4 are Nhì, Nhì, Ba → all three get Nhì, Ba keeps 2 places.
    proposal = rules.fill_prizes(ranking(1, 2, 2, 2, 5, 6, 7, 8, 9), TIERS, boundary=rules.HIGHER)
    assert won(proposal) == [
        (1, "Giải Nhất"),
        (2, "Giải Nhì"),
        (3, "Giải Nhì"),
        (4, "Giải Nhì"),
        (5, "Giải Ba"),
        (6, "Giải Ba"),
        (7, "Giải Khuyến khích"),
        (8, "Giải Khuyến khích"),
    ]
    assert [a.by_tie_rule for a in proposal.awards][1:4] == [True, True, True]
    assert not proposal.blocked


def test_it_gives_a_tie_at_the_last_place_the_prize_to_all_when_configured():
    proposal = rules.fill_prizes(ranking(1, 2, 2), [Tier(1, "Giải Nhất", 2)], boundary=rules.HIGHER)
    assert won(proposal) == [(1, "Giải Nhất"), (2, "Giải Nhất"), (3, "Giải Nhất")]


def test_it_blocks_for_the_board_at_a_boundary_when_configured():
    proposal = rules.fill_prizes(ranking(1, 2, 2, 2, 5), TIERS, boundary=rules.BOARD)
    assert won(proposal)[:4] == [(1, "Giải Nhất"), (2, None), (3, None), (4, None)]
    assert proposal.blocked
    assert proposal.boundary_ties == [
        rules.BoundaryTie(rank=2, user_ids=(2, 3, 4), tiers=("Giải Nhì", "Giải Ba"))
    ]
    assert won(proposal)[4] == (5, "Giải Ba")


def test_it_blocks_for_the_board_when_a_tie_runs_past_the_last_prize():
    proposal = rules.fill_prizes(ranking(1, 2, 2), [Tier(1, "Giải Nhất", 2)], boundary=rules.BOARD)
    assert proposal.boundary_ties[0].tiers == ("Giải Nhất", "")


def test_it_does_not_block_for_a_tie_below_the_prizes():
    proposal = rules.fill_prizes(ranking(1, 2, 3, 3), [Tier(1, "Giải Nhất", 2)], boundary=rules.BOARD)
    assert not proposal.blocked
    assert won(proposal) == [(1, "Giải Nhất"), (2, "Giải Nhất")]


def test_it_passes_over_the_ineligible_and_gives_the_place_to_the_next():
    proposal = rules.fill_prizes(
        ranking(1, 2, 3, 4),
        [Tier(1, "Giải Nhất", 1), Tier(2, "Giải Nhì", 1)],
        ineligible={1: rules.REASON_STAFF, 3: rules.REASON_PROFILE},
    )
    assert won(proposal) == [(2, "Giải Nhất"), (4, "Giải Nhì")]
    assert [(p.candidate.user_id, p.reason) for p in proposal.passed_over] == [(1, "staff"), (3, "profile")]


def test_it_gives_one_prize_per_person_per_contest_the_highest():
    # 1 already holds a Nhất elsewhere (passed over); 2 holds a Ba and wins Nhì here (an upgrade);
    # 4 holds a Nhì and is passed over for Ba.
    proposal = rules.fill_prizes(
        ranking(1, 2, 3, 4, 5),
        [Tier(1, "Giải Nhất", 1), Tier(2, "Giải Nhì", 1), Tier(3, "Giải Ba", 2)],
        held={1: 1, 2: 3, 4: 2},
    )
    assert won(proposal) == [(2, "Giải Nhất"), (3, "Giải Nhì"), (5, "Giải Ba")]
    assert proposal.awards[0].upgrades == 3
    assert [(p.candidate.user_id, p.reason, p.held_tier) for p in proposal.passed_over] == [
        (1, "held", 1),
        (4, "held", 2),
    ]


def test_it_asks_for_more_candidates_when_it_runs_out_of_known_ones():
    with pytest.raises(rules.NeedMore) as error:
        rules.fill_prizes(ranking(1, 2, 3), TIERS, ineligible={1: "staff"}, known={1, 2})
    assert error.value.position == 3


def test_it_stops_asking_once_every_place_is_filled():
    proposal = rules.fill_prizes(ranking(1, 2, 3), [Tier(1, "Giải Nhất", 1)], known={1})
    assert won(proposal) == [(1, "Giải Nhất")]


# --- a minimum for a prize -------------------------------------------------------------------------

TWO = [Tier(1, "Giải Nhất", 1), Tier(2, "Giải Nhì", 1)]
EIGHTY = rules.Minimum(score=Decimal(80))


def scored(*entries):
    """Candidates 1..n from (rank, score, all correct) in ranking order."""
    ranks = [rank for rank, _score, _all in entries]
    return [
        Candidate(
            position=n,
            rank=rank,
            user_id=n,
            tied=ranks.count(rank) > 1,
            score=Decimal(score),
            all_correct=every,
        )
        for n, (rank, score, every) in enumerate(entries, start=1)
    ]


def passed(proposal):
    return [(p.candidate.user_id, p.reason) for p in proposal.passed_over]


def test_it_passes_over_an_entry_below_the_minimum_and_gives_its_place_to_the_next():
    # Ranked by prediction first: 2 (25 %) ranks above 3 (90 %).
    proposal = rules.fill_prizes(scored((1, 95, False), (2, 25, False), (3, 90, False)), TWO, minimum=EIGHTY)
    assert won(proposal) == [(1, "Giải Nhất"), (3, "Giải Nhì")]
    assert passed(proposal) == [(2, rules.REASON_BELOW_MINIMUM)]
    assert (proposal.places, proposal.filled) == (2, 2)


def test_a_score_equal_to_the_minimum_meets_it():
    proposal = rules.fill_prizes(scored((1, 80, False)), TWO, minimum=EIGHTY)
    assert won(proposal) == [(1, "Giải Nhất")]


def test_it_leaves_a_place_empty_when_nobody_else_meets_the_minimum():
    # 5/20 alone in its block: no Giải Nhất.
    proposal = rules.fill_prizes(scored((1, 25, False)), TWO, minimum=EIGHTY)
    assert won(proposal) == []
    assert passed(proposal) == [(1, rules.REASON_BELOW_MINIMUM)]
    assert (proposal.places, proposal.filled) == (2, 0)


def test_it_lists_only_the_entries_below_the_minimum_that_would_have_had_a_place():
    entries = [(1, 95, False)] + [(n, 10, False) for n in range(2, 50)]
    proposal = rules.fill_prizes(scored(*entries), TWO, minimum=EIGHTY)
    assert won(proposal) == [(1, "Giải Nhất")]
    assert passed(proposal) == [(2, rules.REASON_BELOW_MINIMUM)]  # 3…49 would not have won anyway


def test_it_can_require_every_answer_correct():
    minimum = rules.Minimum(all_correct=True)
    proposal = rules.fill_prizes(scored((1, 95, False), (2, 100, True)), TWO, minimum=minimum)
    assert won(proposal) == [(2, "Giải Nhất")]
    assert passed(proposal) == [(1, rules.REASON_BELOW_MINIMUM)]


def test_a_tie_at_a_boundary_with_one_below_the_minimum_is_no_tie_for_a_prize():
    # 2 and 3 are equal on every criterion the chain uses (not the score); 3 is below the minimum:
    # 2 takes Nhì alone, nothing waits for the board.
    proposal = rules.fill_prizes(
        scored((1, 95, False), (2, 85, False), (2, 40, False), (4, 90, False)),
        [Tier(1, "Giải Nhất", 1), Tier(2, "Giải Nhì", 1), Tier(3, "Giải Ba", 1)],
        boundary=rules.BOARD,
        minimum=EIGHTY,
    )
    assert not proposal.blocked
    assert won(proposal) == [(1, "Giải Nhất"), (2, "Giải Nhì"), (4, "Giải Ba")]
    assert passed(proposal) == [(3, rules.REASON_BELOW_MINIMUM)]


def test_the_minimum_is_checked_before_asking_for_more_candidates():
    proposal = rules.fill_prizes(scored((1, 95, False), (2, 10, False)), TWO, minimum=EIGHTY, known={1})
    assert won(proposal) == [(1, "Giải Nhất")]


@translation.override("en")
def test_it_says_what_the_minimum_needs():
    assert rules.below_minimum_reason(EIGHTY) == "below the minimum: needs 80%"
    both = rules.Minimum(score=Decimal("82.50"), all_correct=True)
    assert rules.below_minimum_reason(both) == "below the minimum: needs 82.5% and every answer correct"
    assert rules.below_minimum_reason(rules.Minimum(all_correct=True)) == (
        "below the minimum: needs every answer correct"
    )
    assert rules.minimum_in_words(rules.Minimum()) == ""
    assert rules.minimum_in_words(EIGHTY).startswith("A prize needs at least 80%:")
