"""Importing a question file: check every row, then insert all or nothing.

The same checks serve the two-step upload (preview, then confirm) and the
`import_questions` command. Rules per question are `rules.check_question`;
this module adds what needs the database (topics, duplicates in the owner's
scope) and what needs the whole file (duplicate rows), and names the row and
column of every problem. The insert is a handful of bulk statements, not a
`create_question` call per row.
"""

import gc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency
from questionbank import importers, rules, selectors
from questionbank.importers import Issue, Place
from questionbank.models import ImportBatch, Option, Question, QuestionVersion, StatusChange, Tag, Topic
from questionbank.services import PermissionDenied
from questionbank.text import dedup_key, search_text

# Abandoned previews are removed after this long.
BATCH_LIFETIME = timedelta(days=1)
PREVIEW_ROWS = 20
_CHUNK = 500  # keys per duplicate query; bulk insert batch size


class ImportFileError(Exception):
    """Nothing was imported; `issues` says why (each names its row and column)."""

    def __init__(self, issues):
        if isinstance(issues, str):
            issues = [Issue(issues)]
        self.issues = list(issues)
        super().__init__("; ".join(str(i) for i in self.issues[:5]))


@dataclass
class ReadyRow:
    row: importers.Row
    data: rules.QuestionData  # cleaned
    topic: Topic | None

    @property
    def correct_letters(self):
        return ", ".join(chr(65 + i) for i, o in enumerate(self.data.options) if o.is_correct)

    @property
    def kind_label(self):
        return dict(Question.Kind.choices).get(self.data.kind, self.data.kind)

    @property
    def difficulty_label(self):
        return dict(Question.Difficulty.choices).get(self.data.difficulty, self.data.difficulty)


@dataclass
class Report:
    """The outcome of checking a file: what would be imported and every problem."""

    file_format: str
    rows: list = field(default_factory=list)  # ReadyRow, one per question in the file
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors and bool(self.rows)

    @property
    def total(self):
        return len(self.rows)

    @property
    def rows_with_errors(self):
        return len({i.place.line for i in self.errors if i.place and i.place.line is not None})

    @property
    def first_rows(self):
        return self.rows[:PREVIEW_ROWS]

    def counts(self, attribute):
        """[(label, count)] by "kind", "difficulty" or "topic"."""
        if attribute == "topic":
            counter = Counter(r.topic.name if r.topic else "—" for r in self.rows)
        elif attribute == "kind":
            labels = dict(Question.Kind.choices)
            counter = Counter(str(labels.get(r.data.kind, r.data.kind)) for r in self.rows)
        else:
            labels = dict(Question.Difficulty.choices)
            counter = Counter(str(labels.get(r.data.difficulty, r.data.difficulty)) for r in self.rows)
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


