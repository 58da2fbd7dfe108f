"""Every state change of the question bank."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from questionbank import rules, selectors
from questionbank.images import process_image
from questionbank.models import Option, Question, QuestionVersion, StatusChange, Tag, Topic
from questionbank.text import clean_text, dedup_key, search_text

Status = Question.Status


class QuestionError(Exception):
    """A change that cannot be made; `errors` is a list of (field, message)."""

    def __init__(self, errors):
        if isinstance(errors, str):
            errors = [("", errors)]
        super().__init__("; ".join(message for _field, message in errors))
        self.errors = errors


class PermissionDenied(QuestionError):
    pass


# --- topics -----------------------------------------------------------------


@transaction.atomic
def save_topic(*, topic):
    if topic.parent_id and topic.pk and f"/{topic.pk}/" in Topic.objects.get(pk=topic.parent_id).path:
        raise QuestionError(_("A topic cannot be placed under itself."))
    old_path = Topic.objects.filter(pk=topic.pk).values_list("path", flat=True).first() if topic.pk else ""
    topic.save()
    prefix = Topic.objects.get(pk=topic.parent_id).path if topic.parent_id else "/"
    topic.path = f"{prefix}{topic.pk}/"
    topic.save(update_fields=["path"])
    if old_path and old_path != topic.path:
        for child in Topic.objects.filter(path__startswith=old_path).exclude(pk=topic.pk):
            child.path = topic.path + child.path[len(old_path) :]
            child.save(update_fields=["path"])
    return topic


def create_topic(*, name, code, parent=None, owner_agency=None):
    return save_topic(topic=Topic(name=name, code=code, parent=parent, owner_agency=owner_agency))


# --- questions ----------------------------------------------------------------


def _tags(names):
    """Tags by name, reusing an existing tag that differs only by case."""
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


def _refresh_denormalised(question, version, tag_names):
    question.text = version.text
    question.kind = version.kind
    question.search_text = search_text(version.text, version.legal_basis, " ".join(tag_names))
    question.dedup_key = dedup_key(version.text)


def _save_image(field_file, upload, *, field):
    """Verify, re-encode and store an upload on `field_file`; refusals become QuestionError."""
    try:
        processed = process_image(upload)
    except ValidationError as exc:
        raise QuestionError([(field, message) for message in exc.messages])
    field_file.save(processed.name, processed, save=False)


def _is_upload(image):
    return image is not None and image is not False and not isinstance(image, str)


class _StoredImages:
    """Image names of a version (question and options by position), read once:
    what an edit may keep."""

    def __init__(self, version):
        self.question = version.image.name if version is not None and version.image else ""
        self.options = {o.position: o.image.name for o in version.options.all() if o.image} if version else {}
        self.names = set(self.options.values()) | ({self.question} if self.question else set())


def _set_question_image(version, data, *, stored):
    """The question image is an upload (stored anew), False (none), a stored name
    of the previous version (kept), or None (keep the previous image)."""
    if _is_upload(data.image):
        _save_image(version.image, data.image, field="image")
    elif data.image is False:
        version.image = ""
    elif isinstance(data.image, str):
        if data.image and data.image not in stored.names:
            raise QuestionError([("image", _("The question refers to an unknown image."))])
        version.image = data.image
    else:
        version.image = stored.question


def _write_options(version, data, *, stored):
    """Options of `version`; each image follows the rules of `_set_question_image`,
    None keeping the previous image at the same position."""
    options = []
    for position, option in enumerate(data.options, start=1):
        row = Option(version=version, position=position, text=option.text, is_correct=option.is_correct)
        if _is_upload(option.image):
            _save_image(row.image, option.image, field="options")
        elif isinstance(option.image, str):
            if option.image and option.image not in stored.names:
                raise QuestionError(
                    [("options", _("Option %(n)d refers to an unknown image.") % {"n": position})]
                )
            row.image = option.image
        elif option.image is None:
            row.image = stored.options.get(position, "")
        options.append(row)
    Option.objects.bulk_create(options)


def _write_version(*, question, data, actor, number, keep_images_from=None):
    stored = _StoredImages(keep_images_from)
    version = QuestionVersion(
        question=question,
        number=number,
        kind=data.kind,
        text=data.text,
        explanation=data.explanation,
        legal_basis=data.legal_basis,
        created_by=actor,
    )
    _set_question_image(version, data, stored=stored)
    version.save()
    _write_options(version, data, stored=stored)
    return version


def _validated(data):
    data = data.cleaned()
    errors = rules.check_question(data)
    if errors:
        raise QuestionError(errors)
    return data


def record_status(*, question, to_status, actor, comment=""):
    from_status = question.status
    if from_status == to_status:
        return
    StatusChange.objects.create(
        question=question, from_status=from_status, to_status=to_status, actor=actor, comment=comment
    )
    question.status = to_status


@transaction.atomic
def create_question(
    *, actor, owner_agency, topic, data, sharing=Question.Sharing.PRIVATE, check_permission=True
):
    """Create a draft question with its first version. Raises QuestionError."""
    if (
        check_permission
        and not selectors.agencies_for_new_questions(user=actor).filter(pk=owner_agency.pk).exists()
    ):
        raise PermissionDenied(_("You may not add questions for this agency."))
    data = _validated(data)
    question = Question(
        owner_agency=owner_agency,
        topic=topic,
        difficulty=data.difficulty,
        sharing=sharing,
        author=actor,
        status=Status.DRAFT,
        text=data.text,
    )
    question.save()
    StatusChange.objects.create(question=question, from_status="", to_status=Status.DRAFT, actor=actor)
    version = _write_version(question=question, data=data, actor=actor, number=1)
    question.current_version = version
    _refresh_denormalised(question, version, data.tags)
    question.save()
    question.tags.set(_tags(data.tags))
    return question


def _content_changed(version, data):
    """True when `data` differs from `version` in anything a participant sees or
    a reviewer approved: kind, texts, explanation, legal basis, options, images."""
    if version is None:
        return True
    if (version.kind, version.text, version.explanation, version.legal_basis) != (
        data.kind,
        data.text,
        data.explanation,
        data.legal_basis,
    ):
        return True
    if _image_changed(version.image, data.image):
        return True
    options = list(version.options.all())
    if len(options) != len(data.options):
        return True
    for old, new in zip(options, data.options, strict=True):
        if (old.text, old.is_correct) != (new.text, new.is_correct) or _image_changed(old.image, new.image):
            return True
    return False


def _image_changed(stored, image):
    if image is None:
        return False
    if image is False:
        return bool(stored)
    if isinstance(image, str):
        return image != (stored.name if stored else "")
    return True


@transaction.atomic
def update_question(*, actor, question, data, topic=None, sharing=None, check_permission=True):
    """Edit a question. A version already shown in an attempt is never changed:
    a new version is written instead. A content change sends an approved (or
    in-review) question back to draft; a change of topic, sharing, difficulty or
    tags alone keeps the status and the version."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if check_permission and not selectors.can_edit_question(user=actor, question=question):
        raise PermissionDenied(_("You may not edit this question."))
    if question.status == Status.RETIRED:
        raise QuestionError(_("A retired question cannot be edited; restore it first."))
    data = _validated(data)
    # Lock the version row too: an attempt freezing it (mark_versions_used) waits
    # for this edit, and this edit sees a freeze that committed first.
    current = (
        QuestionVersion.objects.select_for_update().get(pk=question.current_version_id)
        if question.current_version_id
        else None
    )
    if _content_changed(current, data):
        if current is None or current.is_frozen:
            number = (question.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = _write_version(
                question=question, data=data, actor=actor, number=number, keep_images_from=current
            )
        else:
            version = _rewrite_version(current, data, actor)
        question.current_version = version
        if question.status in (Status.APPROVED, Status.REVIEW):
            record_status(question=question, to_status=Status.DRAFT, actor=actor, comment=_("Edited"))
    else:
        version = current
    question.difficulty = data.difficulty
    if topic is not None:
        question.topic = topic
    if sharing is not None:
        question.sharing = sharing
    _refresh_denormalised(question, version, data.tags)
    question.save()
    question.tags.set(_tags(data.tags))
    return question


def _rewrite_version(version, data, actor):
    """Change an unused version in place (no attempt has shown it)."""
    stored = _StoredImages(version)
    version.kind, version.text = data.kind, data.text
    version.explanation, version.legal_basis = data.explanation, data.legal_basis
    version.created_by = actor
    _set_question_image(version, data, stored=stored)
    version.save()
    version.options.all().delete()
    _write_options(version, data, stored=stored)
    return version


def mark_versions_used(*, version_ids, now=None):
    """Freeze versions shown in an attempt (called when an attempt starts)."""
    QuestionVersion.objects.filter(pk__in=version_ids, used_at__isnull=True).update(
        used_at=now or timezone.now()
    )


# --- workflow -----------------------------------------------------------------


def _locked(question):
    return Question.objects.select_for_update().get(pk=question.pk)


@transaction.atomic
def submit_for_review(*, actor, question):
    question = _locked(question)
    if not selectors.can_edit_question(user=actor, question=question):
        raise PermissionDenied(_("You may not send this question to review."))
    if question.status != Status.DRAFT:
        raise QuestionError(_("Only a draft can be sent to review."))
    record_status(question=question, to_status=Status.REVIEW, actor=actor)
    question.save(update_fields=["status", "updated_at"])
    return question


@transaction.atomic
def approve(*, actor, question, comment=""):
    question = _locked(question)
    if selectors.wrote_question(user=actor, question=question):
        raise PermissionDenied(_("You cannot approve a question you wrote; another reviewer must."))
    if not selectors.can_review_question(user=actor, question=question):
        raise PermissionDenied(_("You may not review this question."))
    if question.status != Status.REVIEW:
        raise QuestionError(_("Only a question in review can be approved."))
    record_status(question=question, to_status=Status.APPROVED, actor=actor, comment=comment)
    question.reviewer = actor
    question.save(update_fields=["status", "reviewer", "updated_at"])
    return question


@transaction.atomic
def send_back(*, actor, question, comment):
    question = _locked(question)
    if not selectors.can_review_question(user=actor, question=question):
        raise PermissionDenied(_("You may not review this question."))
    if question.status != Status.REVIEW:
        raise QuestionError(_("Only a question in review can be sent back."))
    if not (comment or "").strip():
        raise QuestionError([("comment", _("Say what needs to change when sending a question back."))])
    record_status(question=question, to_status=Status.DRAFT, actor=actor, comment=comment.strip())
    question.save(update_fields=["status", "updated_at"])
    return question


@transaction.atomic
def retire(*, actor, question, comment=""):
    question = _locked(question)
    if not selectors.can_edit_question(user=actor, question=question):
        raise PermissionDenied(_("You may not retire this question."))
    if question.status == Status.RETIRED:
        raise QuestionError(_("The question is already retired."))
    record_status(question=question, to_status=Status.RETIRED, actor=actor, comment=comment)
    question.save(update_fields=["status", "updated_at"])
    return question


@transaction.atomic
def restore(*, actor, question):
    question = _locked(question)
    if not selectors.can_edit_question(user=actor, question=question):
        raise PermissionDenied(_("You may not restore this question."))
    if question.status != Status.RETIRED:
        raise QuestionError(_("Only a retired question can be restored."))
    record_status(question=question, to_status=Status.DRAFT, actor=actor, comment=_("Restored"))
    question.save(update_fields=["status", "updated_at"])
    return question


@transaction.atomic
def move_topic(*, actor, question, topic):
    question = _locked(question)
    if not selectors.can_edit_question(user=actor, question=question):
        raise PermissionDenied(_("You may not edit this question."))
    question.topic = topic
    question.save(update_fields=["topic", "updated_at"])
    return question


@transaction.atomic
def add_tag(*, actor, question, tag_name):
    question = _locked(question)
    if not selectors.can_edit_question(user=actor, question=question):
        raise PermissionDenied(_("You may not edit this question."))
    tag_name = clean_text(tag_name)[:60]
    if not tag_name:
        raise QuestionError([("tag", _("Enter a tag."))])
    (tag,) = _tags([tag_name])
    question.tags.add(tag)
    return refresh_search_text(question=question)


def refresh_search_text(*, question):
    """Recompute the search copy after the tags changed outside `update_question`."""
    names = list(question.tags.values_list("name", flat=True))
    version = question.current_version
    question.search_text = search_text(version.text, version.legal_basis, " ".join(names))
    question.save(update_fields=["search_text", "updated_at"])
    return question


BULK_ACTIONS = ("submit", "approve", "retire", "move_topic", "tag")


def bulk_action(*, actor, questions, action, topic=None, tag_name=""):
    """Apply one action to many questions, each in its own transaction.

    Returns (done, problems): how many succeeded and a list of
    (question, message) for those that did not.
    """
    done, problems = 0, []
    for question in questions:
        try:
            if action == "submit":
                submit_for_review(actor=actor, question=question)
            elif action == "approve":
                approve(actor=actor, question=question)
            elif action == "retire":
                retire(actor=actor, question=question)
            elif action == "move_topic":
                move_topic(actor=actor, question=question, topic=topic)
            elif action == "tag":
                add_tag(actor=actor, question=question, tag_name=clean_text(tag_name))
            else:
                raise QuestionError(_("Unknown action."))
        except QuestionError as exc:
            problems.append((question, str(exc)))
        else:
            done += 1
    return done, problems
