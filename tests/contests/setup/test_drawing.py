"""The draw rule (contests/setup/drawing.py): which approved questions an
attempt gets, rule by rule, without repeats, and when a pool is too small."""

import random

import pytest

from contests.models import Block, DrawRule
from contests.setup import drawing
from questionbank.models import Question, QuestionVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_it_draws_the_round_count_of_distinct_current_versions(round, bank):
    drawn = drawing.draw(round=round, block=None, rng=random.Random(1))
    assert len(drawn) == round.questions_per_attempt == 5
    assert len(set(drawn)) == 5
    current = set(
        Question.objects.filter(pk__in=[q.pk for q in bank]).values_list("current_version_id", flat=True)
    )
    assert set(drawn) <= current


def test_the_same_seed_draws_the_same_questions_and_others_vary(round, bank):
    first = drawing.draw(round=round, block=None, rng=random.Random(7))
    assert drawing.draw(round=round, block=None, rng=random.Random(7)) == first
    draws = {tuple(drawing.draw(round=round, block=None, rng=random.Random(seed))) for seed in range(20)}
    assert len(draws) > 1


def test_two_rules_on_one_topic_never_draw_a_question_twice(round, bank, topic):
    round.draw_rules.update(count=6)
    DrawRule.objects.create(round=round, topic=topic, count=6)
    for seed in range(10):
        drawn = drawing.draw(round=round, block=None, rng=random.Random(seed))
        questions = QuestionVersion.objects.filter(pk__in=drawn).values_list("question_id", flat=True)
        assert len(drawn) == 12 and len(set(questions)) == 12


def test_a_block_rule_replaces_the_shared_rules_for_that_block(round, contest, bank, topic):
    officials = Block.objects.get(contest=contest, code="cbccvc")
    citizens = Block.objects.get(contest=contest, code="nguoi-dan")
    DrawRule.objects.create(round=round, block=officials, topic=topic, count=2)
    assert [r.count for r in drawing.rules_for_block(round=round, block=officials)] == [2]
    assert [r.count for r in drawing.rules_for_block(round=round, block=citizens)] == [5]
    assert len(drawing.draw(round=round, block=officials)) == 2


def test_a_pool_too_small_is_refused_and_explained(round, bank):
    round.draw_rules.update(count=13)
    with pytest.raises(ValueError):
        drawing.draw(round=round, block=None)
    problems = drawing.shortages(round=round)
    assert any("only 12 approved questions, 1 short" in p for p in problems)
    assert any("give 13 questions but an attempt has 5" in p for p in problems)


def test_a_drawable_round_has_no_shortages(round, bank):
    assert drawing.shortages(round=round) == []