@contextmanager
def _gc_paused():
    """Reading and inserting 5,000 rows allocates a few hundred thousand short-lived objects
    (XML elements, cells, rows, model instances); Python's cyclic collector, triggered every
    700 allocations, then takes about a quarter of the CPU time (bench/bench_question_import.py)
    while finding almost nothing: reference counting frees all of it. It is paused for the
    duration and restored after, whatever happens."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- checking -----------------------------------------------------------------


def check_file(*, content, file_name, owner_agency, file_format="", default_topic=None):
    """Read and check a file without writing anything. Returns a Report."""
    with _gc_paused():
        return _check_file(
            content=content,
            file_name=file_name,
            owner_agency=owner_agency,
            file_format=file_format,
            default_topic=default_topic,
        )


def _check_file(*, content, file_name, owner_agency, file_format, default_topic):
    parsed = importers.read_file(content=content, file_name=file_name, file_format=file_format)
    report = Report(
        file_format=parsed.file_format, errors=list(parsed.errors), warnings=list(parsed.warnings)
    )
    if parsed.errors:
        return report
    topics = _TopicIndex()
    first_seen = {}  # dedup key → place of the first row with it
    keys = {}
    for row in parsed.rows:
        report.warnings.extend(row.warnings)
        errors = list(row.errors)
        data = rules.QuestionData(
            kind=row.kind,
            text=row.text,
            options=[
                rules.OptionData(text, correct)
                for text, correct in zip(row.options, row.correct, strict=True)
            ],
            difficulty=row.difficulty,
            explanation=row.explanation,
            legal_basis=row.legal_basis,
            tags=row.tags,
        ).cleaned()
        # One problem per cell: what the reader already reported there is not repeated.
        reported = {issue.place for issue in row.errors}
        for field_name, message in rules.check_question(data):
            place = _place_of(field_name, message, row, data)
            if place not in reported:
                errors.append(Issue(message, place))
        topic = None
        if row.topic:
            topic = topics.find(row.topic)
            if topic is None:
                errors.append(Issue(_("Unknown topic “%(code)s”.") % {"code": row.topic}, _topic_place(row)))
        elif default_topic is not None:
            topic = default_topic
        else:
            errors.append(
                Issue(
                    _("No topic: fill in the topic code, or choose a default topic when uploading."),
                    _topic_place(row),
                )
            )
        if any(len(tag) > 60 for tag in row.tags):
            report.warnings.append(Issue(_("Tags are cut to 60 characters."), row.place("tags")))
        if any(importers.has_html(t) for t in (data.text, data.explanation, *(o.text for o in data.options))):
            report.warnings.append(
                Issue(
                    _("The text contains HTML tags; they are shown as typed, not as formatting."),
                    row.place("text"),
                )
            )
        if data.text:
            key = dedup_key(data.text)
            if key in first_seen:
                errors.append(Issue(_same_as(first_seen[key]), row.place("text")))
            else:
                first_seen[key] = row.place("text")
                keys[key] = row
        report.errors.extend(errors)
        report.rows.append(ReadyRow(row=row, data=data, topic=topic))
    for key in _existing_keys(keys, owner_agency):
        report.errors.append(
            Issue(
                _(
                    "A question with the same text is already in the bank (for this agency, above it, below it, or shared)."
                ),
                keys[key].place("text"),
            )
        )
    report.errors.sort(key=lambda i: i.place.line if i.place and i.place.line else 0)
    return report


def _same_as(place):
    if place.cell:
        return _("The same question as row %(row)d.") % {"row": place.line}
    return _("The same question as on line %(line)d.") % {"line": place.line}


def _topic_place(row):
    if "topic" in row.places or row.table:
        return row.place("topic")
    return Place(row.line, "", _("topic"))


def _place_of(field_name, message, row, data):
    """Which cell a `rules.check_question` problem belongs to."""
    if field_name != "options":
        return row.place(field_name)
    correct = sum(1 for o in data.options if o.is_correct)
    about_correct = {
        _("No option is marked correct."),
        _("%(count)d options are marked correct; a single-choice question has exactly one.")
        % {"count": correct},
    }
    if message in about_correct:
        return row.place("correct")
    for n in range(1, len(data.options) + 1):
        if message in (
            _("Option %(n)d is empty.") % {"n": n},
            _("Option %(n)d is longer than %(max)d characters.") % {"n": n, "max": rules.MAX_OPTION},
        ):
            return row.place(f"option{n}")
    return row.place("option1")


class _TopicIndex:
    """Topics by code, then by name (GIFT categories may carry a name). One query."""

    def __init__(self):
        self.by_code, self.by_name = {}, {}
        for topic in Topic.objects.only("id", "code", "name", "path"):
            self.by_code[topic.code.lower()] = topic
            self.by_name.setdefault(importers.clean_value(topic.name).casefold(), topic)

    def find(self, value):
        value = importers.clean_value(value)
        return self.by_code.get(value.lower()) or self.by_name.get(value.casefold())


def _scope(owner_agency):
    """The questions a new question of `owner_agency` must not repeat (as selectors.duplicates_of)."""
    return (
        Q(sharing=Question.Sharing.SHARED)
        | Q(owner_agency_id__in=owner_agency.ancestor_ids)
        | Q(owner_agency__path__startswith=owner_agency.path)
    )


def _existing_keys(keys, owner_agency):
    found = set()
    key_list = list(keys)
    for start in range(0, len(key_list), _CHUNK):
        chunk = key_list[start : start + _CHUNK]
        found.update(
            Question.objects.filter(dedup_key__in=chunk)
            .filter(_scope(owner_agency))
            .exclude(status=Question.Status.RETIRED)
            .values_list("dedup_key", flat=True)
        )
    return [key for key in key_list if key in found]


# --- inserting ------------------------------------------------------------------


def _insert(*, actor, owner_agency, sharing, report):
    """Bulk-create the checked rows as drafts. Caller holds the transaction."""
    with _gc_paused():
        return _insert_rows(actor=actor, owner_agency=owner_agency, sharing=sharing, ready=report.rows)


def _insert_rows(*, actor, owner_agency, sharing, ready):
    tag_names = sorted({name for r in ready for name in r.data.tags})
    tags = _tags(tag_names)
    questions = [
        Question(
            owner_agency=owner_agency,
            topic=r.topic,
            kind=r.data.kind,
            difficulty=r.data.difficulty,
            sharing=sharing,
            status=Question.Status.DRAFT,
            author=actor,
            text=r.data.text,
            search_text=search_text(r.data.text, r.data.legal_basis, " ".join(r.data.tags)),
            dedup_key=dedup_key(r.data.text),
        )
        for r in ready
    ]
    Question.objects.bulk_create(questions, batch_size=_CHUNK)
    versions = [
        QuestionVersion(
            question=question,
            number=1,
            kind=r.data.kind,
            text=r.data.text,
            explanation=r.data.explanation,
            legal_basis=r.data.legal_basis,
            created_by=actor,
        )
        for question, r in zip(questions, ready, strict=True)
    ]
    QuestionVersion.objects.bulk_create(versions, batch_size=_CHUNK)
    # The many small rows (about 4 options, 2 tags and a status change per question) go in as
    # plain parameter lists: building 35,000 model instances cost more than the database did.
    _insert_many(
        Option,
        ["version", "position", "text", "image", "is_correct"],
        [
            (version.pk, position, option.text, "", option.is_correct)
            for version, r in zip(versions, ready, strict=True)
            for position, option in enumerate(r.data.options, start=1)
        ],
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    _insert_many(
        StatusChange,
        ["question", "from_status", "to_status", "actor", "comment", "created_at"],
        [(question.pk, "", Question.Status.DRAFT, actor.pk, "", now) for question in questions],
    )
    ids = [q.pk for q in questions]
    first_version = QuestionVersion.objects.filter(question=OuterRef("pk"), number=1).values("pk")[:1]
    for start in range(0, len(ids), _CHUNK * 4):
        Question.objects.filter(pk__in=ids[start : start + _CHUNK * 4]).update(
            current_version=Subquery(first_version)
        )
    links = []
    for question, r in zip(questions, ready, strict=True):
        tag_ids = {tags[name.casefold()].pk for name in r.data.tags}
        links.extend((question.pk, tag_id) for tag_id in sorted(tag_ids))
    _insert_many(Question.tags.through, ["question", "tag"], links)
    return len(questions)


def _insert_many(model, field_names, rows):
    """Insert rows (tuples in `field_names` order) without building model instances:
    PostgreSQL's COPY (its bulk-load path, several times faster than INSERTs), else executemany."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in field_names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(field_names))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        for start in range(0, len(rows), _CHUNK * 10):
            cursor.executemany(sql, rows[start : start + _CHUNK * 10])


