"""Demo ranking rules and prize table for the demo contest (`manage.py
load_demo`), as its rules text (contests.setup.demo.RULES_TEXT) states them:
more correct answers, then the prediction's error (participants counted per
block; over and under equal), then the duration, then the submission time;
per round and block Nhất 1, Nhì 2, Ba 3, Khuyến khích 10. Idempotent."""

from decimal import Decimal

from contests.models import Contest, PrizeTable
from contests.results import tables
from contests.rules import chain
from contests.setup.demo import SLUG


def load():
    contest = Contest.objects.filter(slug=SLUG).first()
    if contest is None:
        return []
    if not contest.result_policies.filter(round__isnull=True).exists():
        tables.save_result_policy(
            actor=None,
            contest=contest,
            chain_criteria=[chain.CORRECT, chain.PREDICTION, chain.DURATION, chain.SUBMITTED],
            equal_error=chain.EQUAL,
            counts=chain.COUNT_PERSONS,
            scope=chain.SCOPE_BLOCK,
            valid_only=True,
        )
    if not PrizeTable.objects.filter(contest=contest, round__isnull=True, block__isnull=True).exists():
        tables.save_prize_table(
            actor=None,
            contest=contest,
            tiers=[
                tables.TierData("Giải Nhất", 1, Decimal(2_000_000), 10),
                tables.TierData("Giải Nhì", 2, Decimal(1_500_000), 8),
                tables.TierData("Giải Ba", 3, Decimal(1_000_000), 6),
                tables.TierData("Giải Khuyến khích", 10, Decimal(500_000), 4),
            ],
            exclude_staff=True,
            require_complete_profile=True,
            boundary_ties=PrizeTable.BoundaryTies.BOARD,
        )
    return []
