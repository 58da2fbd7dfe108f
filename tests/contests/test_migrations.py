"""Upgrading keeps the data: a database at the migrations deployed today, with a
row in every contests table, is migrated to the newest migrations and every
row reads back the same. The models and the migrations agree.

DEPLOYED is the last migration of each of the project's apps today (the last
file of accounts/, questionbank/ and contests/migrations/). While no newer
migration exists the upgrade is empty and the test checks the rows and the
model state; once one is added it runs on this data. Move DEPLOYED forward
(and fill any new table in `fill`) after a release has migrated production.
"""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

DEPLOYED = [
    ("accounts", "0001_initial"),
    ("questionbank", "0002_question_search_trigram"),
    ("contests", "0003_round_closed_early"),
]

T = datetime(2021, 5, 3, 1, 2, 3, 456789, tzinfo=UTC)


def fill(apps):
    """One row (at least) in every contests table, through the historical models of `apps`."""
    Agency = apps.get_model("accounts", "Agency")
    User = apps.get_model("accounts", "User")
    Topic = apps.get_model("questionbank", "Topic")
    Question = apps.get_model("questionbank", "Question")
    QuestionVersion = apps.get_model("questionbank", "QuestionVersion")

    def model(name):
        return apps.get_model("contests", name)

    agency = Agency.objects.create(name="Sở Nội vụ", code="snv", kind="department", path="/1/", headcount=60)
    user = User.objects.create(
        email="cc@example.vn", password="!", full_name="Nguyễn Văn A", kind="official", agency=agency
    )
    topic = Topic.objects.create(name="Cải cách thủ tục hành chính", code="tthc", path="/1/")
    question = Question.objects.create(owner_agency=agency, topic=topic, text="Câu hỏi?", status="approved")
    version = QuestionVersion.objects.create(question=question, number=1, kind="single", text="Câu hỏi?")
    question.current_version = version
    question.save(update_fields=["current_version"])

    contest = model("Contest").objects.create(
        owner_agency=agency,
        title="Cuộc thi tìm hiểu CCHC 2021",
        slug="cchc-2021",
        description="Mô tả",
        rules_text="## Thể lệ",
        banner="banners/cchc.png",
        status="published",
        audience_officials=True,
        audience_citizens=True,
        join_code="CCHC",
        min_age=18,
        exclude_staff=False,
        leaderboard="frozen",
        leaderboard_freeze_at=T + timedelta(days=5),
        name_display="full",
        created_by=user,
        published_at=T,
    )
    contest.audience_agencies.add(agency)
    block = model("Block").objects.create(
        contest=contest, name="CBCCVC", code="cbccvc", participant_kind="official", position=1
    )
    block.agencies.add(agency)
    round = model("Round").objects.create(
        contest=contest,
        number=1,
        title="Tuần 1",
        opens_at=T,
        closes_at=T + timedelta(days=7),
        questions_per_attempt=1,
        time_limit_minutes=15,
        shuffle_questions=False,
        shuffle_options=False,
        must_answer_all=True,
        max_attempts=3,
        max_attempts_per_day=2,
        counting="first",
        prediction_target="participants",
        prediction_decimal=True,
        prediction_required=False,
        explanations="after_submit",
        freeze_at=T + timedelta(days=6),
        closed_early_at=T + timedelta(days=6, hours=1),
        closed_early_by=user,
    )
    round.blocks.add(block)
    model("DrawRule").objects.create(round=round, block=block, topic=topic, difficulty="easy", count=1)
    attempt = model("Attempt").objects.create(
        round=round,
        block=block,
        user=user,
        number=1,
        status="submitted",
        started_at=T + timedelta(hours=1),
        deadline=T + timedelta(hours=1, minutes=15),
        finished_at=T + timedelta(hours=1, minutes=1),
        duration_ms=61_234,
        question_count=1,
        answered_count=1,
        correct_count=1,
        score=Decimal("100.00"),
        prediction=Decimal("1234.5678"),
        counted=True,
        live_score=987_654_321_012,
    )
    model("AttemptQuestion").objects.create(
        attempt=attempt,
        position=1,
        version=version,
        choices=[{"t": "k3J9", "o": 1}, {"t": "x7Qa", "o": 2}],
        selected=[1],
        answered_at=T + timedelta(hours=1, seconds=30),
        is_correct=True,
    )
    policy = {"chain": ["score", "prediction", "duration", "submitted"], "equal_error": "under_first"}
    model("ResultPolicy").objects.create(
        contest=contest,
        round=round,
        chain=["score", "duration"],
        equal_error="under_first",
        prediction_counts="attempts",
        prediction_scope="block",
        prediction_valid_only=False,
        updated_by=user,
    )
    result = model("RoundResult").objects.create(
        round=round,
        version=1,
        reason="finalised",
        policy=policy,
        prediction_actual={"overall": "1"},
        disqualified=[],
        sha256="a" * 64,
        entries=1,
        unresolved_ties=1,
        created_by=user,
        created_at=T + timedelta(days=8),
        duration_ms=42,
    )
    standing = model("Standing").objects.create(
        result=result,
        block=block,
        position=1,
        rank=1,
        user=user,
        attempt=attempt,
        score=Decimal("100.00"),
        correct_count=1,
        question_count=1,
        duration_ms=61_234,
        started_at=T + timedelta(hours=1),
        finished_at=T + timedelta(hours=1, minutes=1),
        prediction=Decimal("1234.5678"),
        prediction_error=Decimal("1233.5678"),
        tied=True,
        board_order=1,
        record_json='{"rank":1,"user":1}',
    )
    model("Disqualification").objects.create(
        round=round,
        user=user,
        reason="Thi hộ",
        created_by=user,
        created_at=T + timedelta(days=9),
        result=result,
    )
    model("TieDecision").objects.create(
        round=round,
        block=block,
        user_ids=[user.pk],
        note="Biên bản họp ban tổ chức",
        decided_by=user,
        decided_at=T + timedelta(days=9),
        based_on=result,
        result=result,
    )
    table = model("PrizeTable").objects.create(
        contest=contest,
        round=round,
        block=block,
        one_per_contest=True,
        exclude_staff=False,
        require_complete_profile=False,
        boundary_ties="higher",
    )
    model("PrizeTier").objects.create(
        table=table, position=1, name="Giải Nhất", count=1, amount=Decimal(2_000_000), points=10
    )
    publication = model("Publication").objects.create(
        round=round,
        result=result,
        sha256="b" * 64,
        published_by=user,
        published_at=T + timedelta(days=10),
        note="Quyết định số 1",
    )
    model("Award").objects.create(
        publication=publication,
        round=round,
        block=block,
        user=user,
        standing=standing,
        rank=1,
        tier_position=1,
        tier_name="Giải Nhất",
        amount=Decimal(2_000_000),
        points=10,
        code="CCHC-0001-XYZ",
        emailed_at=T + timedelta(days=10, hours=1),
    )
    prize = model("CollectivePrize").objects.create(
        contest=contest,
        name="Giải tập thể khối sở",
        agency_kind="department",
        formula="rate_score",
        rate_mode="cumulative",
        rate_weight=Decimal("2.00"),
        other_weight=Decimal("0.50"),
        min_rate=Decimal("50.00"),
        require_mandatory=True,
        require_prize=True,
    )
    prize.agencies.add(agency)
    prize.rounds.add(round)
    prize.mandatory_people.add(user)
    model("CollectiveTier").objects.create(
        prize=prize, position=1, name="Giải Nhất", count=1, amount=Decimal(5_000_000)
    )
    model("CollectiveQuota").objects.create(
        prize=prize, position="leader", min_count=1, min_percent=Decimal("50.00")
    )
    model("CollectivePublication").objects.create(
        prize=prize,
        rows=[{"agency": agency.pk, "rank": 1, "rate": "100.00"}],
        sha256="c" * 64,
        published_by=user,
        published_at=T + timedelta(days=11),
    )


