"""Published versions anyone can re-derive: a correction is a new public
version, publishing it always works, certificates follow it, and the bundle
(results.json) is checked by tools/verify_result.py, standard library only."""

import hashlib
import json
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse

from accounts.models import AuditEntry
from contests.models import Attempt, Award, Publication
from contests.results import selectors as award_selectors
from contests.results import services as awards
from contests.results import tables
from contests.results.tables import TierData
from contests.setup import services as setup
from tests.contests.results.conftest import AFTER_CLOSE, entry, person

sys.path.insert(0, str(Path(settings.BASE_DIR) / "tools"))
import verify_result

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TIERS = [TierData("Giải Nhất", 1, amount=5_000_000), TierData("Giải Nhì", 2, amount=3_000_000)]
LATER = AFTER_CLOSE + timedelta(days=1)


def ranked(round, people):
    """Each person one perfect attempt, the first listed fastest."""
    start = round.opens_at + timedelta(hours=1)
    for n, p in enumerate(people):
        entry(round, p, prediction=len(people), duration_ms=60_000 + n * 1000, finished_at=start)


@pytest.fixture
def published(contest, round1, officials, alice):
    """Version 1 of round 1's winners: Nhất for officials[0], Nhì for [1] and [2]."""
    ranked(round1, officials[:4])
    tables.save_prize_table(actor=None, contest=contest, tiers=TIERS)
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    return awards.publish_round(round=round1, actor=alice, now=AFTER_CLOSE)


def codes_of(publication):
    return {a.user_id: (a.tier_name, a.code) for a in Award.objects.filter(publication=publication)}


def download(client, contest, round, version=None):
    if version is None:
        url = reverse("contests:winners-canonical", kwargs={"slug": contest.slug, "number": round.number})
    else:
        url = reverse(
            "contests:winners-canonical-version",
            kwargs={"slug": contest.slug, "number": round.number, "version": version},
        )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.content


def test_it_publishes_the_version_after_a_disqualification(published, round1, officials, alice):
    before = codes_of(published)
    awards.disqualify(round=round1, user=officials[1], reason="Khai sai thông tin", actor=alice, now=LATER)
    second = awards.publish_round(round=round1, actor=alice, now=LATER)
    assert (published.version, second.version) == (1, 2)
    after = codes_of(second)
    assert set(after) == {officials[0].pk, officials[2].pk, officials[3].pk}
    # A winner who keeps the prize keeps the certificate code; a new winner gets a new one.
    assert after[officials[0].pk] == before[officials[0].pk]
    assert after[officials[2].pk] == before[officials[2].pk]
    assert after[officials[3].pk][0] == "Giải Nhì" and after[officials[3].pk][1] not in {
        code for _tier, code in before.values()
    }
    assert Publication.objects.filter(round=round1).count() == 2  # version 1 stays


def test_the_public_page_follows_the_newest_version_and_keeps_the_history(
    client, published, contest, round1, officials, alice
):
    awards.disqualify(round=round1, user=officials[0], reason="Dùng phần mềm tự động", actor=alice, now=LATER)
    second = awards.publish_round(round=round1, actor=alice, now=LATER)
    page = client.get(
        reverse("contests:winners-round", kwargs={"slug": contest.slug, "number": round1.number}), **EN
    ).content.decode()
    assert "Version 2" in page and second.sha256 in page and published.sha256 in page
    assert "Dùng phần mềm tự động" in page  # what changed, and why
    assert officials[0].full_name not in page.split("What version 2 changed")[0]
    old = client.get(
        reverse(
            "contests:winners-round-version",
            kwargs={"slug": contest.slug, "number": round1.number, "version": 1},
        ),
        **EN,
    )
    assert old.status_code == 200 and "This is an earlier version" in old.content.decode()
    missing = reverse(
        "contests:winners-round-version", kwargs={"slug": contest.slug, "number": round1.number, "version": 3}
    )
    assert client.get(missing).status_code == 404


def test_a_withdrawn_certificate_says_in_which_version_and_why(client, published, round1, officials, alice):
    (_tier, code) = codes_of(published)[officials[0].pk]
    awards.disqualify(round=round1, user=officials[0], reason="Khai sai số CCCD", actor=alice, now=LATER)
    awards.publish_round(round=round1, actor=alice, now=LATER)
    page = client.get(reverse("contests:certificate-verify", kwargs={"code": code}), **EN).content.decode()
    assert "withdrawn in version 2" in page and "Khai sai số CCCD" in page
    kept = codes_of(published)[officials[2].pk][1]  # Nhì in both versions
    page = client.get(reverse("contests:certificate-verify", kwargs={"code": kept}), **EN).content.decode()
    assert "genuine and valid" in page


