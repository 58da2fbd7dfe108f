"""Import agencies from an .xlsx file: name, code, parent code, headcount, kind."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = "Create or update agencies from an .xlsx file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx file")

    def handle(self, *args, path, **options):
        try:
            with open(path, "rb") as fileobj:
                summary = services.import_agencies(fileobj=fileobj)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except services.AgencyImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Nothing imported: {len(exc.errors)} error(s).") from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported: {summary.created} created, {summary.updated} updated.")
        )
