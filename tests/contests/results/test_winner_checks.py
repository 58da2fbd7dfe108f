"""The complaint window of a publication and the identity check of its
winners (verifiable results, point 9): the organiser types the CCCD number
from the winner's card, the site records match or no match, who and when —
and never keeps, logs or repeats the number."""

import io
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from openpyxl import load_workbook

from accounts import services as account_services
from contests.models import Award, Contest, Disqualification, Publication, WinnerCheck
from contests.results import checks, tables
from contests.results import services as awards
from contests.results.tables import TierData
from tests.contests.results.conftest import AFTER_CLOSE, entry, make_round
from tests.factories import PASSWORD, next_cccd

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REASON = "CCCD does not match at the identity check"


@pytest.fixture(autouse=True)
def _after_close():
    with time_machine.travel(AFTER_CLOSE, tick=False):
        yield


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def url(name, round, **kwargs):
    return reverse(f"contests:{name}", kwargs={"contest_id": round.contest_id, "round_id": round.pk} | kwargs)


def check_url(award):
    return url("award-check", award.round, award_id=award.pk)


@pytest.fixture
def numbers(officials):
    """Each official's CCCD number, set through the accounts service (which keeps only its hash)."""
    out = {}
    for official in officials:
        out[official.pk] = next_cccd(year=1990)
        account_services.update_profile(user=official, cccd=out[official.pk])
    return out


@pytest.fixture
def winners(contest, round1, officials, numbers, alice):
    """Round 1 finalised and published: three prizes, for officials 0, 1 and 2 in that order."""
    t = round1.opens_at + timedelta(hours=1)
    for n, official in enumerate(officials[:4]):
        entry(round1, official, prediction=4, duration_ms=60_000 + n * 1000, finished_at=t)
    tables.save_prize_table(
        actor=None,
        contest=contest,
        tiers=[TierData("Giải Nhất", 1), TierData("Giải Nhì", 1), TierData("Giải Ba", 1, Decimal(500_000))],
    )
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    publication = awards.publish_round(round=round1, actor=alice, now=AFTER_CLOSE)
    return list(Award.objects.filter(publication=publication).order_by("tier_position"))


def spaced(number):
    """The number as someone might type it from the card."""
    return f"{number[:3]} {number[3:6]} {number[6:]}"


# --- the service ------------------------------------------------------------------------------------


def test_it_records_a_match_with_who_and_when(winners, numbers, alice):
    first = winners[0]
    now = AFTER_CLOSE + timedelta(days=1)
    check = checks.check_winner(
        award=first, cccd=spaced(numbers[first.user_id]), actor=alice, now=now, note="tại hội trường"
    )
    assert (check.award, check.matched, check.checked_by, check.checked_at, check.note) == (
        first,
        True,
        alice,
        now,
        "tại hội trường",
    )


def test_it_records_a_mismatch_and_the_latest_check_counts(winners, numbers, alice, round1):
    first = winners[0]
    someone_else = numbers[winners[1].user_id]
    assert not checks.check_winner(award=first, cccd=someone_else, actor=alice).matched
    assert checks.check_label(checks.latest_checks(round1)[first.user_id]) == "No match"
    checks.check_winner(award=first, cccd=numbers[first.user_id], actor=alice)
    assert WinnerCheck.objects.filter(award=first).count() == 2  # both kept
    assert checks.check_label(checks.latest_checks(round1)[first.user_id]) == "Yes"


@pytest.mark.parametrize("typed", ["", "05209000000", "0520900000001", "05209000000A", "999090000001"])
def test_it_refuses_a_malformed_number_and_records_nothing(winners, alice, typed):
    with pytest.raises(awards.AwardError) as error:
        checks.check_winner(award=winners[0], cccd=typed, actor=alice)
    assert error.value.messages == [
        "Type the 12 digits of the CCCD number as printed on the card. Nothing was recorded."
    ]
    assert not WinnerCheck.objects.exists()


def test_it_refuses_a_winner_without_a_cccd_on_file(winners, alice):
    from accounts.models import User

    User.objects.filter(pk=winners[0].user_id).update(cccd_hash=None, cccd_last3="")
    award = Award.objects.get(pk=winners[0].pk)
    with pytest.raises(awards.AwardError) as error:
        checks.check_winner(award=award, cccd=next_cccd(), actor=alice)
    assert error.value.messages == [
        "This winner has no CCCD number on file, so there is nothing to compare the card with."
    ]
    assert not WinnerCheck.objects.exists()


def test_it_lets_only_the_contests_organisers_check(winners, numbers, bob):
    with pytest.raises(PermissionDenied):
        checks.check_winner(award=winners[0], cccd=numbers[winners[0].user_id], actor=bob)
    assert not WinnerCheck.objects.exists()


