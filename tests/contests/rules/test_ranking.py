from hypothesis import given
from hypothesis import strategies as st

from contests.rules import ranking

UNIT = 1000


def entry(user_id, correct, duration_ms, offset_ms):
    return ranking.Entry(
        user_id=user_id, correct=correct, duration_ms=duration_ms, finished_offset_ms=offset_ms
    )


def test_it_orders_by_correct_then_duration_then_finish_then_id():
    entries = [
        entry(1, 18, 300_000, 5_000),
        entry(2, 20, 400_000, 9_000),
        entry(3, 20, 350_000, 9_000),
        entry(4, 20, 350_000, 2_000),
        entry(5, 20, 350_000, 2_000),  # full tie with 4: lower id first
    ]
    assert [e.user_id for e in ranking.rank_entries(entries, UNIT)] == [4, 5, 3, 2, 1]


def test_it_encodes_the_order_in_one_integer_below_two_to_the_53():
    best = ranking.encode_score(entry(1, 255, 0, 0), UNIT)
    worst = ranking.encode_score(entry(1, 0, ranking.MAX_DURATION, 10**15), UNIT)
    assert best == 0 and worst == 2**53 - 1


def test_it_decodes_what_it_encodes():
    score = ranking.encode_score(entry(9, 17, 612_345, 86_400_000), UNIT)
    assert ranking.decode_score(score) == (17, 612_345, 86_400)


def test_long_rounds_use_coarser_finish_units():
    twenty_weeks = 20 * 7 * 86_400_000
    unit = ranking.finish_unit_ms(twenty_weeks)
    assert unit >= 6000 and twenty_weeks // unit <= ranking.MAX_FINISH
    assert ranking.finish_unit_ms(7 * 86_400_000) == 1000


entries_strategy = st.lists(
    st.builds(
        entry,
        user_id=st.integers(1, 10**6),
        correct=st.integers(0, 30),
        duration_ms=st.integers(0, 30 * 60_000),
        offset_ms=st.integers(0, 7 * 86_400_000),
    ),
    max_size=60,
    unique_by=lambda e: e.user_id,
)


@given(entries_strategy)
def test_sorting_by_score_then_member_equals_the_live_order(entries):
    by_key = [e.user_id for e in ranking.rank_entries(entries, UNIT)]
    by_score = [
        e.user_id
        for e in sorted(entries, key=lambda e: (ranking.encode_score(e, UNIT), ranking.member(e.user_id)))
    ]
    assert by_key == by_score


def test_members_sort_like_numbers():
    assert ranking.member(9) < ranking.member(10) < ranking.member(123456789)


def test_names_are_masked():
    assert ranking.mask_name("Nguyễn Văn An") == "Nguyễn V. A."
    assert ranking.mask_name("Hoa") == "H."
    assert ranking.mask_name("") == ""
