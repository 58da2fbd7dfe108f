"""Import questions from a file (xlsx, csv, Aiken, GIFT), all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Agency, User
from questionbank import importers, importing, services
from questionbank.models import Question, Topic


class Command(BaseCommand):
    help = (
        "Import questions as drafts from an .xlsx, .csv, Aiken or GIFT file. Every problem is printed; "
        "when any row is bad nothing is imported and the exit status is non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file (.xlsx, .csv, or .txt for Aiken / GIFT)")
        parser.add_argument("--agency", required=True, help="code of the agency that will own the questions")
        parser.add_argument(
            "--author", required=True, help="e-mail of the author (must be allowed to add questions)"
        )
        parser.add_argument("--topic", default="", help="code of the topic for rows without one")
        parser.add_argument("--shared", action="store_true", help="share the questions with every agency")
        parser.add_argument(
            "--format",
            dest="file_format",
            default="",
            choices=["", *importers.FORMATS],
            help="default: from the name",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args, path, agency, author, topic, shared, file_format, dry_run, **options):
        owner = Agency.objects.filter(code=agency).first()
        if owner is None:
            raise CommandError(f"No agency has the code {agency!r}.")
        actor = User.objects.filter(email__iexact=author).first()
        if actor is None:
            raise CommandError(f"No user has the e-mail address {author!r}.")
        default_topic = None
        if topic:
            default_topic = Topic.objects.filter(code=topic).first()
            if default_topic is None:
                raise CommandError(f"No topic has the code {topic!r}.")
        file = Path(path)
        try:
            size = file.stat().st_size
            if importers.is_too_big(size):  # refused before reading
                raise CommandError(importers.size_error())
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            report = importing.import_file(
                actor=actor,
                owner_agency=owner,
                file_name=file.name,
                content=content,
                file_format=file_format,
                default_topic=default_topic,
                sharing=Question.Sharing.SHARED if shared else Question.Sharing.PRIVATE,
                dry_run=dry_run,
            )
        except services.PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except importing.ImportFileError as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"Nothing imported: {len(exc.issues)} error(s).") from None
        for issue in report.warnings:
            self.stderr.write(f"warning: {issue}")
        if dry_run:
            self.stdout.write(
                f"Dry run: {report.total} question(s) are ready to import; nothing was written."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {report.total} question(s) as drafts."))