def test_the_verifier_matches_every_published_version(client, published, contest, round1, officials, alice):
    awards.disqualify(round=round1, user=officials[2], reason="Trùng tài khoản", actor=alice, now=LATER)
    second = awards.publish_round(round=round1, actor=alice, now=LATER)
    for publication in (published, second):
        raw = download(client, contest, round1, publication.version)
        assert verify_result.verify(raw, publication.sha256) == publication.sha256
        bundle = json.loads(raw)
        assert bundle["version"] == publication.version
        assert hashlib.sha256(raw).hexdigest() == publication.sha256
    assert download(client, contest, round1) == second.bundle.encode()
    bundle = json.loads(second.bundle)
    assert bundle["previous"] == {"version": 1, "sha256": published.sha256}
    assert [e["rule"] for e in bundle["excluded"]] == ["disqualified"]
    assert bundle["changes"] and all(c["why"] for c in bundle["changes"])


def test_the_bundle_names_entries_by_code_and_explains_itself(published, round1):
    bundle = json.loads(published.bundle)
    codes = set(Attempt.objects.filter(round=round1).values_list("entry_code", flat=True))
    (block,) = bundle["blocks"]
    assert {e["record"]["entry"] for e in block["entries"]} == codes
    text = published.bundle
    for attempt in Attempt.objects.filter(round=round1):
        assert f'"user":{attempt.user_id}' not in text and f'"attempt":{attempt.pk}' not in text
    assert bundle["ranking"]["chain"] and bundle["ranking"]["in_words"] and bundle["ranking"]["ties"]
    assert bundle["prediction"]["actual"] == {"all": "4"} and bundle["prediction"]["in_words"]
    assert [t["name"] for t in block["prizes"]["tiers"]] == ["Giải Nhất", "Giải Nhì"]
    assert [e["prize"]["name"] for e in block["entries"] if e["prize"]] == [
        "Giải Nhất",
        "Giải Nhì",
        "Giải Nhì",
    ]
    assert block["prizes"]["eligibility"]["exclude_staff_and_authors"] is True


def _tampered(raw, change):
    bundle = json.loads(raw)
    change(bundle)
    return json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_the_verifier_names_the_entry_whose_duration_was_changed(client, published, contest, round1):
    raw = download(client, contest, round1)
    victim = json.loads(raw)["blocks"][0]["entries"][2]["record"]["entry"]

    def slower(bundle):
        for e in bundle["blocks"][0]["entries"]:
            if e["record"]["entry"] == victim:
                e["record"]["duration_ms"] += 1

    with pytest.raises(verify_result.Mismatch, match=victim):
        verify_result.verify(_tampered(raw, slower))


def test_the_verifier_finds_a_moved_prize_a_reordered_list_and_a_foreign_hash(
    client, published, contest, round1
):
    raw = download(client, contest, round1)

    def swap_prizes(bundle):
        entries = bundle["blocks"][0]["entries"]
        entries[0]["prize"], entries[3]["prize"] = entries[3]["prize"], entries[0]["prize"]

    with pytest.raises(verify_result.Mismatch, match="prize|Giải"):
        verify_result.verify(_tampered(raw, swap_prizes))

    def swap_order(bundle):
        entries = bundle["blocks"][0]["entries"]
        entries[0], entries[1] = entries[1], entries[0]

    with pytest.raises(verify_result.Mismatch, match="position 1"):
        verify_result.verify(_tampered(raw, swap_order))
    with pytest.raises(verify_result.Mismatch, match="SHA-256"):
        verify_result.verify(raw, "0" * 64)
    with pytest.raises(verify_result.Mismatch, match="canonical"):
        verify_result.verify(raw + b" ")


def test_the_verifier_script_runs_on_its_own(tmp_path, client, published, contest, round1, capsys):
    path = tmp_path / "results.json"
    path.write_bytes(download(client, contest, round1))
    assert verify_result.main(["verify_result.py", str(path), published.sha256]) == 0
    assert "khớp / matches" in capsys.readouterr().out
    path.write_bytes(path.read_bytes().replace(b'"duration_ms":60000', b'"duration_ms":60001', 1))
    assert verify_result.main(["verify_result.py", str(path)]) == 1
    assert "KHÔNG khớp / does NOT match" in capsys.readouterr().out
    assert verify_result.main(["verify_result.py", str(tmp_path / "missing.json")]) == 2


def test_publishing_needs_a_new_result(published, round1, alice):
    with pytest.raises(awards.AwardError, match="already published"):
        awards.publish_round(round=round1, actor=alice)


@pytest.mark.django_db(transaction=True)
def test_two_publishes_racing_make_one_version(contest, round1, officials, alice):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks (SQLite serialises writers); runs in CI pass 2")
    ranked(round1, officials[:3])
    tables.save_prize_table(actor=None, contest=contest, tiers=TIERS)
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    outcomes, barrier = [], threading.Barrier(2)

    def publish():
        try:
            barrier.wait()
            outcomes.append(awards.publish_round(round=round1, actor=alice).version)
        except awards.AwardError:  # "already published" (in the thread's own language)
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [1, "refused"]
    assert list(Publication.objects.filter(round=round1).values_list("version", flat=True)) == [1]


# --- the same entries, other ids -------------------------------------------------------------------