def _tags(names):
    """Tags by case-folded name, reusing one that differs only by case (as services does),
    creating the missing ones. Concurrent imports may race: conflicts are ignored."""
    found = {}
    for pk, name in Tag.objects.order_by("pk").values_list("pk", "name"):
        found.setdefault(name.casefold(), Tag(pk=pk, name=name))
    missing = {}
    for name in names:
        if name.casefold() not in found:
            missing.setdefault(name.casefold(), name)
    if missing:
        Tag.objects.bulk_create(
            [Tag(name=n) for n in missing.values()], ignore_conflicts=True, batch_size=_CHUNK
        )
        created = list(missing.values())
        for start in range(0, len(created), _CHUNK):
            for tag in Tag.objects.filter(name__in=created[start : start + _CHUNK]):
                found.setdefault(tag.name.casefold(), tag)
    return found


def _check_permission(*, actor, owner_agency):
    if not selectors.agencies_for_new_questions(user=actor).filter(pk=owner_agency.pk).exists():
        raise PermissionDenied(_("You may not add questions for this agency."))


def _lock_agency(owner_agency):
    """Imports into one agency run one at a time, so two files cannot both pass the duplicate check."""
    Agency.objects.select_for_update().filter(pk=owner_agency.pk).first()


# --- the two-step upload -----------------------------------------------------------


