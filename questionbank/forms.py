"""Forms of the organizer pages. Rules live in `rules.py`; the forms turn
posted fields into a `QuestionData` and tie each problem to its field."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts import selectors as account_selectors
from questionbank import images, rules, selectors
from questionbank.models import Question, Topic
from questionbank.rules import OptionData, QuestionData
from questionbank.text import clean_text, unaccent

OPTION_ROWS = rules.MAX_OPTIONS


IMAGE_HELP = _("JPEG, PNG, GIF, WebP or BMP; at most 5 MB and 40 megapixels.")


def _image_field(label, help_text=IMAGE_HELP):
    # A plain file input: a stored image is shown by the template with its own
    # "remove" checkbox.
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,image/bmp"}),
        help_text=help_text,
    )


def _checked_image(upload):
    if upload:
        images.check_image(upload)
    return upload


def split_tags(value):
    return [part for part in (clean_text(p) for p in (value or "").split(",")) if part]


# --- filters --------------------------------------------------------------------


class QuestionFilterForm(forms.Form):
    """Renders the list filters; the values are applied by `filtering.filter_questions`."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. thu tuc hanh chinh")}),
        help_text=_("Accents and capitals do not matter."),
    )
    topic = forms.ChoiceField(label=_("Topic (with sub-topics)"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + Question.Status.choices
    )
    difficulty = forms.ChoiceField(
        label=_("Difficulty"),
        required=False,
        choices=[("", _("All difficulties"))] + Question.Difficulty.choices,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + Question.Kind.choices
    )
    owner = forms.ChoiceField(label=_("Owner agency"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)

    def __init__(self, *, filters, topic_choices=None):
        initial = {
            key: (value.pk if hasattr(value, "pk") else value) for key, value in filters.items() if value
        }
        super().__init__(initial=initial, auto_id="filter_%s")
        topic_choices = selectors.topic_choices() if topic_choices is None else topic_choices
        self.fields["topic"].choices = [("", _("All topics"))] + topic_choices
        self.fields["owner"].choices = [("", _("All agencies"))] + account_selectors.agency_choices()

    SELECTS = ("topic", "status", "difficulty", "kind", "owner")

    def select_fields(self):
        """(bound field, [(value, label, selected)]) for each select.

        The list page renders these options in one template loop: the widget
        templates cost a sub-template per option, and the agency list of a
        province runs to hundreds."""
        fields = []
        for name in self.SELECTS:
            bound = self[name]
            current = str(bound.value() or "")
            options = [(str(value), label, str(value) == current) for value, label in bound.field.choices]
            fields.append((bound, options))
        return fields


# --- a question with its options --------------------------------------------------


class OptionForm(forms.Form):
    text = forms.CharField(label=_("Option text"), required=False, max_length=rules.MAX_OPTION)
    is_correct = forms.BooleanField(label=_("Correct answer"), required=False)
    image = _image_field(_("Option image (optional)"), help_text="")
    clear_image = forms.BooleanField(label=_("Remove the image"), required=False)

    def __init__(self, *args, stored_image=None, **kwargs):
        # `stored_image`: the FieldFile of the option shown in this row when editing.
        self.stored_image = stored_image or None
        super().__init__(*args, **kwargs)

    def clean_image(self):
        return _checked_image(self.cleaned_data.get("image"))

    def option_data(self):
        """OptionData for this row, or None for a blank row (ignored)."""
        text = clean_text(self.cleaned_data.get("text"))
        upload = self.cleaned_data.get("image")
        keeps_stored = bool(self.stored_image) and not self.cleaned_data.get("clear_image")
        if not text and not upload and not keeps_stored:
            if self.cleaned_data.get("is_correct"):
                self.add_error("text", _("Write the option before marking it correct."))
            return None
        if upload:
            image = upload
        elif keeps_stored:
            image = self.stored_image.name
        else:
            image = False  # explicit: rows may shift when a blank one is dropped
        return OptionData(text=text, is_correct=bool(self.cleaned_data.get("is_correct")), image=image)


class BaseOptionFormSet(forms.BaseFormSet):
    def __init__(self, *args, stored_images=(), **kwargs):
        self.stored_images = list(stored_images)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.stored_images):
            kwargs["stored_image"] = self.stored_images[index]
        return kwargs


OptionFormSet = forms.formset_factory(
    OptionForm,
    formset=BaseOptionFormSet,
    extra=0,
    max_num=OPTION_ROWS,
    absolute_max=OPTION_ROWS,
    validate_max=True,
)


class QuestionForm(forms.Form):
    """Create or edit a question; `self.option_forms` holds the fixed option rows
    (blank ones are ignored). After `is_valid()`, `self.question_data` is the
    cleaned QuestionData."""

    owner_agency = forms.TypedChoiceField(label=_("Owner agency"), coerce=int)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Question.Kind.choices, widget=forms.RadioSelect, initial="single"
    )
    text = forms.CharField(
        label=_("Question"), max_length=rules.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    image = _image_field(_("Question image (optional)"))
    clear_image = forms.BooleanField(label=_("Remove the question image"), required=False)
    # Errors of the option rows as a whole (count, correct answers); never rendered as input.
    options = forms.CharField(required=False, widget=forms.HiddenInput)
    difficulty = forms.ChoiceField(
        label=_("Difficulty"), choices=Question.Difficulty.choices, widget=forms.RadioSelect, initial="medium"
    )
    explanation = forms.CharField(
        label=_("Explanation (optional)"),
        required=False,
        max_length=rules.MAX_EXPLANATION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to participants after the round, never during the quiz."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis (optional)"),
        required=False,
        max_length=rules.MAX_LEGAL_BASIS,
        help_text=_("e.g. Điều 6 Nghị định 61/2018/NĐ-CP"),
    )
    tags = forms.CharField(
        label=_("Tags (optional)"),
        required=False,
        max_length=600,
        help_text=_("Separate tags with commas, e.g. một cửa, dịch vụ công"),
    )
    sharing = forms.ChoiceField(
        label=_("Who may use it"),
        choices=Question.Sharing.choices,
        widget=forms.RadioSelect,
        initial=Question.Sharing.PRIVATE,
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Save anyway: this is not a duplicate, or I want both"), required=False
    )

    def __init__(self, data=None, files=None, *, user, question=None):
        self.question = question
        version = question.current_version if question else None
        initial = {}
        option_initial, stored = [], []
        if question is not None:
            initial = {
                "owner_agency": question.owner_agency_id,
                "topic": question.topic_id,
                "kind": version.kind,
                "text": version.text,
                "difficulty": question.difficulty,
                "explanation": version.explanation,
                "legal_basis": version.legal_basis,
                "tags": ", ".join(t.name for t in question.tags.all()),
                "sharing": question.sharing,
            }
            for option in version.options.all():
                option_initial.append({"text": option.text, "is_correct": option.is_correct})
                stored.append(option.image)
        option_initial += [{} for _i in range(OPTION_ROWS - len(option_initial))]
        super().__init__(data, files, initial=initial)
        self.stored_image = version.image if version is not None and version.image else None
        self.option_forms = OptionFormSet(
            data, files, prefix="opt", initial=option_initial, stored_images=stored
        )
        self.fields["topic"].choices = [("", _("— choose —"))] + selectors.topic_choices()
        if question is None:
            self.fields["owner_agency"].choices = selectors.owner_agency_choices(user=user)
        else:
            del self.fields["owner_agency"]  # the owner of a question does not change
        self.question_data = None

    def clean_image(self):
        return _checked_image(self.cleaned_data.get("image"))

    def clean_topic(self):
        topic = Topic.objects.filter(pk=self.cleaned_data["topic"]).first()
        if topic is None:
            raise ValidationError(_("Choose a topic."))
        return topic

    def clean_owner_agency(self):
        return selectors.agency_by_id(self.cleaned_data["owner_agency"])

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        if not self.option_forms.is_valid():
            if self.option_forms.non_form_errors():
                self.add_error("options", self.option_forms.non_form_errors())
            else:
                self.add_error("options", _("Correct the options marked below."))
            return
        if self._errors and any(f in self._errors for f in ("kind", "text", "difficulty")):
            return
        options = [row for row in (f.option_data() for f in self.option_forms) if row is not None]
        if any(f.errors for f in self.option_forms):
            self.add_error("options", _("Correct the options marked below."))
            return
        upload = self.cleaned_data.get("image")
        if upload:
            image = upload
        elif self.cleaned_data.get("clear_image"):
            image = False
        else:
            image = None  # keep the stored image, if any
        data = QuestionData(
            kind=self.cleaned_data["kind"],
            text=self.cleaned_data["text"],
            options=options,
            difficulty=self.cleaned_data["difficulty"],
            explanation=self.cleaned_data.get("explanation", ""),
            legal_basis=self.cleaned_data.get("legal_basis", ""),
            tags=split_tags(self.cleaned_data.get("tags")),
            image=image,
        ).cleaned()
        problems = rules.check_question(data)
        for field, message in problems:
            self.add_error(field if field in self.fields else None, message)
        if not problems:
            self.question_data = data

    def add_service_errors(self, errors):
        """Show a services.QuestionError's (field, message) pairs on the form."""
        for field, message in errors:
            self.add_error(field if field in self.fields else None, message)


