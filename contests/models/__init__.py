"""Every model of the contests app, by noun. Django loads this module, so it
re-exports them all: `from contests.models import Contest` works everywhere."""

from contests.models.attempt import Attempt, AttemptQuestion
from contests.models.check import WinnerCheck
from contests.models.collective import CollectivePrize, CollectivePublication, CollectiveQuota, CollectiveTier
from contests.models.contest import Block, Contest, DrawRule, Round
from contests.models.prize import Award, PrizeTable, PrizeTier, Publication
from contests.models.result import Disqualification, ResultPolicy, RoundResult, Standing, TieDecision

__all__ = [
    "Attempt",
    "AttemptQuestion",
    "Award",
    "Block",
    "CollectivePrize",
    "CollectivePublication",
    "CollectiveQuota",
    "CollectiveTier",
    "Contest",
    "Disqualification",
    "DrawRule",
    "PrizeTable",
    "PrizeTier",
    "Publication",
    "ResultPolicy",
    "Round",
    "RoundResult",
    "Standing",
    "TieDecision",
    "WinnerCheck",
]
