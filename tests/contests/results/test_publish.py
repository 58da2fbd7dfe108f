"""Prize tables, proposed winners, publishing and the winners' e-mails."""

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from contests.models import Award, PrizeTable, Publication
from contests.results import selectors as award_selectors
from contests.results import services as awards
from contests.results import tables
from contests.results.tables import TierData
from tests.contests.results.conftest import AFTER_CLOSE, answer, entry, make_question, make_round, person

pytestmark = pytest.mark.django_db

THREE = [TierData("Giải Nhất", 1, Decimal(2_000_000), 10), TierData("Giải Nhì", 1, Decimal(1_000_000), 8)]


def table(contest, tiers=THREE, **options):
    return tables.save_prize_table(actor=None, contest=contest, tiers=tiers, **options)


def ranked(round, people, *, start=None):
    """Each person one perfect attempt, the first listed fastest."""
    start = start or round.opens_at + timedelta(hours=1)
    for n, p in enumerate(people):
        entry(round, p, prediction=len(people), duration_ms=60_000 + n * 1000, finished_at=start)


def winners(round):
    result = award_selectors.current_result(round)
    (block,) = award_selectors.propose_awards(result)
    return [(a.candidate.user_id, a.tier.name if a.tier else None) for a in block.proposal.awards], block


def test_it_proposes_winners_passing_over_staff_authors_and_incomplete_profiles(
    contest, round1, officials, alice, tree
):
    incomplete = person("thieu@example.vn", complete=False)
    author = officials[0]
    ranked(round1, [alice, author, incomplete, officials[1], officials[2]])
    version = make_question(tree["snv"], author=author)
    answer(round1.attempts.get(user=author), version, position=1, option_index=0)
    table(contest)
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    proposed, block = winners(round1)
    assert proposed == [(officials[1].pk, "Giải Nhất"), (officials[2].pk, "Giải Nhì")]
    assert [(p.candidate.user_id, p.reason) for p in block.proposal.passed_over] == [
        (alice.pk, "staff"),
        (author.pk, "author"),
        (incomplete.pk, "profile"),
    ]


def test_it_keeps_staff_eligible_when_the_table_says_so(contest, round1, alice, officials):
    ranked(round1, [alice, officials[0]])
    table(contest, exclude_staff=False)
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert winners(round1)[0] == [(alice.pk, "Giải Nhất"), (officials[0].pk, "Giải Nhì")]


def test_it_uses_the_most_specific_prize_table(contest, round1, blocks):
    table(contest, tiers=[TierData("Giải chung", 1)])
    tables.save_prize_table(actor=None, contest=contest, block=blocks["cbccvc"], tiers=[TierData("Khối", 1)])
    tables.save_prize_table(actor=None, contest=contest, round=round1, tiers=[TierData("Vòng", 1)])
    tables.save_prize_table(
        actor=None, contest=contest, round=round1, block=blocks["cbccvc"], tiers=[TierData("Vòng khối", 1)]
    )
    pick = award_selectors.prize_table_for
    assert pick(round=round1, block=blocks["cbccvc"]).tiers.get().name == "Vòng khối"
    assert pick(round=round1, block=blocks["dan"]).tiers.get().name == "Vòng"
    other = make_round(contest, number=2, week=2)
    assert pick(round=other, block=blocks["cbccvc"]).tiers.get().name == "Khối"
    assert pick(round=other, block=None).tiers.get().name == "Giải chung"


def test_it_refuses_a_bad_prize_table(contest, english):
    with pytest.raises(awards.AwardError) as error:
        tables.save_prize_table(
            actor=None, contest=contest, tiers=[TierData("", 0), TierData("Nhì", 1), TierData("nhì", 1)]
        )
    assert error.value.messages == [
        "Prize 1 needs a name.",
        "Prize 1: the number of prizes must be at least 1.",
        "Two prizes have the same name.",
    ]
    assert not PrizeTable.objects.exists()