# --- workflow ------------------------------------------------------------------------


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what needs to change when sending a question back.")},
    )


BULK_CHOICES = [
    ("submit", _("Send to review")),
    ("approve", _("Approve")),
    ("retire", _("Retire")),
    ("move_topic", _("Move to topic")),
    ("tag", _("Add tag")),
]
MAX_BULK = 500


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("— choose —"))] + BULK_CHOICES)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, required=False, empty_value=None)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)

    def __init__(self, data=None, *, ids=(), topic_choices=None):
        super().__init__(data, auto_id="bulk_%s")
        topic_choices = selectors.topic_choices() if topic_choices is None else topic_choices
        self.fields["topic"].choices = [("", _("— choose —"))] + topic_choices
        self.ids = ids

    def clean(self):
        cleaned = super().clean()
        ids = []
        for value in self.ids:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                continue
        if not ids:
            raise ValidationError(_("Select at least one question."))
        if len(ids) > MAX_BULK:
            raise ValidationError(_("Select at most %(max)d questions at a time.") % {"max": MAX_BULK})
        cleaned["ids"] = ids
        action = cleaned.get("action")
        if action == "move_topic":
            topic = Topic.objects.filter(pk=cleaned.get("topic") or 0).first()
            if topic is None:
                self.add_error("topic", _("Choose the topic to move the questions to."))
            cleaned["topic"] = topic
        if action == "tag" and not clean_text(cleaned.get("tag")):
            self.add_error("tag", _("Enter the tag to add."))
        return cleaned


