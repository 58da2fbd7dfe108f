"""Finalise attempts left open past their deadline. Run it every minute
(cron or a systemd timer); several copies may run at once."""

from django.core.management.base import BaseCommand

from contests.quiz import attempts


class Command(BaseCommand):
    help = "Finalise in-progress attempts past their deadline (plus the grace). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="attempts per batch (default 500)")
        parser.add_argument("--max-batches", type=int, default=100, help="stop after this many batches")

    def handle(self, *args, batch=500, max_batches=100, **options):
        total = 0
        for _batch in range(max_batches):
            done = attempts.finalise_expired(limit=batch)
            total += done
            if done < batch:
                break
        self.stdout.write(f"Finalised {total} expired attempt(s).")
