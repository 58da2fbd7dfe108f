"""Organizer forms. They parse input only; every rule is checked by
contests.setup.services, whose errors the views put back on these forms.

Times are entered and shown in Asia/Ho_Chi_Minh whatever the server's or the
browser's zone: a naive "2021-05-03T00:00" means 00:00 in Vietnam.
"""

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from accounts.selectors import managed_agencies
from contests.models import Block, Contest, Round
from contests.rules.timer import CONTEST_TZ
from contests.setup.services import CONTEST_FIELDS, ROUND_FIELD_NAMES, RuleData
from questionbank import selectors as bank_selectors
from questionbank.models import Question, Topic

LOCAL_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]


def _to_local_naive(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value, CONTEST_TZ).replace(tzinfo=None)
    return value


class LocalDateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local"> with seconds, showing Vietnam time."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": "1", **(attrs or {})}, format="%Y-%m-%dT%H:%M:%S")

    def format_value(self, value):
        return super().format_value(_to_local_naive(value))


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in Asia/Ho_Chi_Minh, returned as an aware datetime."""

    widget = LocalDateTimeInput

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", LOCAL_INPUT_FORMATS)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return _to_local_naive(value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            result = value
        else:
            text, result = str(value).strip(), None
            for fmt in self.input_formats:
                try:
                    result = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if result is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(result):
            result = timezone.make_aware(result, CONTEST_TZ)
        return result


class AgencyMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return "\u2003" * obj.depth + obj.name


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u2003" * obj.depth + obj.name


class TopicChoiceField(forms.ModelChoiceField):
    """Topics in tree order; each label says how many approved questions its
    subtree offers this contest (when known)."""

    def __init__(self, *args, pool_sizes=None, **kwargs):
        self.pool_sizes = pool_sizes
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        label = "\u2003" * obj.depth + obj.name
        if self.pool_sizes is not None:
            label += f" ({self.pool_sizes.get(obj.pk, 0)})"
        return label


def topic_pool_sizes(*, agency):
    """{topic id: approved questions a contest of `agency` may draw from the
    topic and its sub-topics}."""
    rows = (
        bank_selectors.usable_questions(agency=agency)
        .filter(current_version__isnull=False)
        .order_by()
        .values("topic__path")
        .annotate(n=Count("id"))
    )
    per_path = {row["topic__path"]: row["n"] for row in rows}
    return {
        topic.pk: sum(n for path, n in per_path.items() if path.startswith(topic.path))
        for topic in Topic.objects.only("id", "path")
    }


def add_service_errors(form, errors, *, other=None):
    """Put service errors on `form` fields; the rest on the form (or in `other`)."""
    for field, message in errors:
        if field in form.fields:
            form.add_error(field, message)
        elif other is not None and field == "draw_rules":
            other.append(message)
        else:
            form.add_error(None, message)


# --- contest ------------------------------------------------------------------------


class ContestForm(forms.Form):
    owner_agency = AgencyChoiceField(label=_("Organising agency"), queryset=Agency.objects.none())
    title = forms.CharField(label=_("Contest title"), max_length=255)
    slug = forms.CharField(
        label=_("Short address"),
        max_length=80,
        help_text=_(
            "Part of the contest's web address, e.g. cchc-2021: lower-case letters without accents, "
            "digits and hyphens."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("Short description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rules_text = forms.CharField(
        label=_("Rules (thể lệ)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Markdown: **bold**, *italic*, “- ” for list items, “## ” for headings, [text](https://…) "
            "for links. HTML is removed."
        ),
    )
    banner = forms.FileField(
        label=_("Banner image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
        help_text=_("JPEG, PNG, GIF or WebP, at most 5 MB. It is resized and its metadata removed."),
    )
    remove_banner = forms.BooleanField(label=_("Remove the current banner"), required=False)
    audience_officials = forms.BooleanField(label=_("Officials (CBCCVC) may take part"), required=False)
    audience_agencies = AgencyMultipleChoiceField(
        label=_("Only officials of these agencies (and the agencies below them)"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Leave empty for officials of every agency. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    audience_citizens = forms.BooleanField(label=_("Citizens may take part"), required=False)
    join_code = forms.CharField(
        label=_("Join code"),
        max_length=20,
        required=False,
        help_text=_("Optional: participants must type this code to enter."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    min_age = forms.IntegerField(
        label=_("Minimum age"), required=False, min_value=1, max_value=100, help_text=_("Optional.")
    )
    exclude_staff = forms.BooleanField(
        label=_("Exclude organiser staff and question authors"),
        required=False,
        help_text=_(
            "Organizers of the owning agency and authors of the contest's questions cannot take part."
        ),
    )
    leaderboard = forms.ChoiceField(
        label=_("Leaderboard"), choices=Contest.Leaderboard.choices, widget=forms.RadioSelect
    )
    leaderboard_freeze_at = LocalDateTimeField(
        label=_("Leaderboard frozen from"),
        required=False,
        help_text=_("Vietnam time. Only for a leaderboard frozen from a set time."),
    )
    name_display = forms.ChoiceField(
        label=_("Names on public boards"), choices=Contest.NameDisplay.choices, widget=forms.RadioSelect
    )
    count_subagencies = forms.BooleanField(
        label=_("Count the people of sub-agencies for their parent agency"),
        required=False,
        help_text=_(
            "Off (the default): each agency counts only its own people against its own headcount. On: an "
            "agency's participants include those of every agency below it, against its headcount plus "
            "those of its active sub-agencies. The turnout board, the participation report and collective "
            "prizes follow it, and the rules page says which applies."
        ),
    )

    def __init__(self, *args, user, contest=None, **kwargs):
        self.contest = contest
        if contest is not None:
            initial = {
                "owner_agency": contest.owner_agency_id,
                "audience_agencies": list(contest.audience_agencies.values_list("pk", flat=True)),
                **{name: getattr(contest, name) for name in CONTEST_FIELDS},
            }
        else:
            initial = {
                "audience_officials": True,
                "exclude_staff": True,
                "leaderboard": Contest.Leaderboard.LIVE,
                "name_display": Contest.NameDisplay.MASKED,
            }
        super().__init__(*args, initial=initial, **kwargs)
        managed = managed_agencies(user=user).filter(is_active=True)
        if contest is not None:
            managed = managed | Agency.objects.filter(pk=contest.owner_agency_id)
        self.fields["owner_agency"].queryset = managed.distinct().order_by("path")
        if contest is None and "owner_agency" not in self.initial:
            first = self.fields["owner_agency"].queryset.first()
            self.initial["owner_agency"] = first.pk if first else None
        self.fields["audience_agencies"].queryset = Agency.objects.filter(is_active=True).order_by("path")
        if contest is None or not contest.banner:
            del self.fields["remove_banner"]

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["banner"] = data.get("banner") or None
        return data


# --- blocks -------------------------------------------------------------------------


class BlockForm(forms.Form):
    name = forms.CharField(label=_("Block name"), max_length=100, help_text=_("e.g. CBCCVC, Người dân"))
    code = forms.CharField(
        label=_("Block code"),
        max_length=40,
        help_text=_("Lower-case letters without accents, digits and hyphens, e.g. cbccvc."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    participant_kind = forms.ChoiceField(
        label=_("Who belongs"), choices=Block.Kind.choices, required=False, widget=forms.RadioSelect
    )
    agencies = AgencyMultipleChoiceField(
        label=_("Only officials of these agencies (and the agencies below them)"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Optional; leave empty for no restriction. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, required=False)

    def __init__(self, *args, block=None, **kwargs):
        initial = {"participant_kind": Block.Kind.ANY}
        if block is not None:
            initial = {
                "name": block.name,
                "code": block.code,
                "participant_kind": block.participant_kind,
                "agencies": list(block.agencies.values_list("pk", flat=True)),
                "position": block.position,
            }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["agencies"].queryset = Agency.objects.filter(is_active=True).order_by("path")

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["participant_kind"] = data.get("participant_kind") or ""
        if data.get("position") is None:
            data.pop("position", None)
        return data


# --- rounds -------------------------------------------------------------------------


class RoundForm(forms.Form):
    number = forms.IntegerField(label=_("Round number"), min_value=0, max_value=1000)
    title = forms.CharField(label=_("Round title"), max_length=200, help_text=_("e.g. Tuần 1"))
    is_practice = forms.BooleanField(
        label=_("Practice round"),
        required=False,
        help_text=_("Unlimited, untimed and never ranked; it may overlap other rounds."),
    )
    blocks = forms.ModelMultipleChoiceField(
        label=_("Blocks"),
        queryset=Block.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen = every block of the contest."),
    )
    opens_at = LocalDateTimeField(label=_("Opens at"), help_text=_("Vietnam time (UTC+7)."))
    closes_at = LocalDateTimeField(
        label=_("Closes at"), help_text=_("Vietnam time (UTC+7), e.g. Sunday 23:59:59.")
    )
    questions_per_attempt = forms.IntegerField(label=_("Questions per attempt"), min_value=1, max_value=200)
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit (minutes)"),
        min_value=1,
        max_value=180,
        help_text=_("1 to 180. Practice rounds are untimed."),
    )
    shuffle_questions = forms.BooleanField(label=_("Shuffle the questions"), required=False)
    shuffle_options = forms.BooleanField(label=_("Shuffle the options"), required=False)
    must_answer_all = forms.BooleanField(label=_("Every question must be answered"), required=False)
    max_attempts = forms.IntegerField(
        label=_("Attempts per round"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Empty = unlimited."),
    )
    max_attempts_per_day = forms.IntegerField(
        label=_("Attempts per day"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Empty = unlimited."),
    )
    counting = forms.ChoiceField(label=_("Attempt that counts"), choices=Round.Counting.choices)
    prediction_target = forms.ChoiceField(
        label=_("Prediction question"), choices=Round.PredictionTarget.choices, required=False
    )
    prediction_decimal = forms.BooleanField(label=_("The prediction may have decimals"), required=False)
    prediction_required = forms.BooleanField(label=_("The prediction is required"), required=False)
    explanations = forms.ChoiceField(label=_("Show explanations"), choices=Round.Explanations.choices)
    freeze_at = LocalDateTimeField(
        label=_("Leaderboard frozen from"), required=False, help_text=_("Optional. Vietnam time (UTC+7).")
    )

    def __init__(self, *args, contest, round=None, **kwargs):
        self.contest = contest
        if round is not None:
            initial = {name: getattr(round, name) for name in ROUND_FIELD_NAMES}
            initial["blocks"] = list(round.blocks.values_list("pk", flat=True))
        else:
            initial = self.defaults_for(contest)
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["blocks"].queryset = contest.blocks.all()
        if not contest.blocks.exists():
            del self.fields["blocks"]

    @staticmethod
    def defaults_for(contest):
        """A new round: the next number, the week after the last round (or next
        Monday 00:00 → Sunday 23:59:59), and the usual settings."""
        last = contest.rounds.filter(is_practice=False).order_by("-closes_at").first()
        if last is not None:
            opens = last.closes_at + timedelta(seconds=1)
        else:
            today = timezone.localdate(timezone.now(), CONTEST_TZ)
            monday = today + timedelta(days=7 - today.weekday())
            opens = datetime(monday.year, monday.month, monday.day, tzinfo=CONTEST_TZ)
        numbers = list(contest.rounds.values_list("number", flat=True))
        return {
            "number": max(numbers, default=0) + 1,
            "title": "",
            "opens_at": opens,
            "closes_at": opens + timedelta(days=7, seconds=-1),
            "questions_per_attempt": 20,
            "time_limit_minutes": 20,
            "shuffle_questions": True,
            "shuffle_options": True,
            "max_attempts": 3,
            "counting": Round.Counting.BEST,
            "prediction_target": Round.PredictionTarget.PARTICIPANTS,
            "prediction_required": True,
            "explanations": Round.Explanations.AFTER_CLOSE,
        }

    def service_kwargs(self):
        data = {name: self.cleaned_data.get(name) for name in ROUND_FIELD_NAMES}
        data["prediction_target"] = data["prediction_target"] or ""
        data["blocks"] = list(self.cleaned_data.get("blocks") or [])
        return data


class DrawRuleForm(forms.Form):
    block = forms.ModelChoiceField(
        label=_("Block"), queryset=Block.objects.none(), required=False, empty_label=_("Every block")
    )
    topic = TopicChoiceField(label=_("Topic (with its sub-topics)"), queryset=Topic.objects.none())
    difficulty = forms.ChoiceField(
        label=_("Difficulty"),
        choices=[("", _("Any difficulty"))] + list(Question.Difficulty.choices),
        required=False,
    )
    count = forms.IntegerField(label=_("Questions"), min_value=1, max_value=200)

    def __init__(self, *args, contest, pool_sizes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.order_by("path")
        self.fields["topic"].pool_sizes = pool_sizes
        blocks = contest.blocks.all()
        if blocks:
            self.fields["block"].queryset = blocks
        else:
            del self.fields["block"]

    def rule(self):
        data = self.cleaned_data
        return RuleData(
            topic=data["topic"],
            count=data["count"],
            difficulty=data.get("difficulty") or "",
            block=data.get("block"),
        )


BaseDrawRuleFormSet = forms.formset_factory(
    DrawRuleForm, extra=2, can_delete=True, max_num=50, validate_max=True
)


class DrawRuleFormSet(BaseDrawRuleFormSet):
    def rules(self):
        return [
            form.rule() for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def draw_rule_formset(*, contest, round=None, data=None):
    initial = []
    if round is not None:
        initial = [
            {"block": r.block_id, "topic": r.topic_id, "difficulty": r.difficulty, "count": r.count}
            for r in round.draw_rules.all()
        ]
    return DrawRuleFormSet(
        data,
        initial=initial,
        prefix="rules",
        form_kwargs={"contest": contest, "pool_sizes": topic_pool_sizes(agency=contest.owner_agency)},
    )