def test_it_lets_only_the_owner_agencys_organisers_change_prizes(contest, bob):
    with pytest.raises(PermissionDenied):
        tables.save_prize_table(actor=bob, contest=contest, tiers=THREE)


def test_it_publishes_the_winners_and_emails_them(
    contest, round1, officials, alice, django_capture_on_commit_callbacks
):
    ranked(round1, officials[:3])
    table(contest)
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    with django_capture_on_commit_callbacks(execute=True):
        publication = awards.publish_round(round=round1, actor=alice, now=AFTER_CLOSE + timedelta(days=2))
    assert (publication.result, publication.version, publication.published_by) == (result, 1, alice)
    # The published hash covers the whole bundle (awards included); the bundle names the result set's.
    assert publication.sha256 == hashlib.sha256(publication.bundle.encode()).hexdigest()
    assert json.loads(publication.bundle)["result"]["sha256"] == result.sha256
    rows = list(Award.objects.filter(publication=publication).order_by("tier_position"))
    assert [(a.user, a.tier_name, a.amount, a.points, a.rank) for a in rows] == [
        (officials[0], "Giải Nhất", 2_000_000, 10, 1),
        (officials[1], "Giải Nhì", 1_000_000, 8, 2),
    ]
    assert all(len(a.code) == 12 and a.code.isalnum() for a in rows)
    assert rows[0].code != rows[1].code
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officials[0].email, officials[1].email])
    message = next(m for m in mail.outbox if m.to == [officials[0].email])
    assert "Giải Nhất" in message.subject
    assert rows[0].code in message.body and "/results/certificates/" in message.body
    assert all(a.emailed_at for a in Award.objects.all())


def test_it_sends_no_email_when_publishing_fails(
    contest, round1, officials, alice, english, django_capture_on_commit_callbacks
):
    ranked(round1, officials[:3])
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(awards.AwardError) as error:
        awards.publish_round(round=round1, actor=alice)
    assert error.value.messages == ["Set up the prize table first."]
    assert mail.outbox == [] and not Publication.objects.exists()


def test_it_refuses_to_publish_before_finalisation_twice_or_for_outsiders(
    contest, round1, officials, alice, bob, english
):
    ranked(round1, officials[:2])
    table(contest)
    with pytest.raises(awards.AwardError) as error:
        awards.publish_round(round=round1, actor=alice)
    assert error.value.messages == ["Finalise the round first."]
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    with pytest.raises(PermissionDenied):
        awards.publish_round(round=round1, actor=bob)
    awards.publish_round(round=round1, actor=alice)
    with pytest.raises(awards.AwardError) as error:
        awards.publish_round(round=round1, actor=alice)
    assert error.value.messages == ["These results are already published."]


def _tied_at_the_boundary(round, people):
    t = round.opens_at + timedelta(hours=1)
    entry(round, people[0], prediction=3, finished_at=t)
    entry(round, people[1], prediction=4, finished_at=t + timedelta(seconds=9))
    entry(round, people[2], prediction=4, finished_at=t + timedelta(seconds=9))


def test_it_waits_for_the_board_on_a_tie_at_a_prize_boundary(contest, round1, officials, alice, english):
    _tied_at_the_boundary(round1, officials)
    table(contest, boundary_ties=PrizeTable.BoundaryTies.BOARD)
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    proposed, block = winners(round1)
    assert proposed[0] == (officials[0].pk, "Giải Nhất")
    # The tied pair is listed by the tie key (seed and entry code), both pending.
    assert sorted(proposed[1:]) == sorted([(officials[1].pk, None), (officials[2].pk, None)])
    with pytest.raises(awards.AwardError) as error:
        awards.publish_round(round=round1, actor=alice)
    assert error.value.messages == [
        "Block “all participants”: a tie at a prize boundary waits for the organising board's decision."
    ]
    awards.decide_tie(
        round=round1, block=None, user_ids=[officials[2].pk, officials[1].pk], note="Bốc thăm", actor=alice
    )
    assert winners(round1)[0] == [(officials[0].pk, "Giải Nhất"), (officials[2].pk, "Giải Nhì")]
    assert awards.publish_round(round=round1, actor=alice).awards.count() == 2


