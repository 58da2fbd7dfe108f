# Prize tables: a minimum for a prize (issue: verifiable results, point 8).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0003_round_closed_early"),
    ]

    operations = []