# (prediction, duration ms, seconds after the first finish, entry code): two full ties.
ENTRIES = [
    (5, 60_000, 0, "AAAAAAAAAA"),
    (5, 60_000, 0, "BBBBBBBBBB"),
    (4, 61_000, 3, "CCCCCCCCCC"),
    (6, 61_000, 3, "DDDDDDDDDD"),
    (9, 59_000, 1, "EEEEEEEEEE"),
]


def _load(round, people, order):
    start = round.opens_at + timedelta(hours=1)
    for index in order:
        prediction, duration, offset, code = ENTRIES[index]
        attempt = entry(
            round,
            people[index],
            prediction=prediction,
            duration_ms=duration,
            finished_at=start + timedelta(seconds=offset),
        )
        Attempt.objects.filter(pk=attempt.pk).update(entry_code=code)


def test_the_same_entries_in_another_order_under_other_ids_give_the_same_bytes(round1, officials, tree):
    _load(round1, officials, range(len(ENTRIES)))
    first = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    first_bytes, first_hash = award_selectors.stored_canonical(first), first.sha256
    first.standings.all().delete()
    first.delete()
    Attempt.objects.filter(round=round1).delete()
    # Other people (other user ids), loaded in reverse after unrelated rows (other attempt ids).
    others = [person(f"khac{n}@example.vn", agency=tree["commune"]) for n in range(len(ENTRIES) + 3)][3:]
    entry(round1, officials[4], preview=True)
    _load(round1, others, reversed(range(len(ENTRIES))))
    again = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    assert again.sha256 == first_hash
    assert award_selectors.stored_canonical(again) == first_bytes
    assert award_selectors.verify_result(again)


# --- no silent re-opening -----------------------------------------------------------------------


def test_a_finalised_round_cannot_be_reopened_or_changed_under_its_results(round1, officials, alice):
    ranked(round1, officials[:2])
    awards.finalise_round(round=round1, now=AFTER_CLOSE)
    with pytest.raises(setup.ContestError) as error:
        setup.update_round(actor=alice, round=round1, closes_at=round1.closes_at + timedelta(days=3))
    assert [field for field, _message in error.value.errors] == ["closes_at"]
    assert "can no longer be re-opened" in error.value.messages[0]
    with pytest.raises(setup.ContestError):
        setup.update_round(actor=alice, round=round1, counting="first")
    round1.refresh_from_db()
    assert round1.closes_at < AFTER_CLOSE and round1.counting == "best"


# --- which attempt counts --------------------------------------------------------------------------


@pytest.mark.parametrize("counting", ["best", "first", "last"])
def test_the_counted_flag_is_the_attempt_the_ranking_used(round1, officials, counting):
    round1.counting = counting
    round1.save(update_fields=["counting"])
    start = round1.opens_at + timedelta(hours=1)
    # Quicker but far from the actual value (3 people) first, slower and exact second.
    for person_ in officials[:3]:
        entry(round1, person_, prediction=50, duration_ms=60_000, finished_at=start)
        entry(round1, person_, prediction=3, duration_ms=90_000, finished_at=start + timedelta(minutes=5))
    result = awards.finalise_round(round=round1, now=AFTER_CLOSE)
    used = set(result.standings.values_list("attempt_id", flat=True))
    assert set(Attempt.objects.filter(round=round1, counted=True).values_list("pk", flat=True)) == used
    numbers = set(Attempt.objects.filter(pk__in=used).values_list("number", flat=True))
    assert numbers == {1 if counting == "first" else 2}


# --- the audit log ---------------------------------------------------------------------------------


def test_every_result_action_is_in_the_audit_log(published, contest, round1, officials, alice):
    tables.save_result_policy(
        actor=alice,
        contest=contest,
        chain_criteria=["score", "prediction", "duration", "submitted"],
        equal_error="equal",
        counts="persons",
        scope="overall",
        valid_only=False,
    )
    awards.disqualify(round=round1, user=officials[0], reason="Khai sai", actor=alice, now=LATER)
    awards.publish_round(round=round1, actor=alice, now=LATER)
    entries = AuditEntry.objects.filter(contest_id=contest.pk).order_by("at", "pk")
    assert [e.action for e in entries] == [
        "prize_table.save",
        "result.finalise",
        "publication.publish",
        "ranking_rules.save",
        "result.disqualify",
        "publication.publish",
    ]
    disqualified = entries.get(action="result.disqualify")
    assert disqualified.actor == alice and disqualified.after["reason"] == "Khai sai"
    assert entries.filter(action="publication.publish").last().after["version"] == 2
    rules = entries.get(action="ranking_rules.save")
    assert rules.after["prediction_valid_only"] is False
    with pytest.raises(awards.AwardError):  # a refused change leaves no entry
        awards.publish_round(round=round1, actor=alice, now=LATER)
    assert AuditEntry.objects.filter(contest_id=contest.pk).count() == 6


def test_every_page_shows_the_full_hash(client, published, contest, round1):
    for name, kwargs in (
        ("contests:winners-contest", {"slug": contest.slug}),
        ("contests:winners-round", {"slug": contest.slug, "number": round1.number}),
    ):
        page = client.get(reverse(name, kwargs=kwargs)).content.decode()
        assert published.sha256 in page, name  # all 64 hex digits, never cut