def test_it_keeps_a_persons_check_across_published_versions(winners, numbers, alice, officials, round1):
    first = winners[0]
    checks.check_winner(award=first, cccd=numbers[first.user_id], actor=alice)
    awards.disqualify(round=round1, user=officials[3], reason="Thi hộ", actor=alice)
    second = awards.publish_round(round=round1, actor=alice)
    assert second.version == 2
    # The prize of version 1 can no longer be checked; the person's check still counts.
    with pytest.raises(awards.AwardError):
        checks.check_winner(award=first, cccd=numbers[first.user_id], actor=alice)
    assert checks.check_label(checks.latest_checks(round1).get(first.user_id)) == "Yes"


# --- the page ---------------------------------------------------------------------------------------------


def test_it_shows_a_check_form_for_each_published_winner(client, winners, alice, round1):
    page = login(client, alice).get(url("award-round", round1), **EN).content.decode()
    for award in winners:
        assert f'action="{check_url(award)}"' in page
    assert page.count('autocomplete="off" inputmode="numeric"') == 3
    assert page.count("Not checked") == 3


def test_it_checks_a_winner_from_the_page(client, winners, numbers, alice, round1):
    first = winners[0]
    response = login(client, alice).post(check_url(first), {"cccd": numbers[first.user_id]}, **EN)
    assert response.status_code == 302
    assert response["Location"] == url("award-round", round1) + f"#check-{first.pk}"
    page = client.get(response["Location"], **EN).content.decode()
    assert "matches the CCCD on file." in page  # the message
    assert "Matches the CCCD on file" in page  # the row
    assert f"checked by {alice.full_name}, 10/05/2021 00:59" in page
    assert WinnerCheck.objects.get().matched


def test_it_offers_the_disqualification_after_a_mismatch(client, winners, numbers, alice, round1):
    first = winners[0]
    login(client, alice)
    response = client.post(check_url(first), {"cccd": numbers[winners[2].user_id]}, follow=True, **EN)
    page = response.content.decode()
    assert "does NOT match the CCCD on file" in page
    assert "Does NOT match" in page
    assert f'action="{url("award-disqualify", round1)}"' in page
    assert f'name="user" value="{first.user_id}"' in page
    assert f">{REASON}</textarea>" in page
    # The prefilled form starts the usual disqualification.
    client.post(url("award-disqualify", round1), {"user": first.user_id, "reason": REASON}, **EN)
    assert Disqualification.objects.get().reason == REASON


def test_it_says_why_nothing_was_recorded(client, winners, alice, round1):
    from accounts.models import User

    User.objects.filter(pk=winners[1].user_id).update(cccd_hash=None)
    login(client, alice)
    page = client.post(check_url(winners[0]), {"cccd": "12345"}, follow=True, **EN).content.decode()
    assert "Type the 12 digits of the CCCD number as printed on the card. Nothing was recorded." in page
    page = client.post(check_url(winners[1]), {"cccd": next_cccd()}, follow=True, **EN).content.decode()
    assert "This winner has no CCCD number on file" in page
    assert not WinnerCheck.objects.exists()


def test_it_never_stores_logs_or_repeats_the_typed_number(client, winners, numbers, alice, caplog):
    caplog.set_level(logging.DEBUG)
    login(client, alice)
    typed = [
        numbers[winners[2].user_id],  # well formed, someone else's: a mismatch
        "999090123456",  # not a province code: refused
        "05209012345",  # 11 digits: refused
    ]
    pages = [
        client.post(check_url(winners[0]), {"cccd": number}, follow=True, **EN).content.decode()
        for number in typed
    ]
    assert WinnerCheck.objects.count() == 1
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for number in typed:
        assert number not in dump.getvalue()
        assert number not in caplog.text
        for page in pages:
            assert number not in page and spaced(number) not in page
    assert "999" not in pages[1]  # not even the digits the validation would have quoted


def test_it_hides_the_typed_number_from_error_reports(rf, alice):
    from django.views.debug import SafeExceptionReporterFilter

    from contests.results.check_views import award_check

    request = rf.post("/", {"cccd": "052090123456"})
    request.user = alice
    with pytest.raises(Http404):  # no such contest; the decorator has marked the request first
        award_check(request, contest_id=0, round_id=0, award_id=0)
    assert SafeExceptionReporterFilter().get_post_parameters(request)["cccd"] != "052090123456"


def test_it_sends_anonymous_visitors_to_the_login_page(client, winners, numbers):
    response = client.post(check_url(winners[0]), {"cccd": numbers[winners[0].user_id]})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not WinnerCheck.objects.exists()


def test_it_refuses_other_organisers_and_other_rounds(client, winners, numbers, bob, alice, contest):
    first = winners[0]
    data = {"cccd": numbers[first.user_id]}
    assert login(client, bob).post(check_url(first), data, **EN).status_code == 403  # public contest
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.DRAFT)
    assert client.post(check_url(first), data, **EN).status_code == 404
    client.logout()
    other = make_round(contest, number=2, week=2)
    wrong = reverse(
        "contests:award-check", kwargs={"contest_id": contest.pk, "round_id": other.pk, "award_id": first.pk}
    )
    assert login(client, alice).post(wrong, data, **EN).status_code == 404
    assert not WinnerCheck.objects.exists()