def contests_tables(apps):
    """Every contests model of `apps`, the many-to-many tables included."""
    return list(apps.get_app_config("contests").get_models(include_auto_created=True))


def rows(model, fields):
    return list(model.objects.order_by("pk").values(*fields))


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_from_the_deployed_migrations_keeps_every_row():
    nodes = MigrationExecutor(connection).loader.graph.nodes
    assert [node for node in DEPLOYED if node not in nodes] == [], "a deployed migration is gone"
    try:
        executor = migrate(DEPLOYED)
        old = executor.loader.project_state(DEPLOYED).apps
        fill(old)

        tables = contests_tables(old)
        assert {m._meta.db_table for m in tables} == {
            name for name in connection.introspection.table_names() if name.startswith("contests_")
        }
        before = {}
        for model in tables:
            fields = [f.attname for f in model._meta.concrete_fields]
            before[model._meta.model_name] = (fields, rows(model, fields))
            assert before[model._meta.model_name][1], f"no row in {model._meta.db_table}"

        head = MigrationExecutor(connection).loader.graph.leaf_nodes()
        executor = migrate(head)
        new = executor.loader.project_state(head).apps
        for name, (fields, expected) in before.items():
            assert rows(new.get_model("contests", name), fields) == expected, name
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"the models have changes without a migration:\n{out.getvalue()}")
