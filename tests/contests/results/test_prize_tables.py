"""Prize tables per scope (contest or one round, every block or one block)
saved through the real page, and no template reading a variable named
`block` (Django's own {% block %} tag puts its BlockNode there)."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from contests.models import Block, PrizeTable
from contests.results import selectors as award_selectors
from contests.results import services as awards
from contests.results import tables
from contests.results.tables import TierData
from contests.rules import prizes as award_rules
from tests.builders import make_contest
from tests.contests.results.conftest import AFTER_CLOSE, entry, make_round, person
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def prizes_url(contest):
    return reverse("contests:award-prizes", kwargs={"contest_id": contest.pk})


def tiers_of(table):
    return [(t.name, t.count) for t in table.tiers.all()]


def scope_of(client, contest, **query):
    """The hidden scope inputs of the page's save form, as the browser would post them."""
    body = client.get(prizes_url(contest), query, **EN).content.decode()
    form = body[body.index('<form method="post"') :]
    return dict(re.findall(r'<input type="hidden" name="(round|block)" value="([^"]*)">', form))


def posted(scope, *, tiers=(("Giải Nhất", 1), ("Giải Nhì", 2)), **options):
    data = {
        **scope,
        "tiers-TOTAL_FORMS": str(len(tiers) + 1),
        "tiers-INITIAL_FORMS": "0",
        "exclude_staff": "on",
        "require_complete_profile": "on",
        "boundary_ties": "board",
        f"tiers-{len(tiers)}-name": "",
    }
    for n, (name, count) in enumerate(tiers):
        data[f"tiers-{n}-name"] = name
        data[f"tiers-{n}-count"] = str(count)
    return data | options


@pytest.fixture
def contest_wide(contest):
    return tables.save_prize_table(actor=None, contest=contest, tiers=[TierData("Giải chung", 3)])


# --- the scope survives the round trip -------------------------------------------------------------


def test_it_saves_a_blocks_table_and_leaves_the_contests_table_alone(
    client, contest, contest_wide, blocks, alice
):
    block = blocks["cbccvc"]
    scope = scope_of(login(client, alice), contest, block=block.pk)
    assert scope == {"round": "", "block": str(block.pk)}
    response = client.post(
        prizes_url(contest), posted(scope, tiers=[("Nhất khối", 1), ("Nhì khối", 2)]), **EN
    )
    assert response.status_code == 302
    contest_wide.refresh_from_db()
    assert tiers_of(contest_wide) == [("Giải chung", 3)]
    own = PrizeTable.objects.get(contest=contest, round=None, block=block)
    assert tiers_of(own) == [("Nhất khối", 1), ("Nhì khối", 2)]
    assert PrizeTable.objects.count() == 2


def test_it_saves_a_rounds_table_and_leaves_the_contests_table_alone(
    client, contest, contest_wide, round1, alice
):
    scope = scope_of(login(client, alice), contest, round=round1.pk)
    assert scope == {"round": str(round1.pk), "block": ""}
    response = client.post(prizes_url(contest), posted(scope, tiers=[("Nhất tuần", 1)]), **EN)
    assert response.status_code == 302
    contest_wide.refresh_from_db()
    assert tiers_of(contest_wide) == [("Giải chung", 3)]
    assert tiers_of(PrizeTable.objects.get(round=round1, block=None)) == [("Nhất tuần", 1)]


def test_it_saves_a_table_for_one_block_of_one_round(client, contest, contest_wide, round1, blocks, alice):
    block = blocks["dan"]
    scope = scope_of(login(client, alice), contest, round=round1.pk, block=block.pk)
    response = client.post(prizes_url(contest), posted(scope, tiers=[("Nhất", 2)]), **EN)
    assert response.status_code == 302
    assert tiers_of(PrizeTable.objects.get(round=round1, block=block)) == [("Nhất", 2)]
    contest_wide.refresh_from_db()
    assert tiers_of(contest_wide) == [("Giải chung", 3)]


def test_it_refuses_a_block_of_another_contest_and_saves_nothing(client, contest, contest_wide, alice, tree):
    other = make_contest(tree["snv"], slug="khac")
    stranger = Block.objects.create(contest=other, name="Khối lạ", code="la", participant_kind="official")
    response = login(client, alice).post(
        prizes_url(contest), posted({"round": "", "block": str(stranger.pk)}), **EN
    )
    assert response.status_code == 400
    assert b"That block is not one of this contest&#x27;s blocks; nothing was saved." in response.content
    assert PrizeTable.objects.count() == 1
    contest_wide.refresh_from_db()
    assert tiers_of(contest_wide) == [("Giải chung", 3)]


