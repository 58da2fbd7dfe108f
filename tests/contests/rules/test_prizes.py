"""Filling prize tiers from the ranking (contests.rules.prizes.fill_prizes)."""

import pytest

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
