"""Load the demo agencies, people, question bank and contest (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import demo as accounts_demo
from contests.results import demo as award_demo
from contests.setup import demo as contests_demo
from questionbank import demo as questionbank_demo

# Each app's loader, in dependency order. Later apps append theirs here.
LOADERS = [accounts_demo.load, questionbank_demo.load, contests_demo.load, award_demo.load]


class Command(BaseCommand):
    help = "Load demo data (safe to run again). Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even when DEBUG is off")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has known passwords; refusing with DEBUG off (use --force).")
        logins = []
        for loader in LOADERS:
            logins += loader() or []
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Demo logins:"))
        for email, password in logins:
            self.stdout.write(f"  {email:32}  {password}")
