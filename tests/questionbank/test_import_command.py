"""`manage.py import_questions`: the same import for scripts."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from questionbank import importers
from questionbank.models import Question

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "questionbank"


def run(*args):
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("import_questions", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_file(alice, topics):
    out, _err = run(
        FIXTURES / "good.xlsx",
        "--agency",
        "snv",
        "--author",
        "ALICE@example.vn",
        "--topic",
        "tthc",
        "--shared",
    )
    assert "Imported 4 question(s) as drafts." in out
    assert Question.objects.filter(sharing="shared", status="draft", author=alice).count() == 4


def test_it_prints_every_error_and_imports_nothing(alice, topics):
    with pytest.raises(CommandError, match=r"Nothing imported: 2 error\(s\)\."):
        run(FIXTURES / "bad_aiken.txt", "--agency", "snv", "--author", alice.email, "--topic", "tthc")
    assert Question.objects.count() == 0


def test_errors_go_to_stderr(alice, topics):
    err = StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command(
            "import_questions",
            str(FIXTURES / "one_bad_row.xlsx"),
            "--agency=snv",
            f"--author={alice.email}",
            "--topic=tthc",
            stderr=err,
        )
    assert "Row 4, column I (Đáp án đúng): 2 options are marked correct" in err.getvalue()


def test_dry_run_writes_nothing(alice, topics):
    out, _err = run(FIXTURES / "good_gift.txt", "--agency", "snv", "--author", alice.email, "--dry-run")
    assert "Dry run: 4 question(s) are ready to import" in out and Question.objects.count() == 0


def test_the_format_may_be_forced(alice, topics, tmp_path):
    path = tmp_path / "questions.dat"
    path.write_bytes((FIXTURES / "good_aiken.txt").read_bytes())
    out, _err = run(path, "--agency", "snv", "--author", alice.email, "--topic", "tthc", "--format", "aiken")
    assert "Imported 2 question(s)" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--agency", "nope", "--author", "alice@example.vn"], "No agency has the code 'nope'."),
        (["--agency", "snv", "--author", "nobody@example.vn"], "No user has the e-mail address"),
        (
            ["--agency", "snv", "--author", "alice@example.vn", "--topic", "nope"],
            "No topic has the code 'nope'.",
        ),
        (["--agency", "snv", "--author", "bob@example.vn"], "You may not add questions for this agency."),
    ],
)
def test_it_refuses_bad_arguments(args, message, alice, bob, topics):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run(FIXTURES / "good.xlsx", *args)
    assert Question.objects.count() == 0


def test_a_missing_file_is_a_clear_error(alice):
    with pytest.raises(CommandError, match="Cannot read"):
        run("/nonexistent/q.xlsx", "--agency", "snv", "--author", alice.email)


def test_an_oversized_file_is_refused_before_reading(alice, tmp_path, monkeypatch):
    monkeypatch.setattr(importers.common, "MAX_BYTES", 10)
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 11)
    with pytest.raises(CommandError, match="larger than"):
        run(path, "--agency", "snv", "--author", alice.email)
