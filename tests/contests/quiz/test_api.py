"""The participant JSON API: every endpoint, every error code, and no leaks."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from contests.models import Attempt, AttemptQuestion, Contest, Round
from contests.quiz import answers, attempts, closing
from contests.quiz.api import iso
from questionbank.models import Option
from tests.contests.conftest import NOW, correct_tokens, wrong_tokens
from tests.factories import make_user

pytestmark = pytest.mark.django_db
CSRF = "a" * 32


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def api_client(user=None):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["csrftoken"] = CSRF
    if user is not None:
        client.force_login(user)
    return client


def send(client, method, url, body=None, *, raw=None, csrf=True):
    headers = {"HTTP_X_CSRFTOKEN": CSRF} if csrf else {}
    if method == "get":
        return client.get(url, **headers)
    data = raw if raw is not None else json.dumps(body if body is not None else {})
    return getattr(client, method)(url, data=data, content_type="application/json", **headers)


def start_url(round):
    return f"/api/rounds/{round.pk}/start/"


def answer_url(attempt_id, position):
    return f"/api/attempts/{attempt_id}/answers/{position}/"


def submit_url(attempt_id):
    return f"/api/attempts/{attempt_id}/submit/"


def started(client, round):
    response = send(client, "post", start_url(round))
    assert response.status_code in (200, 201), response.content
    return response.json()


@pytest.fixture
def charlie_api(charlie):
    return api_client(charlie)


# --- access ------------------------------------------------------------------------------------


def test_it_tells_the_time_to_anyone():
    response = Client().get("/api/time/")
    assert response.status_code == 200
    assert response.json() == {"server_time": "2026-03-10T03:00:00.000+00:00"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/rounds/open/"),
        ("post", "/api/rounds/1/start/"),
        ("put", "/api/attempts/1/answers/1/"),
        ("post", "/api/attempts/1/submit/"),
        ("get", "/api/attempts/mine/"),
        ("get", "/api/attempts/1/"),
    ],
)
def test_it_requires_login(method, url):
    response = send(api_client(), method, url)
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "Log in first."}


def test_it_refuses_the_wrong_method(charlie_api, round):
    response = charlie_api.get(start_url(round))
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"
    assert send(charlie_api, "post", answer_url(1, 1)).status_code == 405


def test_it_needs_the_csrf_header(charlie_api, round):
    response = send(charlie_api, "post", start_url(round), csrf=False)
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert not Attempt.objects.exists()


def test_it_refuses_bad_json(charlie_api, round):
    assert send(charlie_api, "post", start_url(round), raw="{nope").json()["code"] == "bad_json"
    assert send(charlie_api, "post", start_url(round), raw="[1, 2]").status_code == 400
    attempt = started(charlie_api, round)
    response = send(charlie_api, "put", answer_url(attempt["attempt_id"], 1), {"choice": []})
    assert response.status_code == 400 and response.json()["code"] == "bad_json"
    assert send(charlie_api, "post", submit_url(attempt["attempt_id"]), raw='"x"').status_code == 400


# --- start ------------------------------------------------------------------------------------------


def test_start_returns_the_attempt_and_a_second_start_resumes_it(charlie_api, round):
    first = send(charlie_api, "post", start_url(round))
    assert first.status_code == 201
    data = first.json()
    assert data["server_time"] == "2026-03-10T03:00:00.000+00:00"
    assert data["deadline"] == "2026-03-10T03:10:00.000+00:00"
    assert data["time_limit_seconds"] == 600 and data["question_count"] == 5
    assert [q["position"] for q in data["questions"]] == [1, 2, 3, 4, 5]
    assert set(data["questions"][0]) == {"position", "text", "image_url", "kind", "options"}
    assert set(data["questions"][0]["options"][0]) == {"id", "text", "image_url"}
    assert data["answers"] == {}
    assert data["prediction"] == {
        "target": "participants",
        "decimal": False,
        "required": True,
        "label": "How many people will take part in this round?",
        "max": 1_000_000_000,
    }
    send(
        charlie_api,
        "put",
        answer_url(data["attempt_id"], 2),
        {"choices": [data["questions"][1]["options"][0]["id"]]},
    )
    again = send(charlie_api, "post", start_url(round))
    assert again.status_code == 200
    assert again.json()["attempt_id"] == data["attempt_id"]
    assert again.json()["answers"] == {"2": [data["questions"][1]["options"][0]["id"]]}
    assert again.json()["questions"] == data["questions"]


def test_payloads_never_reveal_correctness(charlie_api, round):
    data = started(charlie_api, round)
    attempt = Attempt.objects.get(pk=data["attempt_id"])
    send(charlie_api, "put", answer_url(attempt.pk, 1), {"choices": correct_tokens(attempt, 1)})
    payloads = [
        send(charlie_api, "post", start_url(round)).content.decode(),
        charlie_api.get(f"/api/attempts/{attempt.pk}/").content.decode(),
        send(
            charlie_api, "put", answer_url(attempt.pk, 2), {"choices": wrong_tokens(attempt, 2)}
        ).content.decode(),
        charlie_api.get("/api/rounds/open/").content.decode(),
        charlie_api.get(f"/api/attempts/mine/?round={round.pk}").content.decode(),
    ]
    option_ids = {str(pk) for pk in Option.objects.values_list("pk", flat=True)}
    for text in payloads:
        assert "is_correct" not in text and "correct" not in text.replace("correct_count", "")
        assert "Giải thích bí mật" not in text and "Nghị định 61" not in text
        for q in json.loads(text).get("questions", []):
            assert not {o["id"] for o in q["options"]} & option_ids


def test_start_refuses_a_round_that_is_not_open(charlie_api, round, clock):
    clock.move_to(round.closes_at + timedelta(minutes=1))
    response = send(charlie_api, "post", start_url(round))
    assert response.status_code == 409
    assert response.json() == {"code": "round_not_open", "message": "This round has closed."}


def test_start_refuses_people_who_may_not_enter_and_says_why(tree, round):
    newcomer = make_user("moi@example.vn", complete=False)
    Contest.objects.filter(pk=round.contest_id).update(min_age=18)
    response = send(api_client(newcomer), "post", start_url(round))
    assert response.status_code == 403
    data = response.json()
    assert data["code"] == "not_eligible" and data["message"] == "You cannot enter this round yet."
    assert "date of birth" in data["problems"][0]


def test_start_names_the_attempt_limit(charlie, charlie_api, round):
    Round.objects.filter(pk=round.pk).update(max_attempts=1)
    attempt = attempts.start_attempt(user=charlie, round=round)
    attempts.submit_attempt(attempt=attempt, user=charlie, prediction=3)
    response = send(charlie_api, "post", start_url(round))
    assert response.status_code == 409
    assert response.json() == {
        "code": "attempt_limit",
        "message": "You have reached the limit of 1 attempt per round.",
        "limit": 1,
        "per": "round",
    }


def test_start_takes_the_join_code(charlie_api, round):
    Contest.objects.filter(pk=round.contest_id).update(join_code="BD2021")
    assert send(charlie_api, "post", start_url(round), {"join_code": "sai"}).status_code == 403
    assert send(charlie_api, "post", start_url(round), {"join_code": 2021}).status_code == 400
    assert send(charlie_api, "post", start_url(round), {"join_code": "bd2021"}).status_code == 201


def test_rounds_people_may_not_see_do_not_exist(dan, round):
    Contest.objects.filter(pk=round.contest_id).update(audience_citizens=False)
    response = send(api_client(dan), "post", start_url(round))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api_client(dan).get(f"/api/rounds/{round.pk}/leaderboard/").status_code == 404


# --- saving ------------------------------------------------------------------------------------------


def test_saving_an_answer(charlie_api, round):
    data = started(charlie_api, round)
    token = data["questions"][0]["options"][1]["id"]
    response = send(charlie_api, "put", answer_url(data["attempt_id"], 1), {"choices": [token]})
    assert response.status_code == 200
    assert response.json() == {
        "saved": True,
        "position": 1,
        "choices": [token],
        "saved_at": "2026-03-10T03:00:00.000+00:00",
        "answered_count": 1,
        "deadline": data["deadline"],
    }
    again = send(charlie_api, "put", answer_url(data["attempt_id"], 1), {"choices": [token]})
    assert again.json()["answered_count"] == 1  # idempotent


def test_saving_refuses_what_is_not_in_the_attempt(charlie_api, round):
    data = started(charlie_api, round)
    response = send(charlie_api, "put", answer_url(data["attempt_id"], 6), {"choices": []})
    assert response.status_code == 400 and response.json()["code"] == "invalid_answer"
    other = data["questions"][1]["options"][0]["id"]
    response = send(charlie_api, "put", answer_url(data["attempt_id"], 1), {"choices": [other]})
    if other not in {o["id"] for o in data["questions"][0]["options"]}:
        assert response.status_code == 400 and "is not a choice of question 1" in response.json()["message"]
    response = send(charlie_api, "put", answer_url(data["attempt_id"], 1), {"choices": "x"})
    assert response.status_code == 400


def test_someone_elses_attempt_does_not_exist(charlie_api, dan, round):
    data = started(charlie_api, round)
    other = api_client(dan)
    token = data["questions"][0]["options"][0]["id"]
    for response in (
        send(other, "put", answer_url(data["attempt_id"], 1), {"choices": [token]}),
        send(other, "post", submit_url(data["attempt_id"]), {"prediction": 1}),
        other.get(f"/api/attempts/{data['attempt_id']}/"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not AttemptQuestion.objects.filter(answered_at__isnull=False).exists()


def test_answers_after_the_deadline_are_refused(charlie_api, round, clock):
    data = started(charlie_api, round)
    token = data["questions"][0]["options"][0]["id"]
    clock.move_to(NOW + timedelta(minutes=10, seconds=2))
    assert (
        send(charlie_api, "put", answer_url(data["attempt_id"], 1), {"choices": [token]}).status_code == 200
    )
    clock.move_to(NOW + timedelta(minutes=10, seconds=3))
    response = send(charlie_api, "put", answer_url(data["attempt_id"], 2), {"choices": []})
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert "finalised with the answers saved before the deadline" in response.json()["message"]
    assert Attempt.objects.get().status == Attempt.Status.EXPIRED


def test_answers_to_a_submitted_attempt_are_refused(charlie_api, round):
    data = started(charlie_api, round)
    send(charlie_api, "post", submit_url(data["attempt_id"]), {"prediction": 4})
    response = send(charlie_api, "put", answer_url(data["attempt_id"], 1), {"choices": []})
    assert response.status_code == 409 and response.json()["code"] == "attempt_finished"


# --- submitting ----------------------------------------------------------------------------------------


def test_submitting_returns_the_result_and_is_idempotent(charlie_api, round, clock):
    data = started(charlie_api, round)
    attempt = Attempt.objects.get(pk=data["attempt_id"])
    for position in (1, 2, 3):
        send(
            charlie_api,
            "put",
            answer_url(attempt.pk, position),
            {"choices": correct_tokens(attempt, position)},
        )
    clock.move_to(NOW + timedelta(minutes=2, milliseconds=250))
    response = send(charlie_api, "post", submit_url(attempt.pk), {"prediction": "1.500"})
    assert response.status_code == 200
    result = response.json()
    assert {
        k: result[k]
        for k in ("correct_count", "question_count", "score", "duration_ms", "rank", "participants")
    } == {
        "correct_count": 3,
        "question_count": 5,
        "score": "60.00",
        "duration_ms": 120_250,
        "rank": 1,
        "participants": 1,
    }
    assert result["duration"] == "2:00" and result["prediction"] == "1500" and result["status"] == "submitted"
    clock.move_to(NOW + timedelta(minutes=5))
    again = send(charlie_api, "post", submit_url(attempt.pk), {"prediction": 9})
    assert (
        again.status_code == 200
        and again.json()["duration_ms"] == 120_250
        and again.json()["prediction"] == "1500"
    )
    detail = charlie_api.get(f"/api/attempts/{attempt.pk}/").json()
    assert detail["status"] == "submitted" and detail["result"]["correct_count"] == 3
    assert "questions" not in detail


def test_submitting_explains_a_bad_prediction(charlie_api, round):
    data = started(charlie_api, round)
    response = send(charlie_api, "post", submit_url(data["attempt_id"]), {"prediction": 2.5})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_prediction",
        "message": "The prediction must be a whole number.",
    }


def test_submitting_lists_unanswered_questions_when_every_answer_is_required(charlie_api, round):
    Round.objects.filter(pk=round.pk).update(must_answer_all=True)
    data = started(charlie_api, round)
    response = send(charlie_api, "post", submit_url(data["attempt_id"]), {"prediction": 2})
    assert response.status_code == 409
    assert response.json()["code"] == "unanswered" and response.json()["positions"] == [1, 2, 3, 4, 5]


def test_a_late_submission_is_refused_with_the_result(charlie_api, round, clock):
    data = started(charlie_api, round)
    clock.move_to(NOW + timedelta(minutes=15))
    response = send(charlie_api, "post", submit_url(data["attempt_id"]), {"prediction": 2})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "deadline_passed"
    assert body["result"]["status"] == "expired" and body["result"]["duration_ms"] == 600_000


# --- lists and boards ----------------------------------------------------------------------------------


def test_open_rounds_lists_what_the_person_may_enter(charlie_api, charlie, round, dan):
    data = charlie_api.get("/api/rounds/open/").json()
    assert [r["id"] for r in data["rounds"]] == [round.pk]
    entry = data["rounds"][0]
    assert entry["can_enter"] and entry["problems"] == [] and entry["attempts_left"] == 3
    assert entry["time_limit_seconds"] == 600 and entry["in_progress_attempt_id"] is None
    attempt = attempts.start_attempt(user=charlie, round=round)
    entry = charlie_api.get("/api/rounds/open/").json()["rounds"][0]
    assert entry["in_progress_attempt_id"] == attempt.pk
    Contest.objects.filter(pk=round.contest_id).update(min_age=60)
    entry = api_client(dan).get("/api/rounds/open/").json()["rounds"][0]
    assert not entry["can_enter"] and entry["problems"] == ["You must be at least 60 years old to take part."]


def test_my_attempts_finalises_what_expired(charlie_api, charlie, round, clock):
    attempt = attempts.start_attempt(user=charlie, round=round)
    clock.move_to(NOW + timedelta(hours=1))
    data = charlie_api.get(f"/api/attempts/mine/?round={round.pk}").json()
    assert [a["attempt_id"] for a in data["attempts"]] == [attempt.pk]
    assert data["attempts"][0]["status"] == "expired" and data["attempts"][0]["counted"]
    assert data["round"] == {"id": round.pk, "attempts_used": 1, "attempts_left": 2}
    assert charlie_api.get("/api/attempts/mine/?round=x").status_code == 400
    assert charlie_api.get("/api/attempts/mine/?round=999999").status_code == 404


def _finish(user, round, right):
    attempt = attempts.start_attempt(user=user, round=round)
    for position in range(1, right + 1):
        answers.save_answer(
            attempt=attempt, user=user, position=position, tokens=correct_tokens(attempt, position)
        )
    return attempts.submit_attempt(attempt=attempt, user=user, prediction=1)


def test_the_leaderboard_shows_the_top_and_me(charlie, dan, round):
    _finish(charlie, round, 2)
    _finish(dan, round, 4)
    data = api_client(charlie).get(f"/api/rounds/{round.pk}/leaderboard/?n=1").json()
    assert data["mode"] == "live" and data["participants"] == 2
    assert [e["correct_count"] for e in data["top"]] == [4]
    assert "user_id" not in data["top"][0]
    assert data["me"]["rank"] == 2 and data["me"]["correct_count"] == 2
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/api/rounds/{round.pk}/leaderboard/")
    assert public.status_code == 200 and public.json()["me"] is None
    block = round.contest.blocks.get(code="nguoi-dan")
    per_block = api_client(charlie).get(f"/api/rounds/{round.pk}/leaderboard/?block={block.pk}").json()
    assert per_block["participants"] == 1 and per_block["me"] is None
    assert api_client(charlie).get(f"/api/rounds/{round.pk}/leaderboard/?n=x").status_code == 400
    assert api_client(charlie).get(f"/api/rounds/{round.pk}/leaderboard/?block=0").status_code == 404


def test_a_hidden_leaderboard_is_for_organisers_only(alice, charlie, round):
    Contest.objects.filter(pk=round.contest_id).update(leaderboard=Contest.Leaderboard.HIDDEN)
    response = api_client(charlie).get(f"/api/rounds/{round.pk}/leaderboard/")
    assert response.status_code == 403 and response.json()["code"] == "leaderboard_hidden"
    assert api_client(alice).get(f"/api/rounds/{round.pk}/leaderboard/").status_code == 200


def test_a_frozen_leaderboard_stops_changing_for_the_public(alice, charlie, dan, round, clock):
    _finish(charlie, round, 2)
    Round.objects.filter(pk=round.pk).update(freeze_at=NOW + timedelta(minutes=30))
    clock.move_to(NOW + timedelta(hours=1))
    _finish(dan, round, 5)
    public = api_client(charlie).get(f"/api/rounds/{round.pk}/leaderboard/").json()
    assert public["mode"] == "frozen" and public["frozen_at"] == "2026-03-10T03:30:00.000+00:00"
    assert public["participants"] == 1 and [e["correct_count"] for e in public["top"]] == [2]
    assert public["me"] == {"rank": 1}
    staff = api_client(alice).get(f"/api/rounds/{round.pk}/leaderboard/").json()
    assert staff["mode"] == "live" and staff["participants"] == 2


# --- an early close reaches the page --------------------------------------------------------------


def test_saves_and_the_attempt_carry_the_deadline_the_server_enforces(alice, charlie_api, round, clock):
    data = started(charlie_api, round)
    own_deadline = data["deadline"]
    position, token = data["questions"][0]["position"], data["questions"][0]["options"][0]["id"]
    response = send(charlie_api, "put", answer_url(data["attempt_id"], position), {"choices": [token]})
    assert response.json()["deadline"] == own_deadline

    clock.shift(timedelta(minutes=1))
    closing.close_round(actor=alice, round=round)  # the organiser ends the round now
    closed = iso(NOW + timedelta(minutes=1))
    response = send(charlie_api, "put", answer_url(data["attempt_id"], position), {"choices": []})
    assert (response.status_code, response.json()["deadline"]) == (200, closed)
    assert send(charlie_api, "get", f"/api/attempts/{data['attempt_id']}/").json()["deadline"] == closed


def test_the_attempt_shows_the_rounds_close_when_it_comes_before_its_own_deadline(charlie_api, round):
    data = started(charlie_api, round)
    Round.objects.filter(pk=round.pk).update(closes_at=NOW + timedelta(minutes=2))  # deadlines untouched
    assert Attempt.objects.get(pk=data["attempt_id"]).deadline > NOW + timedelta(minutes=2)
    detail = send(charlie_api, "get", f"/api/attempts/{data['attempt_id']}/").json()
    assert detail["deadline"] == iso(NOW + timedelta(minutes=2))
