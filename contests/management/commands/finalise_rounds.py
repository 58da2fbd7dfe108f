"""Finalise every closed round that has no results yet (run periodically,
e.g. every few minutes by deploy/thitimhieu-finalise-rounds.timer).

Idempotent and safe on several hosts at once: a round is finalised once (its
row is locked while it is computed and the version number is unique); a round
whose attempts the server is still finalising is skipped and tried next time.
"""

from django.core.management.base import BaseCommand

from contests.results import services as awards


class Command(BaseCommand):
    help = "Finalise closed rounds that are not finalised yet."

    def handle(self, *args, **options):
        done, skipped = awards.finalise_closed_rounds()
        for result in done:
            self.stdout.write(
                f"finalised round {result.round_id}: {result.entries} standings, sha256 {result.sha256}"
            )
        for round_id, problems in skipped.items():
            self.stdout.write(f"skipped round {round_id}: {' '.join(problems)}")
