"""Block pages: add, edit, delete."""

import pytest
from django.urls import reverse

from contests.models import Attempt, Block
from tests.factories import PASSWORD

pytest_plugins = ["tests.contests.setup.fixtures_org"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_english")]


@pytest.fixture
def client_alice(client, alice):
    assert client.login(email=alice.email, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_it_lists_and_adds_blocks(client_alice, org_contest, tree):
    url = reverse("contests:organize-blocks", kwargs={"contest_id": org_contest.pk})
    assert "Người dân" in client_alice.get(url).content.decode()
    response = client_alice.post(
        url,
        {
            "name": "Khối xã",
            "code": "khoi-xa",
            "participant_kind": "official",
            "agencies": [tree["commune"].pk],
        },
    )
    assert response.status_code == 302
    block = org_contest.blocks.get(code="khoi-xa")
    assert block.position == 3 and list(block.agencies.all()) == [tree["commune"]]


def test_a_duplicate_code_is_refused_on_the_form(client_alice, org_contest):
    url = reverse("contests:organize-blocks", kwargs={"contest_id": org_contest.pk})
    response = client_alice.post(url, {"name": "Trùng", "code": "cbccvc", "participant_kind": ""})
    assert response.status_code == 200
    assert "Another block of this contest uses this code." in response.content.decode()
    assert org_contest.blocks.count() == 2


def test_it_edits_a_block(client_alice, org_contest):
    block = org_contest.blocks.get(code="cbccvc")
    url = reverse("contests:organize-block-edit", kwargs={"contest_id": org_contest.pk, "block_id": block.pk})
    assert 'value="CBCCVC"' in client_alice.get(url).content.decode()
    response = client_alice.post(
        url, {"name": "Cán bộ, công chức", "code": "cbccvc", "participant_kind": "official"}
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.name == "Cán bộ, công chức"


def test_it_deletes_a_block(client_alice, org_contest):
    block = org_contest.blocks.get(code="nguoi-dan")
    url = reverse(
        "contests:organize-block-delete", kwargs={"contest_id": org_contest.pk, "block_id": block.pk}
    )
    assert "The block has been deleted." in client_alice.post(url, follow=True).content.decode()
    assert not Block.objects.filter(pk=block.pk).exists()


def test_a_block_with_attempts_stays(client_alice, charlie, org_ready_contest):
    block = org_ready_contest.blocks.get(code="cbccvc")
    round = org_ready_contest.rounds.get()
    Attempt.objects.create(round=round, block=block, user=charlie, number=1, started_at=round.opens_at)
    url = reverse(
        "contests:organize-block-delete", kwargs={"contest_id": org_ready_contest.pk, "block_id": block.pk}
    )
    assert "already has attempts" in client_alice.post(url, follow=True).content.decode()
    assert Block.objects.filter(pk=block.pk).exists()


def test_a_block_of_another_contest_is_not_found(client_alice, org_contest, tree):
    from tests.contests.setup.builders_org import create_contest

    other = create_contest(tree["snv"], slug="khac")
    block = org_contest.blocks.first()
    url = reverse("contests:organize-block-edit", kwargs={"contest_id": other.pk, "block_id": block.pk})
    assert client_alice.get(url).status_code == 404
