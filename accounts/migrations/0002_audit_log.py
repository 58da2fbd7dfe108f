"""The audit log (accounts.models.AuditEntry), append-only.

On PostgreSQL a trigger also refuses UPDATE and DELETE of its rows, except an
UPDATE that only clears `actor_id` or `agency_id` (Django's SET_NULL when a
user or an agency is deleted; `actor_name` keeps who it was). TRUNCATE (used
by the test runner's flush) is not a row operation and stays possible for the
database owner. SQLite (the embedded setup) relies on the model's guards.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


FUNCTION = "accounts_auditentry_append_only"
TRIGGER = "accounts_auditentry_append_only_trg"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
               AND (NEW.agency_id IS NULL OR NEW.agency_id = OLD.agency_id)
               AND (to_jsonb(NEW) - 'actor_id' - 'agency_id') = (to_jsonb(OLD) - 'actor_id' - 'agency_id')
            THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$ LANGUAGE plpgsql
        """,
        params=None,  # no placeholders: the % above is plpgsql's
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON accounts_auditentry "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON accounts_auditentry")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='when')),
                ('actor_name', models.CharField(blank=True, max_length=254, verbose_name='who (name)')),
                ('action', models.CharField(max_length=40, verbose_name='action')),
                ('object_type', models.CharField(blank=True, max_length=40, verbose_name='object type')),
                ('object_id', models.CharField(blank=True, max_length=40, verbose_name='object id')),
                ('contest_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='contest id')),
                ('summary', models.TextField(blank=True, verbose_name='summary')),
                ('before', models.JSONField(blank=True, null=True, verbose_name='before')),
                ('after', models.JSONField(blank=True, null=True, verbose_name='after')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
                ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.agency', verbose_name='agency')),
            ],
            options={
                'verbose_name': 'audit entry',
                'verbose_name_plural': 'audit log',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['contest_id', 'at'], name='audit_contest_at_idx'), models.Index(fields=['at'], name='audit_at_idx')],
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