def test_it_refuses_get(client, winners, alice):
    assert login(client, alice).get(check_url(winners[0]), **EN).status_code == 405


# --- the winners export -------------------------------------------------------------------------------


def _rows(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r and "Identity checked" in r)
    column = rows[header].index("Identity checked")
    return [(r[3], r[column]) for r in rows[header + 1 :]]


def test_it_flags_unchecked_winners_in_the_export(client, winners, numbers, alice, round1, officials):
    checks.check_winner(award=winners[0], cccd=numbers[winners[0].user_id], actor=alice)
    checks.check_winner(award=winners[1], cccd=numbers[winners[0].user_id], actor=alice)
    login(client, alice)
    response = client.get(url("report-winners-xlsx", round1), **EN)
    assert _rows(response) == [
        (officials[0].full_name, "Yes"),
        (officials[1].full_name, "No match"),
        (officials[2].full_name, "Not checked"),
    ]
    pdf = client.get(url("report-winners-pdf", round1), **EN)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


# --- the complaint window ------------------------------------------------------------------------------


def test_it_shows_the_complaint_window_then_final(client, contest, round1, winners, alice):
    publication = Publication.objects.get()
    Publication.objects.filter(pk=publication.pk).update(complaint_days=10)
    publication.refresh_from_db()
    assert publication.final_at == AFTER_CLOSE + timedelta(days=10)
    assert not publication.is_final(AFTER_CLOSE + timedelta(days=10) - timedelta(seconds=1))
    assert publication.is_final(AFTER_CLOSE + timedelta(days=10))
    public = reverse("contests:winners-round", kwargs={"slug": contest.slug, "number": round1.number})
    with time_machine.travel(AFTER_CLOSE + timedelta(days=3), tick=False):
        page = client.get(public, **EN).content.decode()
    assert "Complaints until 20/05/2021 00:59 (the result becomes final then)." in page
    assert "Final since" not in page
    with time_machine.travel(AFTER_CLOSE + timedelta(days=11), tick=False):
        page = client.get(public, **EN).content.decode()
        organiser = login(client, alice).get(url("award-round", round1), **EN).content.decode()
    assert "Final since 20/05/2021 00:59." in page and "Complaints until" not in page
    assert "Final since 20/05/2021 00:59." in organiser


def test_it_shows_no_window_when_there_is_none(client, contest, round1, winners):
    page = client.get(
        reverse("contests:winners-round", kwargs={"slug": contest.slug, "number": round1.number}), **EN
    ).content.decode()
    assert "Complaints until" not in page and "Final since" not in page


@pytest.fixture
def finalised(contest, round1, officials):
    t = round1.opens_at + timedelta(hours=1)
    for n, official in enumerate(officials[:2]):
        entry(round1, official, prediction=2, duration_ms=60_000 + n * 1000, finished_at=t)
    tables.save_prize_table(actor=None, contest=contest, tiers=[TierData("Giải Nhất", 1)])
    return awards.finalise_round(round=round1, now=AFTER_CLOSE)


def test_it_publishes_with_the_complaint_window_chosen(client, finalised, round1, alice):
    login(client, alice)
    assert 'name="complaint_days"' in client.get(url("award-round", round1), **EN).content.decode()
    response = client.post(url("award-publish", round1), {"complaint_days": "15"}, **EN)
    assert response.status_code == 302
    assert Publication.objects.get().complaint_days == 15


@pytest.mark.parametrize("days", ["61", "-1", "abc", "1.5"])
def test_it_refuses_a_complaint_window_out_of_range(client, finalised, round1, alice, days):
    login(client, alice)
    response = client.post(url("award-publish", round1), {"complaint_days": days}, follow=True, **EN)
    assert "The complaint window is a whole number of days from 0 (none) to 60." in response.content.decode()
    assert not Publication.objects.exists() and not Award.objects.exists()


def test_the_service_refuses_a_complaint_window_out_of_range(finalised, round1, alice):
    with pytest.raises(awards.AwardError):
        awards.publish_round(round=round1, actor=alice, complaint_days=61)
    assert not Publication.objects.exists()
    assert awards.publish_round(round=round1, actor=alice, complaint_days=60).complaint_days == 60


def test_it_speaks_vietnamese(client, winners, numbers, alice, round1):
    login(client, alice)
    client.post(check_url(winners[0]), {"cccd": numbers[winners[1].user_id]}, HTTP_ACCEPT_LANGUAGE="vi")
    page = client.get(url("award-round", round1), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Kiểm tra danh tính" in page and "KHÔNG khớp" in page and "Chưa kiểm tra" in page
    assert "Số CCCD không khớp khi kiểm tra danh tính</textarea>" in page