@transaction.atomic
def create_batch(
    *,
    actor,
    owner_agency,
    file_name,
    content,
    file_format="",
    default_topic=None,
    sharing=Question.Sharing.PRIVATE,
):
    """Keep an uploaded file for preview and confirm. Raises ImportFileError or PermissionDenied."""
    _check_permission(actor=actor, owner_agency=owner_agency)
    if importers.is_too_big(len(content)):
        raise ImportFileError(importers.size_error())
    file_format = file_format or importers.detect_format(file_name, content)
    if file_format not in importers.FORMATS:
        raise ImportFileError(importers.unsupported_type_error(file_name))
    delete_stale_batches()
    return ImportBatch.objects.create(
        owner=actor,
        owner_agency=owner_agency,
        default_topic=default_topic,
        sharing=sharing,
        file_format=file_format,
        file_name=(file_name or "")[-255:],
        content=content,
    )


def preview_batch(*, batch):
    """Check a kept file against the database as it is now. Writes nothing."""
    return check_file(
        content=bytes(batch.content),
        file_name=batch.file_name,
        file_format=batch.file_format,
        owner_agency=batch.owner_agency,
        default_topic=batch.default_topic,
    )


@transaction.atomic
def confirm_batch(*, actor, batch):
    """Import a previewed file, all or nothing. Returns the number of questions created.

    Raises ImportFileError (with every problem) and imports nothing when any
    row is bad, or when the batch was already imported.
    """
    batch = (
        ImportBatch.objects.select_for_update(of=("self",))
        .select_related("owner_agency", "default_topic")
        .get(pk=batch.pk)
    )
    if batch.owner_id != actor.pk:
        raise PermissionDenied(_("This import belongs to someone else."))
    if batch.imported_at is not None:
        raise ImportFileError(_("This file has already been imported."))
    _check_permission(actor=actor, owner_agency=batch.owner_agency)
    _lock_agency(batch.owner_agency)
    report = preview_batch(batch=batch)
    if not report.ok:
        raise ImportFileError(report.errors or [Issue(_("The file has no questions."))])
    count = _insert(actor=actor, owner_agency=batch.owner_agency, sharing=batch.sharing, report=report)
    batch.imported_at = timezone.now()
    batch.imported_count = count
    batch.content = b""  # the questions are in the bank now; the file is not kept
    batch.save(update_fields=["imported_at", "imported_count", "content"])
    return count


@transaction.atomic
def cancel_batch(*, actor, batch):
    """Drop a file that was previewed but not imported."""
    if batch.owner_id != actor.pk:
        raise PermissionDenied(_("This import belongs to someone else."))
    ImportBatch.objects.filter(pk=batch.pk, imported_at__isnull=True).delete()


def delete_stale_batches(*, now=None):
    """Remove previews abandoned for longer than BATCH_LIFETIME. Returns how many."""
    cutoff = (now or timezone.now()) - BATCH_LIFETIME
    deleted, _details = ImportBatch.objects.filter(imported_at__isnull=True, created_at__lt=cutoff).delete()
    return deleted


# --- one step (the management command) -----------------------------------------------


@transaction.atomic
def import_file(
    *,
    actor,
    owner_agency,
    file_name,
    content,
    file_format="",
    default_topic=None,
    sharing=Question.Sharing.PRIVATE,
    dry_run=False,
):
    """Check and import a file in one go. Returns the Report (nothing written on dry run).

    Raises ImportFileError with every problem, and imports nothing, when any row is bad.
    """
    _check_permission(actor=actor, owner_agency=owner_agency)
    if not dry_run:
        _lock_agency(owner_agency)
    report = check_file(
        content=content,
        file_name=file_name,
        file_format=file_format,
        owner_agency=owner_agency,
        default_topic=default_topic,
    )
    if not report.ok:
        raise ImportFileError(report.errors or [Issue(_("The file has no questions."))])
    if not dry_run:
        _insert(actor=actor, owner_agency=owner_agency, sharing=sharing, report=report)
    return report
