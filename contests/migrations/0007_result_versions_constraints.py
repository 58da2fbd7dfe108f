# Result versions, second step: the constraints, once 0006 has filled the
# new columns (on PostgreSQL a table cannot be altered in the transaction that
# just updated its rows).

from django.db import migrations, models

import contests.rules.codes


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0006_result_versions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attempt",
            name="entry_code",
            field=models.CharField(
                default=contests.rules.codes.new_entry_code,
                editable=False,
                max_length=12,
                unique=True,
                verbose_name="entry code",
            ),
        ),
        migrations.AddConstraint(
            model_name="publication",
            constraint=models.UniqueConstraint(
                fields=("round", "version"), name="publication_unique_version"
            ),
        ),
        migrations.AlterField(
            model_name="award",
            name="code",
            field=models.CharField(max_length=20),
        ),
        migrations.AddConstraint(
            model_name="award",
            constraint=models.UniqueConstraint(
                fields=("publication", "code"), name="award_code_once_per_publication"
            ),
        ),
        migrations.AddIndex(
            model_name="award",
            index=models.Index(fields=["code", "-id"], name="award_code_idx"),
        ),
    ]