def test_it_gives_all_tied_the_higher_prize_when_configured(contest, round1, officials):
    _tied_at_the_boundary(round1, officials)
    table(contest, tiers=[TierData("Giải Nhất", 1), TierData("Giải Nhì", 1)], boundary_ties="higher")
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    # Places: Nhất, Nhì. The tie at rank 2 takes one Nhì place; both get Nhì.
    proposed = winners(round1)[0]
    assert proposed[0] == (officials[0].pk, "Giải Nhất")
    assert sorted(proposed[1:]) == sorted([(officials[1].pk, "Giải Nhì"), (officials[2].pk, "Giải Nhì")])


def test_it_gives_one_prize_per_person_per_contest(contest, officials, alice):
    first, second = make_round(contest, number=1, week=1), make_round(contest, number=2, week=2)
    table(contest, one_per_contest=True)
    ranked(first, officials[:3])  # cc1 Nhất, cc2 Nhì
    awards.finalise_round(round=first, now=first.closes_at + timedelta(hours=1))
    awards.publish_round(round=first, actor=alice)
    ranked(second, [officials[0], officials[2], officials[1], officials[3]])
    awards.finalise_round(round=second, now=second.closes_at + timedelta(hours=1))
    proposed, block = winners(second)
    # cc1 holds a Nhất: passed over. cc3 takes Nhất, cc2 holds Nhì: passed over for Nhì, cc4 takes it.
    assert proposed == [(officials[2].pk, "Giải Nhất"), (officials[3].pk, "Giải Nhì")]
    assert [(p.candidate.user_id, p.reason) for p in block.proposal.passed_over] == [
        (officials[0].pk, "held"),
        (officials[1].pk, "held"),
    ]


def test_it_supersedes_a_lower_prize_when_a_person_wins_a_higher_one(contest, officials, alice):
    first, second = make_round(contest, number=1, week=1), make_round(contest, number=2, week=2)
    table(contest, one_per_contest=True)
    ranked(first, officials[:2])  # cc2 wins Nhì in round 1
    awards.finalise_round(round=first, now=first.closes_at + timedelta(hours=1))
    awards.publish_round(round=first, actor=alice)
    ranked(second, [officials[1], officials[2]])  # cc2 first in round 2
    awards.finalise_round(round=second, now=second.closes_at + timedelta(hours=1))
    awards.publish_round(round=second, actor=alice)
    old = Award.objects.get(round=first, user=officials[1])
    new = Award.objects.get(round=second, user=officials[1])
    assert (old.tier_name, new.tier_name, old.superseded_by) == ("Giải Nhì", "Giải Nhất", new)
    assert award_selectors.award_status(old) == "superseded"


def test_it_republishes_after_a_disqualification_keeping_unchanged_codes(contest, round1, officials, alice):
    ranked(round1, officials[:3])
    table(contest)
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    awards.publish_round(round=round1, actor=alice)
    before = {a.user_id: a for a in Award.objects.all()}
    awards.disqualify(round=round1, user=officials[0], reason="Khai báo sai thông tin", actor=alice)
    awards.publish_round(round=round1, actor=alice)
    latest = award_selectors.latest_publication(round1)
    after = {a.user_id: a for a in Award.objects.filter(publication=latest)}
    assert after[officials[1].pk].tier_name == "Giải Nhất"
    assert after[officials[2].pk].tier_name == "Giải Nhì"
    assert award_selectors.award_status(before[officials[0].pk]) == "withdrawn"
    # cc2 moved from Nhì to Nhất: a new code; nobody kept the same prize here.
    assert after[officials[1].pk].code != before[officials[1].pk].code
    assert Publication.objects.filter(round=round1).count() == 2
