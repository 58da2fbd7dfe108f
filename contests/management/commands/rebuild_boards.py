"""Refill the Redis live standings from the database (the source of truth)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contests.live import events, standings
from contests.live import hub as live
from contests.models import Round


class Command(BaseCommand):
    help = "Rebuild the Redis standings of one round (--round) or of every round."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, dest="round_id", help="only this round id")

    def handle(self, *args, round_id=None, **options):
        if not settings.REDIS_URL:
            self.stdout.write("REDIS_URL is not set: the database backend reads the database directly.")
            return
        rounds = Round.objects.all()
        if round_id is not None:
            rounds = rounds.filter(pk=round_id)
            if not rounds.exists():
                raise CommandError(f"No round with id {round_id}.")
        backend = standings.RedisStandings()
        for round in rounds.iterator():
            count = backend.rebuild_round(round_id=round.pk)
            live.bump(events.round_scope(round.pk))
            self.stdout.write(f"round {round.pk}: {count} standings")
