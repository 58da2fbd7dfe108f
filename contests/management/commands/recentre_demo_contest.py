"""Move the demo contest's rounds so that round 2 is the current week."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contests.setup import demo


class Command(BaseCommand):
    help = "Re-centre the demo contest's weekly rounds on today (round 2 = this week)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("This changes demo data; refusing with DEBUG off (use --force).")
        contest = demo.recentre_dates()
        if contest is None:
            raise CommandError("The demo contest is not loaded; run `manage.py load_demo` first.")
        for round in contest.rounds.order_by("number"):
            self.stdout.write(
                f"  {round.title:10} {round.opens_at:%Y-%m-%d %H:%M} → {round.closes_at:%Y-%m-%d %H:%M} UTC"
            )
