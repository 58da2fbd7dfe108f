"""Which questions a round may draw, and whether its pools are deep enough."""

import random

from django.db.models import Q
from django.utils.translation import gettext as _

from questionbank import selectors as bank_selectors
from questionbank.models import Topic


def rule_pool(*, rule, agency):
    """Approved, usable questions matching one draw rule (topic subtree, difficulty)."""
    topic_ids = Topic.objects.filter(path__startswith=rule.topic.path).values_list("id", flat=True)
    qs = bank_selectors.usable_questions(agency=agency).filter(topic_id__in=topic_ids)
    if rule.difficulty:
        qs = qs.filter(difficulty=rule.difficulty)
    return qs.filter(current_version__isnull=False)


def rules_for_block(*, round, block):
    """The draw rules that apply to attempts in `block` (block-specific + shared)."""
    rules = list(round.draw_rules.select_related("topic").all())
    specific = [r for r in rules if block is not None and r.block_id == block.pk]
    return specific or [r for r in rules if r.block_id is None]


def shortages(*, round):
    """Human-readable problems: rules whose pool is smaller than their count, and
    blocks whose rules do not add up to the questions per attempt."""
    agency = round.contest.owner_agency
    problems = []
    blocks = list(round.blocks.all()) or list(round.contest.blocks.all()) or [None]
    seen = set()
    for block in blocks:
        rules = rules_for_block(round=round, block=block)
        total = sum(r.count for r in rules)
        label = block.name if block else _("all participants")
        if total != round.questions_per_attempt:
            problems.append(
                _("Block “%(block)s”: the draw rules give %(total)d questions but an attempt has %(n)d.")
                % {"block": label, "total": total, "n": round.questions_per_attempt}
            )
        for rule in rules:
            if rule.pk in seen:
                continue
            seen.add(rule.pk)
            available = rule_pool(rule=rule, agency=agency).count()
            if available < rule.count:
                problems.append(
                    _(
                        "Rule “%(count)d × %(topic)s%(difficulty)s”: only %(available)d approved questions, "
                        "%(missing)d short."
                    )
                    % {
                        "count": rule.count,
                        "topic": rule.topic.name,
                        "difficulty": f" ({rule.difficulty})" if rule.difficulty else "",
                        "available": available,
                        "missing": rule.count - available,
                    }
                )
    return problems


def draw(*, round, block, rng=None):
    """Pick the question versions for a new attempt, rule by rule, without
    repeats. Returns a list of QuestionVersion ids (in draw order)."""
    rng = rng or random.SystemRandom()
    agency = round.contest.owner_agency
    chosen, used_questions = [], set()
    for rule in rules_for_block(round=round, block=block):
        pool = list(
            rule_pool(rule=rule, agency=agency)
            .exclude(Q(pk__in=used_questions))
            .values_list("pk", "current_version_id")
        )
        if len(pool) < rule.count:
            raise ValueError(f"pool too small for rule {rule.pk}: {len(pool)} < {rule.count}")
        for question_id, version_id in rng.sample(pool, rule.count):
            used_questions.add(question_id)
            chosen.append(version_id)
    return chosen
