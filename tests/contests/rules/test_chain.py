"""The ranking chain (contests.rules.chain): a hand-computed fixture for every
criterion, the prediction's actual value under each definition, the counting
rule, ties and board decisions, the canonical form and its hash."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from contests.rules import canonical, chain, chain_words
from tests.contests.rules.rows import T0, order, policy, row, tie_order, users

# --- each criterion ----------------------------------------------------------------------


def test_it_orders_by_score_descending():
    attempts = [row(1, 1, correct=16), row(2, 2, correct=20), row(3, 3, correct=18)]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.SCORE))
    assert order(result) == [(2, 1), (3, 2), (1, 3)]
    assert [s.trace["score"] for s in result.blocks[None]] == ["100", "90", "80"]


def test_it_orders_by_correct_count_even_when_the_score_says_otherwise():
    # 18/20 = 90 % but 19/25 = 76 %: more correct answers wins under "correct".
    attempts = [row(1, 1, correct=18, questions=20), row(2, 2, correct=19, questions=25)]
    by_correct = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.CORRECT))
    by_score = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.SCORE))
    assert users(by_correct) == [2, 1]
    assert users(by_score) == [1, 2]
    assert by_correct.blocks[None][0].trace == {"correct": 19}


def test_it_puts_every_perfect_entry_ahead_with_the_all_correct_gate():
    attempts = [
        row(1, 1, correct=20, duration_ms=900_000),
        row(2, 2, correct=19, duration_ms=30_000),
        row(3, 3, correct=20, duration_ms=60_000),
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.ALL_CORRECT, chain.DURATION))
    assert users(result) == [3, 1, 2]
    assert [s.trace["all_correct"] for s in result.blocks[None]] == [True, True, False]


def _prediction_round(equal_error, *chain_criteria):
    # Five persons took part, so the actual number of participants is 5.
    attempts = [
        row(1, 1, prediction=7),  # 2 over
        row(2, 2, prediction=3),  # 2 under
        row(3, 3, prediction=5),  # exact
        row(4, 4, prediction=10),  # 5 over
        row(5, 5, prediction=None),  # no answer: last
    ]
    return chain.finalise(
        round_id=1,
        attempts=attempts,
        policy=policy(*(chain_criteria or (chain.PREDICTION,)), equal_error=equal_error),
    )


def test_it_treats_equal_over_and_under_predictions_as_equal_by_default():
    result = _prediction_round(chain.EQUAL)
    assert order(result) == [(3, 1), *[(u, 2) for u in tie_order(1, 2)], (4, 4), (5, 5)]
    assert result.actual == {"all": Decimal(5)}
    tied = [s.user_id for s in result.blocks[None] if s.tied]
    assert tied == tie_order(1, 2)


def test_it_lets_the_next_criterion_decide_equal_over_and_under_predictions():
    # user 2 submitted later than user 1 (T0+2s vs T0+1s) but is otherwise equal.
    result = _prediction_round(chain.EQUAL, chain.PREDICTION, chain.SUBMITTED)
    assert order(result) == [(3, 1), (1, 2), (2, 3), (4, 4), (5, 5)]


def test_it_ranks_the_under_prediction_first_when_configured():
    result = _prediction_round(chain.UNDER_FIRST)
    assert order(result) == [(3, 1), (2, 2), (1, 3), (4, 4), (5, 5)]


def test_it_ranks_the_over_prediction_first_when_configured():
    result = _prediction_round(chain.OVER_FIRST)
    assert order(result) == [(3, 1), (1, 2), (2, 3), (4, 4), (5, 5)]


def test_it_traces_the_prediction_value_actual_error_and_side():
    result = _prediction_round(chain.EQUAL)
    traces = {s.user_id: s.trace["prediction"] for s in result.blocks[None]}
    assert traces[1] == {"value": "7", "actual": "5", "error": "2", "side": "over"}
    assert traces[2] == {"value": "3", "actual": "5", "error": "2", "side": "under"}
    assert traces[3] == {"value": "5", "actual": "5", "error": "0", "side": "exact"}
    assert traces[5] == {"value": None, "actual": "5", "error": None, "side": None}
    assert {s.user_id: s.prediction_error for s in result.blocks[None]}[2] == Decimal(2)


def test_it_leaves_the_prediction_out_when_the_round_has_no_prediction_question():
    attempts = [
        row(1, 1, prediction=None, duration_ms=50_000),
        row(2, 2, prediction=None, duration_ms=40_000),
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(target=""))
    assert users(result) == [2, 1]
    assert "prediction" not in result.blocks[None][0].trace
    assert result.actual == {}


def test_it_orders_by_duration_with_a_missing_duration_last():
    attempts = [row(1, 1, duration_ms=61_001), row(2, 2, duration_ms=61_000), row(3, 3, duration_ms=None)]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.DURATION))
    assert users(result) == [2, 1, 3]
    assert [s.trace["duration"] for s in result.blocks[None]] == [61_000, 61_001, None]


def test_it_compares_submission_times_to_the_millisecond():
    attempts = [
        row(1, 1, finished_at=T0 + timedelta(microseconds=1_500)),  # 1 ms (the 500 µs do not count)
        row(2, 2, finished_at=T0 + timedelta(microseconds=1_000)),  # 1 ms
        row(3, 3, finished_at=T0),  # 0 ms
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.SUBMITTED))
    assert order(result) == [(3, 1), *[(u, 2) for u in tie_order(1, 2)]]
    assert result.blocks[None][1].trace["submitted"] == "2021-05-03T01:00:00.001Z"


def test_it_orders_by_start_time():
    attempts = [
        row(1, 1, started_at=T0 + timedelta(seconds=5)),
        row(2, 2, started_at=T0 + timedelta(seconds=2)),
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.STARTED))
    assert users(result) == [2, 1]


def test_it_orders_by_registration_time():
    attempts = [
        row(1, 1, registered_at=datetime(2021, 3, 2, tzinfo=UTC)),
        row(2, 2, registered_at=datetime(2021, 3, 1, tzinfo=UTC)),
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.REGISTERED))
    assert users(result) == [2, 1]
    assert result.blocks[None][0].trace["registered"] == "2021-03-01T00:00:00.000Z"


def test_it_prefers_fewer_attempts():
    attempts = [row(1, 1, number=1), row(2, 1, number=2), row(3, 1, number=3), row(4, 2)]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.SCORE, chain.ATTEMPTS))
    assert order(result) == [(2, 1), (1, 2)]
    assert result.blocks[None][1].trace["attempts"] == 3


def test_it_prefers_more_perfect_attempts():
    attempts = [
        row(1, 1, number=1),
        row(2, 1, number=2, correct=19),
        row(3, 2, number=1),
        row(4, 2, number=2),
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.SCORE, chain.PERFECT_ATTEMPTS))
    assert order(result) == [(2, 1), (1, 2)]
    assert [s.trace["perfect_attempts"] for s in result.blocks[None]] == [2, 1]


def test_it_applies_the_default_chain_score_prediction_duration_submitted():
    attempts = [
        row(1, 1, correct=19, prediction=4),  # lower score
        row(2, 2, prediction=6, duration_ms=50_000),  # error 2
        row(3, 3, prediction=5, duration_ms=70_000),  # exact, slower
        row(4, 4, prediction=5, duration_ms=60_000, finished_at=T0 + timedelta(seconds=9)),  # exact, faster
        row(5, 5, prediction=5, duration_ms=60_000, finished_at=T0 + timedelta(seconds=8)),  # same, earlier
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=chain.Policy(target="participants"))
    assert order(result) == [(5, 1), (4, 2), (3, 3), (2, 4), (1, 5)]


# --- the prediction's actual value --------------------------------------------------------


def _population():
    """Persons 1–4: 1 perfect twice, 2 perfect once and imperfect once, 3 imperfect,
    4 perfect but disqualified; plus an unfinished attempt of person 5."""
    return [
        row(1, 1, number=1, block=10),
        row(2, 1, number=2, block=10),
        row(3, 2, number=1, block=10),
        row(4, 2, number=2, correct=15, block=10),
        row(5, 3, number=1, correct=10, block=20),
        row(6, 4, number=1, block=20),
        row(7, 5, number=1, correct=0, finished=False, block=20),
    ]


@pytest.mark.parametrize(
    ("target", "counts", "expected"),
    [
        ("participants", "persons", "3"),  # persons 1, 2, 3
        ("participants", "attempts", "5"),  # attempts 1–5
        ("perfect", "persons", "2"),  # persons 1, 2
        ("perfect", "attempts", "3"),  # attempts 1, 2, 3
        ("perfect_percent", "persons", "66.6667"),  # 2 / 3
        ("perfect_percent", "attempts", "60"),  # 3 / 5
    ],
)
def test_it_computes_the_actual_value_of_each_target_over_valid_entries(target, counts, expected):
    actual = chain.prediction_actual(
        _population(), policy(target=target, counts=counts), disqualified=frozenset({4})
    )
    assert {k: canonical.canonical_decimal(v) for k, v in actual.items()} == {"all": expected}


def test_it_counts_every_entry_when_not_limited_to_valid_ones():
    actual = chain.prediction_actual(
        _population(), policy(target="participants", valid_only=False), disqualified=frozenset({4})
    )
    assert actual == {"all": Decimal(5)}


def test_it_computes_the_actual_value_per_block():
    actual = chain.prediction_actual(
        _population(), policy(target="participants", scope="block"), disqualified=frozenset({4})
    )
    assert actual == {"block:10": Decimal(2), "block:20": Decimal(1)}


def test_it_measures_each_block_against_its_own_actual_value():
    attempts = [
        row(1, 1, block=10, prediction=2),
        row(2, 2, block=10, prediction=1),
        row(3, 3, block=20, prediction=1),
    ]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(chain.PREDICTION, scope="block"))
    assert result.actual == {"block:10": Decimal(2), "block:20": Decimal(1)}
    assert order(result, 10) == [(1, 1), (2, 2)]
    assert result.blocks[20][0].trace["prediction"]["error"] == "0"


def test_it_gives_zero_percent_when_nobody_took_part():
    assert chain.prediction_actual([], policy(target="perfect_percent")) == {"all": Decimal(0)}


def test_it_keeps_a_frozen_actual_value_given_to_it():
    attempts = [row(1, 1, prediction=3), row(2, 2, prediction=1)]
    result = chain.finalise(
        round_id=1, attempts=attempts, policy=policy(chain.PREDICTION), actual={"all": Decimal(3)}
    )
    assert users(result) == [1, 2]


# --- which attempt represents a person -------------------------------------------------------


def _three_attempts():
    return [
        row(1, 1, number=1, duration_ms=90_000),
        row(2, 1, number=2, duration_ms=60_000),
        row(3, 1, number=3, correct=18),
        row(4, 1, number=4, correct=20, finished=False),  # unfinished: never counts
    ]


@pytest.mark.parametrize(("counting", "attempt_id"), [("best", 2), ("first", 1), ("last", 3)])
def test_it_picks_the_attempt_by_the_counting_rule(counting, attempt_id):
    result = chain.finalise(round_id=1, attempts=_three_attempts(), policy=policy(counting=counting))
    assert result.blocks[None][0].attempt.id == attempt_id


def test_it_picks_the_best_attempt_by_the_whole_chain_including_the_prediction():
    attempts = [row(1, 1, number=1, prediction=9, duration_ms=10_000), row(2, 1, number=2, prediction=1)]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy())
    # Actual = 1 participant: attempt 2 predicted it exactly.
    assert result.blocks[None][0].attempt.id == 2


def test_it_leaves_out_disqualified_people_and_lists_them():
    attempts = [row(1, 1), row(2, 2), row(3, 3)]
    result = chain.finalise(round_id=1, attempts=attempts, policy=policy(), disqualified={2})
    assert users(result) == [1, 3]
    assert result.disqualified == ("E00002",)  # entry codes, never ids


# --- ties and board decisions ---------------------------------------------------------------


def _tied():
    same = T0 + timedelta(seconds=30)
    return [
        row(1, 1, prediction=4),
        row(2, 2, prediction=6, finished_at=same),
        row(3, 3, prediction=6, finished_at=same),
        row(4, 4, prediction=9),
    ]


def test_it_shares_the_rank_of_a_full_tie_and_flags_it():
    result = chain.finalise(round_id=1, attempts=_tied(), policy=policy())
    assert order(result) == [(1, 1), *[(u, 2) for u in tie_order(2, 3)], (4, 4)]
    assert result.ties() == [(None, 2, tie_order(2, 3))]
    assert [s.position for s in result.blocks[None]] == [1, 2, 3, 4]


def test_it_applies_a_board_decision_to_the_tie():
    result = chain.finalise(
        round_id=1,
        attempts=_tied(),
        policy=policy(),
        decisions=[chain.Decision(block_id=None, user_ids=(3, 2))],
    )
    assert order(result) == [(1, 1), (3, 2), (2, 3), (4, 4)]
    assert [s.board_order for s in result.blocks[None]] == [None, 1, 2, None]
    assert result.ties() == []


def test_it_keeps_a_board_decision_when_a_tied_person_is_later_disqualified():
    attempts = [*_tied(), row(5, 5, prediction=6, finished_at=T0 + timedelta(seconds=30))]
    decision = chain.Decision(block_id=None, user_ids=(5, 3, 2))
    result = chain.finalise(
        round_id=1, attempts=attempts, policy=policy(), decisions=[decision], disqualified={5}
    )
    assert order(result) == [(1, 1), (3, 2), (2, 3), (4, 4)]


def test_it_ignores_a_decision_that_does_not_cover_the_whole_tie():
    result = chain.finalise(
        round_id=1,
        attempts=_tied(),
        policy=policy(),
        decisions=[chain.Decision(block_id=None, user_ids=(3, 4))],
    )
    assert result.ties() == [(None, 2, tie_order(2, 3))]


# --- canonical form and hash -------------------------------------------------------------------


def test_it_writes_decimals_and_times_canonically():
    assert canonical.canonical_decimal(Decimal("100.00")) == "100"
    assert canonical.canonical_decimal(Decimal("0.00")) == "0"
    assert canonical.canonical_decimal(Decimal("66.6700")) == "66.67"
    assert canonical.canonical_decimal(Decimal("1E+3")) == "1000"
    assert canonical.canonical_decimal(None) is None
    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    moment = datetime(2021, 5, 9, 23, 59, 59, 123_999, tzinfo=vn)
    assert canonical.canonical_time(moment) == "2021-05-09T16:59:59.123Z"


def test_it_produces_canonical_json_with_sorted_keys_and_no_whitespace():
    result = chain.finalise(round_id=7, attempts=[row(1, 1, prediction=1)], policy=policy())
    text = result.canonical().decode()
    assert " " not in text and "\n" not in text
    data = json.loads(text)
    assert json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == text
    assert data["format"] == 2 and "round" not in data  # no database id anywhere
    assert data["actual"] == {"all": "1"}
    first = data["blocks"][0]["standings"][0]
    assert first["entry"] == "E00001" and "user" not in first and "attempt" not in first
    assert first["score"] == "100"
    assert first["submitted_at"] == "2021-05-03T01:00:01.000Z"
    assert first["prediction"] == "1"
    assert result.sha256() == hashlib.sha256(text.encode()).hexdigest()


def test_it_rebuilds_the_same_bytes_from_stored_parts():
    result = chain.finalise(round_id=1, attempts=_tied(), policy=policy())
    blocks = [(b, [s.record() for s in rows]) for b, rows in result.blocks.items()]
    assert (
        canonical.canonical_from_parts(header=canonical.header_dict(result), blocks=blocks)
        == result.canonical()
    )


def test_it_changes_the_hash_when_a_result_changes():
    before = chain.finalise(round_id=1, attempts=_tied(), policy=policy())
    changed = [*_tied()[:3], row(4, 4, prediction=9, duration_ms=60_001)]
    after = chain.finalise(round_id=1, attempts=changed, policy=policy())
    assert before.sha256() != after.sha256()


# --- validation and words ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [(), ("score", "score"), ("speed",)])
def test_it_refuses_a_bad_chain(bad):
    with pytest.raises(chain.ChainError):
        chain.validate_chain(bad)


def test_it_states_the_chain_in_words():
    with translation.override("en"):
        lines = chain_words.chain_in_words(chain.DEFAULT_CHAIN, equal_error=chain.UNDER_FIRST)
    assert lines[0] == "First: higher score."
    assert lines[1].startswith(
        "If still equal: smaller difference between the prediction and the actual number"
    )
    assert "a prediction below the actual value ranks first" in lines[1]
    assert lines[2] == "If still equal: shorter duration, measured by the server to the millisecond."
    assert lines[3] == "If still equal: earlier submission, to the millisecond."
    assert "within the 2-second grace after the end counts as submitted at the end" in lines[4]
    assert "the organising board decides" in lines[5]
    assert "SHA-256 of the result's seed and the entry code" in lines[6]


def test_it_states_equal_errors_and_the_definition_of_the_actual_value():
    with translation.override("en"):
        (line,) = [
            s
            for s in chain_words.chain_in_words(
                [chain.PREDICTION], target="perfect", counts="attempts", scope="block"
            )
            if "prediction" in s
        ]
    assert "attempts with every answer correct" in line
    assert "in the participant's block" in line
    assert "valid entries only" in line
    assert "are equal" in line


def test_it_states_every_criterion():
    with translation.override("en"):
        lines = chain_words.chain_in_words(chain.CRITERIA, counting="best")
    assert len(lines) == len(chain.CRITERIA) + 4  # counting, the criteria, times, ties, tie listing
    assert lines[0] == "Each participant is ranked by their best valid attempt under these rules."


# --- order-free and id-free --------------------------------------------------------------------


def _renumbered(attempts, shift):
    """The same entries (same codes and data) under other database ids."""
    return [a._replace(id=a.id + shift, user_id=a.user_id + shift) for a in attempts]


def test_it_gives_the_same_bytes_for_the_same_entries_in_any_order_under_any_ids():
    attempts = _tied() + [row(5, 5, prediction=5, block=None), row(6, 6, prediction=4)]
    first = chain.finalise(round_id=1, attempts=attempts, policy=policy(), seed="abc")
    shuffled = list(reversed(_renumbered(attempts, 1000)))
    again = chain.finalise(round_id=99, attempts=shuffled, policy=policy(), seed="abc")
    assert again.canonical() == first.canonical()
    disqualified = chain.finalise(
        round_id=1, attempts=_renumbered(attempts, 7), policy=policy(), seed="abc", disqualified={12}
    )
    assert disqualified.disqualified == ("E00005",)


def test_it_orders_a_full_tie_by_the_seed_and_the_entry_code():
    """The documented key: SHA-256 of "<seed>:<entry code>", ascending."""
    for seed in ("", "seed-1", "f00d"):
        result = chain.finalise(round_id=1, attempts=_tied(), policy=policy(), seed=seed)
        tied = [s for s in result.blocks[None] if s.tied]
        assert [s.user_id for s in tied] == tie_order(2, 3, seed=seed)
        assert [s.rank for s in tied] == [2, 2]
        assert tied[0].tie_key == hashlib.sha256(f"{seed}:{tied[0].attempt.code}".encode()).hexdigest()
    assert chain.tie_key("s", "ABC") == hashlib.sha256(b"s:ABC").hexdigest()


def test_it_names_blocks_by_their_codes_in_the_canonical_form():
    attempts = [row(1, 1, block=10, prediction=2), row(2, 2, block=20, prediction=1), row(3, 3, prediction=1)]
    result = chain.finalise(
        round_id=1,
        attempts=attempts,
        policy=policy(scope=chain.SCOPE_BLOCK),
        block_codes={10: "cbccvc", 20: "nguoi-dan"},
    )
    data = json.loads(result.canonical())
    assert [b["block"] for b in data["blocks"]] == [None, "cbccvc", "nguoi-dan"]
    assert data["actual"] == {"block:none": "1", "block:cbccvc": "1", "block:nguoi-dan": "1"}
    assert [s["block"] for b in data["blocks"] for s in b["standings"]] == [None, "cbccvc", "nguoi-dan"]
