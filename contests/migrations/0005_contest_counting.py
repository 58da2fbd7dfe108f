# Contest counting rules: sub-agency people for their parent agency (issue: verifiable results, point 6).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0004_prize_tables"),
    ]

    operations = [
        migrations.AddField(
            model_name="contest",
            name="count_subagencies",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Off: each agency counts only its own people against its own headcount. On: an agency's "
                    "participants include those of every agency below it, against its headcount plus those of "
                    "its active sub-agencies."
                ),
                verbose_name="count the people of sub-agencies for their parent agency",
            ),
        ),
    ]
