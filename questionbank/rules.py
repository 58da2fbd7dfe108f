"""What makes a question well-formed. Pure: shared by forms, services and import."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from questionbank.text import clean_text

MAX_TEXT = 2000
MAX_OPTION = 1000
MAX_EXPLANATION = 4000
MAX_LEGAL_BASIS = 300
MIN_OPTIONS, MAX_OPTIONS = 2, 6
KINDS = ("single", "multiple", "truefalse")
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass
class OptionData:
    text: str
    is_correct: bool = False
    image: object = None


@dataclass
class QuestionData:
    kind: str
    text: str
    options: list
    difficulty: str = "medium"
    explanation: str = ""
    legal_basis: str = ""
    tags: list = field(default_factory=list)
    image: object = None

    def cleaned(self):
        """A copy with every text NFC-normalised and trimmed."""
        return QuestionData(
            kind=(self.kind or "").strip().lower(),
            text=clean_text(self.text),
            options=[OptionData(clean_text(o.text), bool(o.is_correct), o.image) for o in self.options],
            difficulty=(self.difficulty or "").strip().lower(),
            explanation=clean_text(self.explanation),
            legal_basis=clean_text(self.legal_basis),
            tags=sorted({clean_text(t)[:60] for t in self.tags if clean_text(t)}),
            image=self.image,
        )


def check_question(data):
    """Problems with a (cleaned) question as a list of (field, message)."""
    errors = []
    if data.kind not in KINDS:
        errors.append(("kind", _("Unknown question kind “%(kind)s”.") % {"kind": data.kind}))
    if data.difficulty not in DIFFICULTIES:
        errors.append(
            (
                "difficulty",
                _("Unknown difficulty “%(value)s” (use easy, medium or hard).") % {"value": data.difficulty},
            )
        )
    if not data.text:
        errors.append(("text", _("The question text is empty.")))
    elif len(data.text) > MAX_TEXT:
        errors.append(("text", _("The question text is longer than %(max)d characters.") % {"max": MAX_TEXT}))
    if len(data.explanation) > MAX_EXPLANATION:
        errors.append(
            (
                "explanation",
                _("The explanation is longer than %(max)d characters.") % {"max": MAX_EXPLANATION},
            )
        )
    if len(data.legal_basis) > MAX_LEGAL_BASIS:
        errors.append(
            (
                "legal_basis",
                _("The legal basis is longer than %(max)d characters.") % {"max": MAX_LEGAL_BASIS},
            )
        )
    options = data.options
    if len(options) < MIN_OPTIONS:
        errors.append(("options", _("A question needs at least %(min)d options.") % {"min": MIN_OPTIONS}))
    if len(options) > MAX_OPTIONS:
        errors.append(("options", _("A question has at most %(max)d options.") % {"max": MAX_OPTIONS}))
    for index, option in enumerate(options, start=1):
        if not option.text and not option.image:
            errors.append(("options", _("Option %(n)d is empty.") % {"n": index}))
        elif len(option.text) > MAX_OPTION:
            errors.append(
                (
                    "options",
                    _("Option %(n)d is longer than %(max)d characters.") % {"n": index, "max": MAX_OPTION},
                )
            )
    texts = [o.text.casefold() for o in options if o.text]
    if len(texts) != len(set(texts)):
        errors.append(("options", _("Two options have the same text.")))
    correct = sum(1 for o in options if o.is_correct)
    if options and correct == 0:
        errors.append(("options", _("No option is marked correct.")))
    elif data.kind in ("single", "truefalse") and correct > 1:
        errors.append(
            (
                "options",
                _("%(count)d options are marked correct; a single-choice question has exactly one.")
                % {"count": correct},
            )
        )
    if data.kind == "truefalse" and len(options) != 2:
        errors.append(("options", _("A true/false question has exactly two options.")))
    return errors
