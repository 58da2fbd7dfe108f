# Prize tables: a minimum for a prize (issue: verifiable results, point 8).

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0003_round_closed_early"),
    ]

    operations = [
        migrations.AddField(
            model_name="prizetable",
            name="min_score",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Empty: no minimum score.",
                max_digits=5,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(100),
                ],
                verbose_name="minimum score for a prize (%)",
            ),
        ),
        migrations.AddField(
            model_name="prizetable",
            name="require_all_correct",
            field=models.BooleanField(default=False, verbose_name="a prize needs every answer correct"),
        ),
        migrations.AddConstraint(
            model_name="prizetable",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("min_score__isnull", True),
                    models.Q(("min_score__gte", 0), ("min_score__lte", 100)),
                    _connector="OR",
                ),
                name="prize_table_min_score_percent",
            ),
        ),
    ]
