"""The reports tests build on the results tests' fixtures (a contest of 2021
with its blocks, round 1, officials and a citizen), which override
tests/contests/conftest.py's `contest` and `english` here as in results/."""

from tests.contests.results.conftest import (  # noqa: F401 (fixtures)
    blocks,
    citizen,
    contest,
    english,
    officials,
    round1,
)