def test_it_refuses_a_round_of_another_contest_and_saves_nothing(client, contest, contest_wide, alice, tree):
    other_round = make_round(make_contest(tree["snv"], slug="khac"))
    response = login(client, alice).post(
        prizes_url(contest), posted({"round": str(other_round.pk), "block": ""}), **EN
    )
    assert response.status_code == 400
    assert b"That round is not one of this contest&#x27;s rounds; nothing was saved." in response.content
    assert PrizeTable.objects.count() == 1


# --- the page says which scope it edits -------------------------------------------------------------


def test_it_names_the_block_and_carries_it_in_the_form(client, contest, blocks, alice):
    block = blocks["cbccvc"]
    body = login(client, alice).get(prizes_url(contest), {"block": block.pk}, **EN).content.decode()
    heading = re.search(r'<h2 id="scope-heading">(.*?)</h2>', body, re.S).group(1)
    assert "content" not in heading
    assert "Every round" in heading and "Block “CBCCVC”" in heading
    assert f'<input type="hidden" name="block" value="{block.pk}">' in body
    assert '<input type="hidden" name="round" value="">' in body
    assert f'<option value="{block.pk}" selected>' in body


def test_it_names_the_round_and_every_block(client, contest, round1, alice):
    body = login(client, alice).get(prizes_url(contest), {"round": round1.pk}, **EN).content.decode()
    heading = re.search(r'<h2 id="scope-heading">(.*?)</h2>', body, re.S).group(1)
    assert "Round “Tuần 1”" in heading and "every block" in heading
    assert f'<input type="hidden" name="round" value="{round1.pk}">' in body
    assert '<input type="hidden" name="block" value="">' in body


def test_the_board_names_its_block(client, round1, blocks):
    block = blocks["dan"]
    body = client.get(
        reverse("contests:board-round", kwargs={"round_id": round1.pk}), {"block": block.pk}, **EN
    ).content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", body, re.S).group(1)
    assert heading == "Tuần 1 · Người dân"
    assert f"?block={block.pk}&amp;screen=1" in body  # the big-screen link keeps the block
    assert f'href="?block={block.pk}" aria-current="page"' in body


def test_the_block_form_names_its_block(client, contest, blocks, alice):
    block = blocks["dan"]
    body = (
        login(client, alice)
        .get(reverse("contests:organize-block-edit", kwargs={"contest_id": contest.pk, "block_id": block.pk}))
        .content.decode()
    )
    assert re.search(r"<title>(.*?)</title>", body, re.S).group(1).startswith("Người dân · ")


# --- no template reads a variable named `block` -----------------------------------------------------

TAG = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# `block` as a name (not an attribute like `p.block`, not `block_id`), other than {{ block.super }}.
NAMED_BLOCK = re.compile(r"(?<![\w.])block\b(?!\.super\b)")


def block_reads(text):
    """[(line, tag)] of the tags of a template that read or set a variable `block`."""
    found = []
    for match in TAG.finditer(text):
        inside = (match.group(1) or match.group(2)).strip()
        if match.group(2) is not None and re.match(r"(end)?block\b", inside):
            continue  # {% block name %} / {% endblock %}: the tag itself
        if inside.startswith("regroup"):  # {% regroup awards by block as … %}: an attribute of each
            inside = re.sub(r"\bby\s+\S+", "", inside)
        if NAMED_BLOCK.search(QUOTED.sub('""', inside)):
            found.append((text.count("\n", 0, match.start()) + 1, match.group(0)))
    return found


def test_the_scan_finds_what_it_should():
    assert block_reads("{% block content %}{{ block.super }}{% endblock %}") == []
    assert block_reads("{{ p.block.name }}{% url 'x' block_id=b.pk %}{% translate 'block' %}") == []
    assert block_reads("{% regroup awards by block as by_block %}") == []
    assert len(block_reads("{% block title %}{{ block.name }}{% endblock %}")) == 1
    assert len(block_reads("<input value=\"{{ block.pk|default:'' }}\">")) == 1
    assert len(block_reads("{% if block %}x{% endif %}{% for block in blocks %}{% endfor %}")) == 2
    assert len(block_reads('{% include "x.html" with block=b %}')) == 1


