"""Participant pages: contest list, contest page, entering, the quiz and the result."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from contests.models import Attempt, Contest, Round
from contests.quiz import attempts
from questionbank.models import Option
from tests.builders import make_contest
from tests.contests.conftest import NOW, RULES_TEXT, answer, make_round
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def browser(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def enter_url(round):
    return reverse("contests:round-enter", args=[round.contest.slug, round.number])


# --- contest list and page ---------------------------------------------------------------------


def test_it_lists_public_contests_for_anyone(round, tree, topic):
    officials = make_contest(
        tree["snv"], slug="noi-bo", title="Chỉ cán bộ", rules_text=RULES_TEXT, audience_citizens=False
    )
    make_round(officials, topic=topic)
    response = browser().get("/contests/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Cuộc thi tìm hiểu cải cách hành chính" in body and "Chỉ cán bộ" not in body
    assert "Open now" in body


def test_the_list_refuses_post(round):
    assert browser().post("/contests/").status_code == 405


def test_the_contest_page_shows_sanitised_rules_and_rounds(round):
    response = browser().get(f"/contests/{round.contest.slug}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>20 câu hỏi</strong>" in body and "<script>alert" not in body
    assert "Tuần 1" in body and "3 attempts per round, your best attempt counts." in body
    assert "more than 2 seconds after the deadline are refused" in body
    assert "Log in to take part." in body


def test_the_contest_page_shows_my_results(charlie, round):
    attempt = attempts.start_attempt(user=charlie, round=round)
    answer(attempt, charlie, right=4, now=NOW)
    attempts.submit_attempt(
        attempt=attempt, user=charlie, prediction=5, now=NOW + timedelta(minutes=2, seconds=5)
    )
    body = browser(charlie).get(f"/contests/{round.contest.slug}/").content.decode()
    assert "4/5 (80.00%)" in body and "2:05" in body and "counts" in body
    assert reverse("contests:result", args=[attempt.pk]) in body


def test_contests_people_may_not_see_are_not_found(dan, round):
    Contest.objects.filter(pk=round.contest_id).update(audience_citizens=False)
    assert browser(dan).get(f"/contests/{round.contest.slug}/").status_code == 404
    assert browser().get(f"/contests/{round.contest.slug}/").status_code == 404
    Contest.objects.filter(pk=round.contest_id).update(audience_citizens=True, status=Contest.Status.DRAFT)
    assert browser(dan).get(f"/contests/{round.contest.slug}/").status_code == 404
    assert browser().get("/contests/no-such-contest/").status_code == 404


# --- entering ----------------------------------------------------------------------------------------


def test_entering_requires_login(round):
    response = browser().get(enter_url(round))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_entering_refuses_put(charlie, round):
    assert browser(charlie).put(enter_url(round)).status_code == 405


def test_an_incomplete_profile_is_told_exactly_what_is_missing(tree, round):
    newcomer = make_user("moi@example.vn", complete=False)
    response = browser(newcomer).get(enter_url(round))
    body = response.content.decode()
    assert "Complete your profile first. Missing:" in body
    assert "date of birth" in body and "citizen ID number (CCCD)" in body and "commune / ward" in body
    assert reverse("accounts:profile") in body and 'id="start-form"' not in body
    response = browser(newcomer).post(enter_url(round))
    assert response.status_code == 403 and "You cannot enter this round yet." in response.content.decode()
    assert not Attempt.objects.exists()


def test_people_who_may_not_enter_are_told_why(alice, round):
    response = browser(alice).get(enter_url(round))
    assert "Organisers of this contest cannot take part in it." in response.content.decode()


def test_entering_starts_the_attempt_and_opens_the_quiz(charlie, round):
    client = browser(charlie)
    page = client.get(enter_url(round)).content.decode()
    assert 'id="start-form"' in page and "10 minutes" in page
    response = client.post(enter_url(round))
    attempt = Attempt.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contests:quiz", args=[attempt.pk])
    assert "Resume my attempt" in client.get(enter_url(round)).content.decode()
    client.post(enter_url(round))
    assert Attempt.objects.count() == 1


def test_entering_a_closed_round_says_so(charlie, round, clock):
    clock.move_to(round.closes_at + timedelta(hours=1))
    client = browser(charlie)
    assert "This round has closed." in client.get(enter_url(round)).content.decode()
    response = client.post(enter_url(round))
    assert response.status_code == 409 and "This round has closed." in response.content.decode()


def test_a_join_code_is_asked_for(charlie, round):
    Contest.objects.filter(pk=round.contest_id).update(join_code="BD2021")
    client = browser(charlie)
    assert 'name="join_code"' in client.get(enter_url(round)).content.decode()
    response = client.post(enter_url(round), {"join_code": "sai"})
    assert "The join code is not right." in response.content.decode()
    assert client.post(enter_url(round), {"join_code": "BD2021"}).status_code == 302


def test_the_attempt_limit_is_named(charlie, round):
    Round.objects.filter(pk=round.pk).update(max_attempts=1)
    attempt = attempts.start_attempt(user=charlie, round=round)
    attempts.submit_attempt(attempt=attempt, user=charlie, prediction=1)
    body = browser(charlie).get(enter_url(round)).content.decode()
    assert "You have no attempts left in this round." in body
    response = browser(charlie).post(enter_url(round))
    assert response.status_code == 409 and "1 attempt per round" in response.content.decode()


# --- the quiz --------------------------------------------------------------------------------------------


def test_the_quiz_page_requires_login_and_the_owner(charlie, dan, round):
    attempt = attempts.start_attempt(user=charlie, round=round)
    url = reverse("contests:quiz", args=[attempt.pk])
    assert browser().get(url).status_code == 302
    assert browser(dan).get(url).status_code == 404
    assert browser(charlie).post(url).status_code == 405


def test_the_quiz_page_shows_the_questions_saved_answers_and_an_accessible_timer(charlie, round):
    attempt = attempts.start_attempt(user=charlie, round=round)
    answer(attempt, charlie, right=1, now=NOW, positions=[2])
    response = browser(charlie).get(reverse("contests:quiz", args=[attempt.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="timer"' in body and 'aria-live="off"' in body and 'id="timer-announcer"' in body
    assert body.count('class="question"') == 5 and 'id="quiz-config"' in body
    assert set(re.findall(r'<input[^>]* name="(q\d+)"[^>]* checked>', body)) == {"q2"}
    assert 'id="prediction"' in body and "How many people will take part in this round?" in body
    assert "more than 2 seconds after the deadline are refused" in body
    assert "<script>" not in body.replace('<script id="quiz-config" type="application/json">', "")
    assert "csrftoken" in response.cookies


def test_the_quiz_page_never_reveals_correctness(charlie, round):
    attempt = attempts.start_attempt(user=charlie, round=round)
    body = browser(charlie).get(reverse("contests:quiz", args=[attempt.pk])).content.decode()
    assert "is_correct" not in body and "Giải thích bí mật" not in body and "Nghị định 61" not in body
    assert "correct" not in body.lower().replace("every correct answer", "")
    values = set(re.findall(r'value="([^"]+)"', body))
    option_ids = {str(pk) for pk in Option.objects.values_list("pk", flat=True)}
    assert not values & option_ids


def test_a_finished_attempt_opens_the_result(charlie, round):
    attempt = attempts.start_attempt(user=charlie, round=round)
    attempts.submit_attempt(attempt=attempt, user=charlie, prediction=1)
    response = browser(charlie).get(reverse("contests:quiz", args=[attempt.pk]))
    assert response["Location"] == reverse("contests:result", args=[attempt.pk])


def test_an_expired_attempt_is_finalised_when_its_page_is_opened(charlie, round, clock):
    attempt = attempts.start_attempt(user=charlie, round=round)
    clock.move_to(NOW + timedelta(minutes=11))
    response = browser(charlie).get(reverse("contests:quiz", args=[attempt.pk]))
    assert response["Location"] == reverse("contests:result", args=[attempt.pk])
    body = browser(charlie).get(response["Location"]).content.decode()
    assert "Time ran out" in body and "10:00" in body


# --- the result -------------------------------------------------------------------------------------------


def _result(charlie, round, clock, *, explanations):
    Round.objects.filter(pk=round.pk).update(explanations=explanations)
    attempt = attempts.start_attempt(user=charlie, round=round)
    answer(attempt, charlie, right=3, now=NOW)
    clock.move_to(NOW + timedelta(minutes=3, seconds=7, milliseconds=450))
    attempts.submit_attempt(attempt=attempt, user=charlie, prediction="2 000")
    return attempt, reverse("contests:result", args=[attempt.pk])


def test_the_result_shows_score_time_rank_and_prediction(charlie, round, clock):
    attempt, url = _result(charlie, round, clock, explanations="after_close")
    response = browser(charlie).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "3/5" in body and "60.00%" in body and "3:07" in body and "187450 milliseconds" in body
    assert "1 of 1" in body and "2000" in body
    assert "Giải thích bí mật" not in body and "shown after the round closes" in body


def test_explanations_show_after_submit_when_the_round_allows(charlie, round, clock):
    attempt, url = _result(charlie, round, clock, explanations="after_submit")
    body = browser(charlie).get(url).content.decode()
    assert "Giải thích bí mật" in body and "Nghị định 61/2018/NĐ-CP" in body and "(correct answer)" in body


def test_explanations_show_after_the_round_closes(charlie, round, clock):
    attempt, url = _result(charlie, round, clock, explanations="after_close")
    clock.move_to(round.closes_at + timedelta(seconds=1))
    assert "Giải thích bí mật" in browser(charlie).get(url).content.decode()


def test_explanations_never_show_when_the_round_says_never(charlie, round, clock):
    attempt, url = _result(charlie, round, clock, explanations="never")
    clock.move_to(round.closes_at + timedelta(days=1))
    body = browser(charlie).get(url).content.decode()
    assert "Giải thích bí mật" not in body and "(correct answer)" not in body


def test_the_result_is_private_and_waits_for_the_end_of_the_attempt(charlie, dan, round):
    attempt = attempts.start_attempt(user=charlie, round=round)
    url = reverse("contests:result", args=[attempt.pk])
    assert browser(dan).get(url).status_code == 404
    assert browser(charlie).get(url)["Location"] == reverse("contests:quiz", args=[attempt.pk])
    assert browser().get(url).status_code == 302
