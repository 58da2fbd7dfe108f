# Contest counting rules: sub-agency people for their parent agency (issue: verifiable results, point 6).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0004_prize_tables"),
    ]

    operations = []
