"""Finalising a round: frozen standings with traces and hash, refusals,
versions after a disqualification or a board decision, the periodic run."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from contests.models import (
    Attempt,
    Contest,
    Disqualification,
    ResultPolicy,
    RoundResult,
    Standing,
    TieDecision,
)
from contests.results import selectors as award_selectors
from contests.results import services as awards
from contests.results import tables
from contests.rules import chain, chain_words
from tests.contests.results.conftest import AFTER_CLOSE, entry, make_round, person

pytestmark = pytest.mark.django_db


def _standings(result, block=None):
    qs = Standing.objects.filter(result=result).order_by("position")
    if block is not None:
        qs = qs.filter(block=block)
    return [(s.user_id, s.rank) for s in qs]


@pytest.fixture
def played(round1, officials, blocks):
    """Five officials in block CBCCVC; actual participants = 5.

    cc1 100 %, predicts 5 (exact), 10 min        → 1st
    cc2 100 %, predicts 6 (1 over), 9 min        → 2nd
    cc3 100 %, predicts 4 (1 under), 9 min, later → 3rd
    cc5 two attempts: 90 % predicting 5, then 100 % predicting 9 (4 over)
        → 4th, by its second attempt (the score comes first)
    cc4 95 %, predicts 5, 1 min                   → 5th
    plus a preview by alice and an unfinished attempt of cc4 (neither counts).
    """
    cc1, cc2, cc3, cc4, cc5 = officials
    b = blocks["cbccvc"]
    t = round1.opens_at + timedelta(hours=2)
    entry(round1, cc1, prediction=5, duration_ms=600_000, finished_at=t, block=b)
    entry(round1, cc2, prediction=6, duration_ms=540_000, finished_at=t, block=b)
    entry(round1, cc3, prediction=4, duration_ms=540_000, finished_at=t + timedelta(seconds=1), block=b)
    entry(round1, cc4, correct=19, prediction=5, duration_ms=60_000, finished_at=t, block=b)
    entry(round1, cc5, correct=18, prediction=5, finished_at=t, block=b)
    second = entry(round1, cc5, prediction=9, finished_at=t + timedelta(hours=1), block=b)
    return {"people": officials, "block": b, "cc5_second": second}


def test_it_finalises_a_closed_round_with_traces_and_a_hash(played, round1):
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    cc1, cc2, cc3, cc4, cc5 = played["people"]
    assert result.version == 1
    assert result.prediction_actual == {"all": "5"}
    assert _standings(result) == [(cc1.pk, 1), (cc2.pk, 2), (cc3.pk, 3), (cc5.pk, 4), (cc4.pk, 5)]
    first = Standing.objects.get(result=result, user=cc1)
    assert first.trace["prediction"] == {"value": "5", "actual": "5", "error": "0", "side": "exact"}
    assert first.trace["duration"] == 600_000
    assert first.block == played["block"]
    assert Standing.objects.get(result=result, user=cc5).attempt == played["cc5_second"]
    assert len(result.sha256) == 64
    assert award_selectors.verify_result(result)


def test_it_ignores_previews_and_the_unfinished_when_the_engine_is_done(played, round1, alice):
    entry(round1, alice, preview=True, prediction=5)
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert result.entries == 5
    assert not Standing.objects.filter(result=result, user=alice).exists()


def test_it_refuses_while_attempts_are_still_in_progress(played, round1, english):
    entry(round1, played["people"][3], status=Attempt.Status.IN_PROGRESS)
    with pytest.raises(awards.AwardError) as error:
        awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert "1 attempts are still being finalised" in error.value.messages[0]
    assert not RoundResult.objects.exists()


def test_it_refuses_before_the_round_closes(played, round1, english):
    with pytest.raises(awards.AwardError) as error:
        awards.finalise_round(round=round1, now=round1.closes_at - timedelta(milliseconds=1))
    assert error.value.messages == ["The round has not closed yet."]


def test_it_refuses_practice_rounds_drafts_and_a_second_finalisation(contest, round1, english):
    round1.is_practice = True
    round1.save()
    contest.status = Contest.Status.DRAFT
    contest.save()
    with pytest.raises(awards.AwardError) as error:
        awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert error.value.messages == ["Practice rounds are never ranked.", "The contest is still a draft."]
    round1.is_practice = False
    round1.save()
    contest.status = Contest.Status.PUBLISHED
    contest.save()
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    with pytest.raises(awards.AwardError) as error:
        awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert error.value.messages == ["The round is already finalised."]


def test_it_lets_only_the_owner_agencys_organisers_finalise(played, round1, bob, charlie, alice):
    for outsider in (bob, charlie):
        with pytest.raises(PermissionDenied):
            awards.finalise_round(round=round1, actor=outsider, now=AFTER_CLOSE)
    result = awards.finalise_round(round=round1, actor=alice, now=AFTER_CLOSE)
    assert result.created_by == alice


def test_it_gives_the_same_bytes_when_finalised_again_from_the_same_data(played, round1):
    first = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    records = list(
        Standing.objects.filter(result=first).order_by("position").values_list("record_json", flat=True)
    )
    digest = first.sha256
    first.delete()
    # Touch every row so the database returns them in another physical order.
    for attempt in Attempt.objects.order_by("-pk"):
        attempt.save()
    again = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert again.sha256 == digest
    assert (
        list(Standing.objects.filter(result=again).order_by("position").values_list("record_json", flat=True))
        == records
    )


def test_it_applies_the_rounds_own_rules_over_the_contests(played, round1, contest):
    ResultPolicy.objects.create(contest=contest, chain=["score", "duration"])
    ResultPolicy.objects.create(contest=contest, round=round1, chain=["duration"])
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    cc4 = played["people"][3]
    assert _standings(result)[0] == (cc4.pk, 1)  # the fastest, despite 95 %
    assert result.policy["chain"] == ["duration"]


@pytest.mark.parametrize(("equal_error", "first"), [("under_first", 2), ("over_first", 1)])
def test_it_orders_equal_over_and_under_predictions_as_configured(
    contest, round1, officials, equal_error, first
):
    # Four people took part; one predicts 5 (1 over), one 3 (1 under), everything else equal.
    t = round1.opens_at + timedelta(hours=1)
    entry(round1, officials[0], prediction=5, finished_at=t)
    entry(round1, officials[1], prediction=3, finished_at=t)
    entry(round1, officials[2], prediction=0, finished_at=t)
    entry(round1, officials[3], prediction=0, finished_at=t)
    tables.save_result_policy(
        actor=None,
        contest=contest,
        chain_criteria=["score", "prediction"],
        equal_error=equal_error,
        counts="persons",
        scope="overall",
        valid_only=True,
    )
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    top = Standing.objects.get(result=result, position=1)
    assert top.user_id == officials[first - 1].pk
    assert top.rank == 1
    assert Standing.objects.get(result=result, position=2).rank == 2


def test_it_computes_the_actual_value_per_block_when_configured(contest, round1, blocks, officials, citizen):
    t = round1.opens_at + timedelta(hours=1)
    for official in officials[:3]:
        entry(round1, official, block=blocks["cbccvc"], prediction=3, finished_at=t)
    entry(round1, citizen, block=blocks["dan"], prediction=1, finished_at=t)
    ResultPolicy.objects.create(contest=contest, prediction_scope="block")
    assert awards.compute_prediction_actual(round=round1) == {
        f"block:{blocks['cbccvc'].code}": Decimal(3),  # blocks by code, never by id
        f"block:{blocks['dan'].code}": Decimal(1),
    }
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    for s in Standing.objects.filter(result=result):
        assert s.prediction_error == 0


# --- versions -------------------------------------------------------------------------------------


def test_it_disqualifies_into_a_new_version_and_keeps_the_old_one(played, round1, alice):
    first = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    cc1, cc2, *_rest = played["people"]
    later = AFTER_CLOSE + timedelta(days=1)
    second = awards.disqualify(round=round1, user=cc1, reason="Khai sai số CCCD", actor=alice, now=later)
    assert second.version == 2
    assert second.sha256 != first.sha256
    assert cc1.pk not in [user for user, _rank in _standings(second)]
    assert second.disqualified == sorted(
        Attempt.objects.filter(round=round1, user=cc1).values_list("entry_code", flat=True)
    )
    # Valid entries only (the default): the disqualified entry no longer counts.
    assert (first.prediction_actual, second.prediction_actual) == ({"all": "5"}, {"all": "4"})
    record = Disqualification.objects.get(round=round1, user=cc1)
    assert (record.created_by, record.created_at, record.result) == (alice, later, second)
    # The first version is unchanged and still verifies.
    assert _standings(first)[0] == (cc1.pk, 1)
    assert award_selectors.verify_result(first) and award_selectors.verify_result(second)
    assert [r.version for r in award_selectors.result_versions(round1)] == [2, 1]


def test_it_keeps_the_actual_value_when_every_entry_counts(played, contest, round1, alice):
    ResultPolicy.objects.create(contest=contest, prediction_valid_only=False)
    first = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    cc1 = played["people"][0]
    second = awards.disqualify(round=round1, user=cc1, reason="Khai sai", actor=alice, now=AFTER_CLOSE)
    assert first.prediction_actual == second.prediction_actual == {"all": "5"}
    assert [s.user_id for s in second.standings.all()] == [
        p.pk for p in played["people"][1:]
    ] or cc1.pk not in {s.user_id for s in second.standings.all()}


def test_it_refuses_a_disqualification_without_a_reason_or_twice(played, round1, alice, english):
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    cc1 = played["people"][0]
    with pytest.raises(awards.AwardError) as error:
        awards.disqualify(round=round1, user=cc1, reason="  ", actor=alice)
    assert error.value.messages == ["Give the reason for the disqualification."]
    awards.disqualify(round=round1, user=cc1, reason="Thông tin sai", actor=alice)
    with pytest.raises(awards.AwardError) as error:
        awards.disqualify(round=round1, user=cc1, reason="Lần nữa", actor=alice)
    assert error.value.messages == ["This entry is already disqualified."]
    assert RoundResult.objects.filter(round=round1).count() == 2


def test_it_refuses_a_disqualification_by_another_agency(played, round1, bob):
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    with pytest.raises(PermissionDenied):
        awards.disqualify(round=round1, user=played["people"][0], reason="x", actor=bob)


@pytest.fixture
def tie(round1, officials):
    """cc1 first; cc2 and cc3 equal on every criterion; cc4 last."""
    t = round1.opens_at + timedelta(hours=1)
    entry(round1, officials[0], prediction=4, finished_at=t)
    entry(round1, officials[1], prediction=6, finished_at=t + timedelta(seconds=5))
    entry(round1, officials[2], prediction=6, finished_at=t + timedelta(seconds=5))
    entry(round1, officials[3], prediction=9, finished_at=t)
    return officials


def test_it_lists_a_full_tie_for_the_board(tie, round1):
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert result.unresolved_ties == 1
    ((block_id, rank, rows),) = award_selectors.unresolved_ties(result)
    by_key = sorted(rows, key=lambda s: chain.tie_key(result.seed, s.attempt.entry_code))
    assert (block_id, rank, [s.user_id for s in rows]) == (None, 2, [s.user_id for s in by_key])
    assert {s.user_id for s in rows} == {tie[1].pk, tie[2].pk}


def test_it_records_the_boards_decision_as_a_new_version(tie, round1, alice):
    first = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    second = awards.decide_tie(
        round=round1, block=None, user_ids=[tie[2].pk, tie[1].pk], note="Biên bản họp BTC số 5", actor=alice
    )
    assert second.version == 2 and second.unresolved_ties == 0
    assert _standings(second) == [(tie[0].pk, 1), (tie[2].pk, 2), (tie[1].pk, 3), (tie[3].pk, 4)]
    decision = TieDecision.objects.get()
    assert (decision.decided_by, decision.based_on, decision.result) == (alice, first, second)
    assert Standing.objects.get(result=second, user=tie[2]).record["board"] == 1


def test_it_refuses_a_decision_that_is_not_exactly_one_tie(tie, round1, alice, english):
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    with pytest.raises(awards.AwardError) as error:
        awards.decide_tie(round=round1, block=None, user_ids=[tie[1].pk, tie[3].pk], note="x", actor=alice)
    assert error.value.messages == ["Order exactly the participants of one tie, each once."]
    with pytest.raises(awards.AwardError) as error:
        awards.decide_tie(round=round1, block=None, user_ids=[tie[1].pk, tie[2].pk], note="", actor=alice)
    assert error.value.messages == ["Write down the board's decision (who decided and why)."]


# --- the periodic command ---------------------------------------------------------------------------


def test_it_finalises_closed_rounds_periodically_and_skips_busy_ones(contest, officials, capsys):
    closed = make_round(contest, number=1, week=1)
    busy = make_round(contest, number=2, week=2)
    open_now = make_round(contest, number=3, week=3)
    entry(closed, officials[0])
    entry(busy, officials[1], status=Attempt.Status.IN_PROGRESS)
    entry(open_now, officials[2])
    with time_machine.travel(busy.closes_at + timedelta(minutes=5), tick=False):
        call_command("finalise_rounds")
        call_command("finalise_rounds")  # idempotent
    assert list(RoundResult.objects.values_list("round_id", "version")) == [(closed.pk, 1)]
    out = capsys.readouterr().out
    assert f"round {closed.pk}" in out and f"skipped round {busy.pk}" in out


def test_it_keeps_one_standing_per_person_at_the_database(played, round1):
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    standing = Standing.objects.filter(result=result).first()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Standing.objects.create(
            **{
                f.attname: getattr(standing, f.attname)
                for f in Standing._meta.concrete_fields
                if f.name != "id"
            }
        )


def test_it_states_the_rules_of_a_round_in_words(round1, english):
    lines = award_selectors.rules_in_words(round1)
    assert lines[1] == "First: higher score."
    assert chain_words.policy_in_words(award_selectors.policy_for_round(round1)) == lines


def test_it_sends_nothing_when_there_is_nobody(round1, officials):
    person("late@example.vn")
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert result.entries == 0 and result.prediction_actual == {"all": "0"}


def test_it_escapes_copy_fields_for_postgresql():
    assert awards._copy_field(None) == "\\N"
    assert (awards._copy_field(True), awards._copy_field(False)) == ("t", "f")
    assert awards._copy_field('{"a":"x\\\\y\\ttab"}\n') == '{"a":"x\\\\\\\\y\\\\ttab"}\\n'
    assert awards._copy_field(Decimal("12.50")) == "12.50"
