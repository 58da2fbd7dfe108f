"""Round pages: dates entered in Asia/Ho_Chi_Minh, draw rules as an inline
formset, validation messages on the page, previews."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contests.models import Attempt, Round
from contests.setup import services
from contests.setup.forms import RoundForm
from contests.setup.services import RuleData
from tests.contests.setup.builders_org import make_round
from tests.factories import PASSWORD

pytest_plugins = ["tests.contests.setup.fixtures_org"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_english")]


@pytest.fixture
def client_alice(client, alice):
    assert client.login(email=alice.email, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def round_data(rules=(), **overrides):
    """POST data of the round form; `rules` are (topic, count, block, difficulty)."""
    data = {
        "number": "1",
        "title": "Tuần 1",
        "opens_at": "2021-05-03T00:00",
        "closes_at": "2021-05-09T23:59:59",
        "questions_per_attempt": "10",
        "time_limit_minutes": "20",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "max_attempts": "3",
        "max_attempts_per_day": "",
        "counting": "best",
        "prediction_target": "participants",
        "prediction_required": "on",
        "explanations": "after_close",
        "freeze_at": "",
        "rules-TOTAL_FORMS": str(len(rules) + 1),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "50",
    }
    for i, (topic, count, block, difficulty) in enumerate(rules):
        data[f"rules-{i}-topic"] = str(topic.pk)
        data[f"rules-{i}-count"] = str(count)
        data[f"rules-{i}-block"] = str(block.pk) if block else ""
        data[f"rules-{i}-difficulty"] = difficulty
    # The last form is an untouched extra row.
    data.update({f"rules-{len(rules)}-{k}": "" for k in ("topic", "count", "block", "difficulty")})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def create_url(contest):
    return reverse("contests:organize-round-create", kwargs={"contest_id": contest.pk})


def edit_url(round):
    return reverse(
        "contests:organize-round-edit", kwargs={"contest_id": round.contest_id, "round_id": round.pk}
    )


def test_it_creates_a_round_with_its_draw_rules(client_alice, org_contest, org_bank):
    officials = org_contest.blocks.get(code="cbccvc")
    data = round_data(
        rules=[(org_bank["tthc"], 7, None, ""), (org_bank["cong-vu"], 3, officials, "easy")],
        blocks=[str(officials.pk)],
    )
    response = client_alice.post(create_url(org_contest), data)
    round = Round.objects.get()
    assert response.status_code == 302 and response["Location"] == edit_url(round)
    assert list(round.blocks.all()) == [officials]
    assert sorted((r.topic.code, r.count, r.block_id, r.difficulty) for r in round.draw_rules.all()) == [
        ("cong-vu", 3, officials.pk, "easy"),
        ("tthc", 7, None, ""),
    ]


def test_times_are_entered_in_vietnam_time(client_alice, org_contest, org_bank):
    client_alice.post(create_url(org_contest), round_data(rules=[(org_bank["tthc"], 10, None, "")]))
    round = Round.objects.get()
    assert round.opens_at == datetime(2021, 5, 2, 17, 0, tzinfo=UTC)
    assert round.closes_at == datetime(2021, 5, 9, 16, 59, 59, tzinfo=UTC)
    page = client_alice.get(edit_url(round)).content.decode()
    assert 'type="datetime-local"' in page
    assert 'value="2021-05-03T00:00:00"' in page and 'value="2021-05-09T23:59:59"' in page


def test_the_form_ignores_the_active_time_zone(org_contest):
    with timezone.override("UTC"):
        form = RoundForm(round_data(), contest=org_contest)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["opens_at"] == datetime(2021, 5, 2, 17, 0, tzinfo=UTC)


def test_a_bad_date_is_a_form_error(client_alice, org_contest):
    response = client_alice.post(create_url(org_contest), round_data(opens_at="3/5/2021 lúc 0 giờ"))
    assert "Enter a valid date/time." in response.content.decode()
    assert not Round.objects.exists()


def test_service_errors_show_on_the_page_and_nothing_is_saved(client_alice, org_contest):
    make_round(org_contest, number=1)
    response = client_alice.post(
        create_url(org_contest),
        round_data(number="2", opens_at="2021-05-08T00:00", closes_at="2021-05-07T00:00"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The round must close after it opens." in page
    assert org_contest.rounds.count() == 1


def test_an_overlap_is_explained_on_the_page(client_alice, org_contest):
    make_round(org_contest, number=1)
    response = client_alice.post(create_url(org_contest), round_data(number="2", opens_at="2021-05-09T00:00"))
    assert "Round 1 (“Tuần 1”) is open at the same time for block “CBCCVC”" in response.content.decode()
    assert org_contest.rounds.count() == 1


def test_the_limits_are_checked_on_the_form(client_alice, org_contest):
    response = client_alice.post(
        create_url(org_contest), round_data(time_limit_minutes="181", questions_per_attempt="0")
    )
    page = response.content.decode()
    assert "Ensure this value is less than or equal to 180." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert not Round.objects.exists()


def test_editing_replaces_and_deletes_rules(client_alice, org_ready_contest, org_bank):
    round = org_ready_contest.rounds.get()
    page = client_alice.get(edit_url(round)).content.decode()
    assert 'name="rules-TOTAL_FORMS" value="4"' in page  # two rules + two blank rows
    data = round_data(
        rules=[(org_bank["tthc"], 10, None, ""), (org_bank["cong-vu"], 4, None, "")],
        title="Tuần 1 (sửa)",
    )
    data.update({"rules-INITIAL_FORMS": "2", "rules-1-DELETE": "on"})
    assert client_alice.post(edit_url(round), data).status_code == 302
    round.refresh_from_db()
    assert round.title == "Tuần 1 (sửa)"
    assert [(r.topic.code, r.count) for r in round.draw_rules.all()] == [("tthc", 10)]


def test_a_published_round_must_stay_drawable(client_alice, alice, org_ready_contest, org_bank):
    services.publish_contest(actor=alice, contest=org_ready_contest)
    round = org_ready_contest.rounds.get()
    data = round_data(
        rules=[(org_bank["tthc"], 13, None, ""), (org_bank["cong-vu"], 4, None, "")],
        questions_per_attempt="13",
    )
    data.update({"rules-INITIAL_FORMS": "2", "rules-1-DELETE": "on"})
    page = client_alice.post(edit_url(round), data).content.decode()
    assert "Rule “13 × Cải cách thủ tục hành chính”: only 12 approved questions, 1 short." in page
    round.refresh_from_db()
    assert round.questions_per_attempt == 10
    assert sorted((r.topic.code, r.count) for r in round.draw_rules.all()) == [("cong-vu", 4), ("tthc", 6)]


def test_the_round_page_lists_what_is_missing(client_alice, org_contest, org_bank):
    round = make_round(org_contest, rules=[RuleData(topic=org_bank["cong-vu"], count=8)])
    page = client_alice.get(edit_url(round)).content.decode()
    assert "This round cannot draw its questions yet:" in page
    assert "the draw rules give 8 questions but an attempt has 10." in page
    assert "only 5 approved questions, 3 short." in page


def test_topics_show_how_many_questions_they_offer(client_alice, org_contest):
    page = client_alice.get(create_url(org_contest)).content.decode()
    assert "Cải cách thủ tục hành chính (12)" in page
    assert "Cơ chế một cửa (4)" in page


def test_the_new_round_page_suggests_the_next_week(client_alice, org_contest):
    make_round(org_contest, number=1)
    page = client_alice.get(create_url(org_contest)).content.decode()
    assert 'name="number" value="2"' in page
    assert 'value="2021-05-10T00:00:00"' in page and 'value="2021-05-16T23:59:59"' in page


def test_it_deletes_a_round(client_alice, org_ready_contest):
    round = org_ready_contest.rounds.get()
    url = reverse(
        "contests:organize-round-delete", kwargs={"contest_id": org_ready_contest.pk, "round_id": round.pk}
    )
    assert "The round has been deleted." in client_alice.post(url, follow=True).content.decode()
    assert not Round.objects.exists()


# --- preview ---------------------------------------------------------------------------------


def preview_url(round):
    return reverse(
        "contests:organize-round-preview", kwargs={"contest_id": round.contest_id, "round_id": round.pk}
    )


def test_a_round_that_cannot_draw_is_not_previewed(client_alice, org_contest):
    round = make_round(org_contest)
    page = client_alice.post(preview_url(round), follow=True).content.decode()
    assert "This round cannot be previewed yet:" in page
    assert not Attempt.objects.exists()


def test_a_preview_opens_the_quiz_as_a_participant_would(client_alice, alice, org_ready_contest):
    round = org_ready_contest.rounds.get()
    citizens = org_ready_contest.blocks.get(code="nguoi-dan")
    response = client_alice.post(preview_url(round), {"block": str(citizens.pk)})
    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contests:quiz", kwargs={"attempt_id": attempt.pk})
    assert (attempt.user, attempt.is_preview, attempt.block, attempt.question_count) == (
        alice,
        True,
        citizens,
        10,
    )


def test_a_draft_can_be_previewed_outside_the_round_window(client_alice, org_ready_contest):
    round = org_ready_contest.rounds.get()
    assert org_ready_contest.status == "draft" and round.closes_at < timezone.now()  # May 2021
    assert client_alice.post(preview_url(round)).status_code == 302
    assert Attempt.objects.get().is_preview


def test_a_block_outside_the_round_is_refused(client_alice, org_contest, org_bank):
    officials, citizens = org_contest.blocks.order_by("position")
    round = make_round(org_contest, blocks=[officials], rules=[RuleData(topic=org_bank["tthc"], count=10)])
    page = client_alice.post(preview_url(round), {"block": str(citizens.pk)}, follow=True).content.decode()
    assert "Choose a block of this round." in page
    assert not Attempt.objects.exists()