# --- topics ------------------------------------------------------------------------


class TopicForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(
        label=_("Code (optional)"),
        required=False,
        max_length=60,
        help_text=_("Letters, digits and hyphens; made from the name when left empty."),
    )
    parent = forms.TypedChoiceField(label=_("Parent topic"), coerce=int, required=False, empty_value=None)
    owner_agency = forms.TypedChoiceField(label=_("Created by agency"), coerce=int)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.fields["parent"].choices = [("", _("— none (top level) —"))] + selectors.topic_choices()
        self.fields["owner_agency"].choices = [
            (a.pk, "\u2003" * a.depth + a.name) for a in account_selectors.managed_agencies(user=user)
        ]

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Enter a name."))
        return name

    def clean_parent(self):
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        parent = Topic.objects.filter(pk=pk).first()
        if parent is None:
            raise ValidationError(_("Choose a topic from the list."))
        return parent

    def clean_owner_agency(self):
        return selectors.agency_by_id(self.cleaned_data["owner_agency"])

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        code = cleaned.get("code") or (slugify(unaccent(name))[:60].strip("-") if name else "")
        if name and not code:
            self.add_error("code", _("Enter a code."))
        elif code and Topic.objects.filter(code=code).exists():
            self.add_error("code", _("A topic with the code “%(code)s” already exists.") % {"code": code})
        cleaned["code"] = code
        return cleaned
