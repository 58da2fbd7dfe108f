# Winner checks and the complaint window (verifiable results, point 9): a
# publication's complaint window in days, and the identity checks of its winners.

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0007_result_versions_constraints"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WinnerCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("matched", models.BooleanField(verbose_name="matches the CCCD on file")),
                ("checked_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("note", models.TextField(blank=True, verbose_name="note")),
            ],
            options={
                "verbose_name": "identity check of a winner",
                "verbose_name_plural": "identity checks of winners",
                "ordering": ["award", "-checked_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="publication",
            name="complaint_days",
            field=models.PositiveSmallIntegerField(
                default=0,
                validators=[django.core.validators.MaxValueValidator(60)],
                verbose_name="complaint window (days)",
            ),
        ),
        migrations.AddConstraint(
            model_name="publication",
            constraint=models.CheckConstraint(
                condition=models.Q(("complaint_days__lte", 60)), name="publication_complaint_days_max"
            ),
        ),
        migrations.AddField(
            model_name="winnercheck",
            name="award",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="checks", to="contests.award"
            ),
        ),
        migrations.AddField(
            model_name="winnercheck",
            name="checked_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
