# Result versions: public entry codes, tie seeds, award codes per publication,
# numbered publications with their bundle (issue: verifiable results).

from django.db import migrations, models

import contests.rules.codes


def give_entry_codes(apps, schema_editor):
    """A public code for every existing attempt, in batches."""
    Attempt = apps.get_model("contests", "Attempt")
    pending = Attempt.objects.filter(entry_code__isnull=True).order_by("pk")
    while True:
        batch = list(pending.only("pk")[:5000])
        if not batch:
            break
        for attempt in batch:
            attempt.entry_code = contests.rules.codes.new_entry_code()
        Attempt.objects.bulk_update(batch, ["entry_code"])


def number_publications(apps, schema_editor):
    """Existing publications of a round numbered 1, 2, … in the order they were made."""
    Publication = apps.get_model("contests", "Publication")
    number, last_round = 0, None
    for publication in Publication.objects.order_by("round_id", "published_at", "id"):
        number = 1 if publication.round_id != last_round else number + 1
        last_round = publication.round_id
        if publication.version != number:
            publication.version = number
            publication.save(update_fields=["version"])


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0005_contest_counting"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="entry_code",
            field=models.CharField(editable=False, max_length=12, null=True, verbose_name="entry code"),
        ),
        migrations.RunPython(give_entry_codes, migrations.RunPython.noop),
        migrations.AddField(
            model_name="roundresult",
            name="seed",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="publication",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="publication",
            name="bundle",
            field=models.TextField(blank=True, help_text="The canonical results.json, exactly as hashed."),
        ),
        migrations.RunPython(number_publications, migrations.RunPython.noop),
    ]