def test_no_template_reads_a_variable_named_block():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    offenders = [
        f"{path.relative_to(root)}:{line}: {tag}"
        for root in roots
        for path in sorted(root.rglob("*.html"))
        for line, tag in block_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- a minimum for a prize ------------------------------------------------------------------------


def test_it_saves_the_minimum_from_the_page(client, contest, blocks, alice):
    block = blocks["cbccvc"]
    scope = scope_of(login(client, alice), contest, block=block.pk)
    data = posted(scope, min_score="80", require_all_correct="on")
    assert client.post(prizes_url(contest), data, **EN).status_code == 302
    table = PrizeTable.objects.get(block=block)
    assert (table.min_score, table.require_all_correct) == (Decimal(80), True)
    body = client.get(prizes_url(contest), {"block": block.pk}, **EN).content.decode()
    assert 'name="min_score" value="80.00"' in body
    assert "An entry below it gets no prize, whatever its rank" in body  # the help text


@pytest.mark.parametrize("value", ["120", "-5", "100.01"])
def test_it_refuses_a_minimum_score_outside_0_to_100_and_saves_nothing(client, contest, alice, value):
    scope = scope_of(login(client, alice), contest)
    response = client.post(prizes_url(contest), posted(scope, min_score=value), **EN)
    assert response.status_code == 400
    assert b"The minimum score for a prize is a percentage from 0 to 100." in response.content
    assert not PrizeTable.objects.exists()


def test_it_says_so_in_vietnamese(client, contest, alice):
    scope = scope_of(login(client, alice), contest)
    response = client.post(prizes_url(contest), posted(scope, min_score="120"), HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    assert "Điểm tối thiểu để được giải là một tỉ lệ phần trăm từ 0 đến 100." in response.content.decode()
    assert not PrizeTable.objects.exists()


def test_the_service_refuses_a_bad_minimum_with_the_other_problems_and_saves_nothing(contest):
    with pytest.raises(awards.AwardError) as error:
        tables.save_prize_table(actor=None, contest=contest, tiers=[TierData("", 1)], min_score=Decimal(101))
    assert error.value.messages == [
        "Prize 1 needs a name.",
        "The minimum score for a prize is a percentage from 0 to 100.",
    ]
    with pytest.raises(awards.AwardError):
        tables.save_prize_table(actor=None, contest=contest, tiers=[TierData("Nhất", 1)], min_score=-1)
    assert not PrizeTable.objects.exists()


def test_the_database_refuses_a_minimum_score_over_100(contest):
    with pytest.raises(IntegrityError), transaction.atomic():
        PrizeTable.objects.create(contest=contest, min_score=Decimal("100.50"))


@pytest.fixture
def low_alone(contest, round1, blocks, officials, citizen):
    """5/20 alone in the officials' block; 18/20 and 19/20 among the citizens; Nhất and Nhì, 80 % needed."""
    t = round1.opens_at + timedelta(hours=1)
    entry(round1, officials[0], correct=5, block=blocks["cbccvc"], prediction=3, finished_at=t)
    entry(round1, citizen, correct=18, block=blocks["dan"], prediction=3, finished_at=t)
    other = person("dan2@example.vn", kind=User.Kind.CITIZEN)
    entry(round1, other, correct=19, block=blocks["dan"], prediction=3, finished_at=t)
    tables.save_prize_table(
        actor=None,
        contest=contest,
        tiers=[TierData("Giải Nhất", 1), TierData("Giải Nhì", 1)],
        min_score=Decimal(80),
    )
    with time_machine.travel(AFTER_CLOSE, tick=False):
        awards.finalise_round(round=round1, now=AFTER_CLOSE)
    return officials[0], citizen, other


def test_an_entry_below_the_minimum_alone_in_its_block_gets_no_prize(round1, blocks, low_alone):
    low, citizen, other = low_alone
    by_block = {p.block: p for p in award_selectors.propose_awards(award_selectors.current_result(round1))}
    officials_block = by_block[blocks["cbccvc"]].proposal
    assert officials_block.awards == []
    assert [(x.candidate.user_id, x.reason) for x in officials_block.passed_over] == [
        (low.pk, award_rules.REASON_BELOW_MINIMUM)
    ]
    assert (officials_block.places, officials_block.filled) == (2, 0)
    citizens_block = by_block[blocks["dan"]].proposal
    assert [(a.candidate.user_id, a.tier.name) for a in citizens_block.awards] == [
        (other.pk, "Giải Nhất"),
        (citizen.pk, "Giải Nhì"),
    ]


def test_the_results_page_says_why(client, contest, round1, alice, low_alone):
    low, _citizen, _other = low_alone
    body = (
        login(client, alice)
        .get(reverse("contests:award-round", kwargs={"contest_id": contest.pk, "round_id": round1.pk}), **EN)
        .content.decode()
    )
    officials_part = body[body.index("<h3>CBCCVC</h3>") : body.index("<h3>Người dân</h3>")]
    assert "Nobody to award." in officials_part
    assert f"{low.full_name} (rank 1): below the minimum: needs 80%" in officials_part
    assert "A prize needs at least 80%" in officials_part
    assert "2 places stay empty" in officials_part
    overview = client.get(reverse("contests:award-contest", kwargs={"contest_id": contest.pk}), **EN)
    assert "A prize needs at least 80%" in overview.content.decode()
