"""Moodle's text formats → rows: Aiken and GIFT. Pure."""

import html
import re

from django.utils.translation import gettext as _

from questionbank.importers import common
from questionbank.importers.common import (
    TRUE_FALSE_OPTIONS,
    FileRefused,
    Issue,
    Place,
    Row,
    clean_value,
    decode_text,
    difficulty_code,
    has_html,
    kind_code,
    too_many_rows_error,
)

# --- Aiken --------------------------------------------------------------------------

_AIKEN_OPTION_RE = re.compile(r"^([A-Z])[.)]\s+(.*)$")
_AIKEN_ANSWER_RE = re.compile(r"^(?:ANSWER|ĐÁP ÁN)\s*:\s*(.*)$", re.IGNORECASE)


def _field_labels():
    return {
        "text": _("question text"),
        "options": _("options"),
        "correct": _("answer"),
        "topic": _("topic"),
        "kind": _("kind"),
        "difficulty": _("difficulty"),
        "explanation": _("explanation"),
        "legal_basis": _("legal basis"),
        "tags": _("tags"),
    }


def read_aiken(content, parsed):
    text = decode_text(content)
    lines = text.split("\n")
    if sum(1 for line in lines if _AIKEN_ANSWER_RE.match(line.strip())) > common.MAX_ROWS:
        raise FileRefused(too_many_rows_error())
    labels = _field_labels()
    row, letters = None, []  # the question being read and its option letters

    def start(number, line):
        new = Row(line=number, text=line)
        new.places["text"] = Place(number, "", labels["text"])
        return new

    def finish(done, *, complete):
        if not complete:
            done.places["correct"] = Place(done.line, "", labels["correct"])
            done.errors.append(
                Issue(_("The question has no “ANSWER:” line after its options."), done.places["correct"])
            )
        done.text = clean_value(done.text)
        parsed.rows.append(done)

    for number, raw in enumerate(lines, start=1):
        line = clean_value(raw)
        if not line:
            continue
        if row is None:
            row, letters = start(number, line), []
            continue
        option = _AIKEN_OPTION_RE.match(line)
        answer = _AIKEN_ANSWER_RE.match(line)
        if answer:
            place = Place(number, "", labels["correct"])
            row.places["correct"] = place
            if not row.options:
                row.errors.append(Issue(_("“ANSWER:” comes before any option (“A. …”)."), place))
            value = answer.group(1).strip().upper()
            if not re.fullmatch(r"[A-Z]", value):
                row.errors.append(
                    Issue(
                        _("“ANSWER:” must be followed by one option letter, for example “ANSWER: B”."), place
                    )
                )
            elif row.options and value not in letters:
                row.errors.append(
                    Issue(_("The answer %(letter)s is not one of the options.") % {"letter": value}, place)
                )
            row.correct = [letter == value for letter in letters]
            finish(row, complete=True)
            row = None
        elif option:
            letter = option.group(1)
            place = Place(number, "", _("option %(letter)s") % {"letter": letter})
            row.places[f"option{len(row.options) + 1}"] = place
            if letter in letters:
                row.errors.append(
                    Issue(_("The option letter %(letter)s is used twice.") % {"letter": letter}, place)
                )
            letters.append(letter)
            row.options.append(option.group(2).strip())
            row.correct.append(False)
        elif row.options:
            # Text after the options without an ANSWER line: a new question starts here.
            finish(row, complete=False)
            row, letters = start(number, line), []
        else:
            row.text += "\n" + line
    if row is not None:
        finish(row, complete=False)


# --- GIFT ---------------------------------------------------------------------------

# Escapes become private-use characters while the structure is parsed.
_GIFT_ESCAPES = {
    "\\\\": "\ue000",
    "\\:": "\ue001",
    "\\#": "\ue002",
    "\\=": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\~": "\ue006",
    "\\n": "\ue007",
}
_GIFT_RESTORE = {
    "\ue000": "\\",
    "\ue001": ":",
    "\ue002": "#",
    "\ue003": "=",
    "\ue004": "{",
    "\ue005": "}",
    "\ue006": "~",
    "\ue007": "\n",
}
_GIFT_ESCAPE_RE = re.compile(r"\\[\\:#={}~n]")
_GIFT_PRIVATE_RE = re.compile("[\ue000-\ue007]")
_GIFT_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_GIFT_MARKER_RE = re.compile(r"\[(id|tag|topic|difficulty|legal|kind):((?:\\.|[^\]\\])*)\]")
_GIFT_FORMAT_RE = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def _gift_pre(text):
    text = _GIFT_PRIVATE_RE.sub("", text)
    return _GIFT_ESCAPE_RE.sub(lambda m: _GIFT_ESCAPES[m.group(0)], text)


def _gift_post(text):
    return _GIFT_PRIVATE_RE.sub(lambda m: _GIFT_RESTORE[m.group(0)], text)


def unescape_marker(value):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def _html_to_text(value):
    import nh3

    value = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", "\n", value)
    return html.unescape(nh3.clean(value, tags=set()))


def _gift_text(value, row, place, *, is_html=False):
    """A GIFT text part: format marker handled, escapes restored, cleaned.

    `is_html`: the question text's format, which answers and feedback inherit.
    """
    value = value.strip()
    marker = _GIFT_FORMAT_RE.match(value)
    if marker:
        value = value[marker.end() :]
        is_html = marker.group(1).lower() == "html"
    value = _gift_post(value)
    if is_html and has_html(value):
        value = _html_to_text(value)
        row.warnings.append(Issue(_("HTML formatting was removed; only the text is kept."), place))
    return clean_value(value)


def _gift_blocks(text):
    """(first line number, [lines]) per question: blocks are separated by blank lines."""
    block, start = [], None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if start is None:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block, start = [], None
    if block:
        yield start, block


def read_gift(content, parsed):
    text = decode_text(content)
    blocks = list(_gift_blocks(text))
    if len(blocks) > common.MAX_ROWS + 100:  # category and comment blocks come on top of questions
        raise FileRefused(too_many_rows_error())
    category, category_place = "", None
    labels = _field_labels()
    for start, lines in blocks:
        comments, body = [], []
        for line in lines:
            if line.strip().startswith("//"):
                comments.append(line.strip()[2:])
                body.append("")  # keep line numbers
            else:
                body.append(line)
        while body and not body[0].strip():
            body.pop(0)
            start += 1
        if not body:
            continue
        if body[0].strip().startswith("$CATEGORY:"):
            category = clean_value(body[0].strip()[len("$CATEGORY:") :])
            category_place = Place(start, "", labels["topic"])
            body.pop(0)
            start += 1
            while body and not body[0].strip():
                body.pop(0)
                start += 1
            if not body:
                continue
        row = _gift_question(start, "\n".join(body), comments, labels)
        if row is None:
            continue
        if not row.topic and category:
            row.topic = category_topic_code(category)
            row.places["topic"] = category_place
        parsed.rows.append(row)
    if len(parsed.rows) > common.MAX_ROWS:
        raise FileRefused(too_many_rows_error())


def category_topic_code(category):
    """The last part of a Moodle category path: "$course$/top/CCHC/tthc" → "tthc"."""
    parts = [p.replace("//", "/") for p in re.split(r"(?<!/)/(?!/)", category)]
    parts = [
        p.strip() for p in parts if p.strip() and p.strip() not in ("$course$", "$system$", "$module$", "top")
    ]
    return parts[-1] if parts else ""


def _gift_question(start, body, comments, labels):
    row = Row(line=start)
    question_place = Place(start, "", labels["text"])
    row.places["text"] = question_place
    for comment in comments:
        for key, value in _GIFT_MARKER_RE.findall(comment):
            value = clean_value(unescape_marker(value))
            if key == "tag" and value:
                row.tags.append(value)
            elif key == "topic":
                row.topic = value
                row.places["topic"] = Place(start, "", labels["topic"])
            elif key == "difficulty":
                row.difficulty = difficulty_code(value)
                row.places["difficulty"] = Place(start, "", labels["difficulty"])
            elif key == "legal":
                row.legal_basis = value
                row.places["legal_basis"] = Place(start, "", labels["legal_basis"])
            elif key == "kind":
                row.kind = kind_code(value)
                row.places["kind"] = Place(start, "", labels["kind"])
    work = _gift_pre(body.strip())

    def line_at(offset):
        return start + work.count("\n", 0, max(offset, 0))

    offset = 0
    if work.startswith("::"):
        end = work.find("::", 2)
        if end != -1:
            offset = end + 2
    opening = work.find("{", offset)
    closing = work.find("}", opening + 1 if opening != -1 else offset)
    if opening == -1 and closing == -1:
        row.errors.append(
            Issue(
                _(
                    "This is a description without answers; only multiple-choice and true/false questions can be imported."
                ),
                question_place,
            )
        )
        row.text = _gift_text(work[offset:], row, question_place)
        return row
    if opening == -1 or closing == -1:
        row.errors.append(
            Issue(_("A “{” has no matching “}” (write \\{ or \\} for a literal brace)."), question_place)
        )
        row.text = _gift_text(work[offset:].replace("{", " ").replace("}", " "), row, question_place)
        return row
    before, answers, after = work[offset:opening], work[opening + 1 : closing], work[closing + 1 :]
    question = before + ("_____" + after if after.strip() else "")
    marker = _GIFT_FORMAT_RE.match(question.strip())
    is_html = bool(marker) and marker.group(1).lower() == "html"
    row.text = _gift_text(question, row, question_place)
    answers_place = Place(line_at(opening), "", labels["options"])
    row.places["correct"] = answers_place
    feedback_at = answers.rfind("####")
    if feedback_at != -1:
        place = Place(line_at(opening + 1 + feedback_at), "", labels["explanation"])
        row.places["explanation"] = place
        row.explanation = _gift_text(answers[feedback_at + 4 :], row, place, is_html=is_html)
        answers = answers[:feedback_at]
    answers_stripped = answers.strip()
    unsupported = None
    if not answers_stripped:
        unsupported = _("An essay question (empty answers) cannot be imported.")
    elif answers_stripped.startswith("#"):
        unsupported = _("A numerical question cannot be imported.")
    elif "~" not in answers_stripped and "=" in answers_stripped and "->" in answers_stripped:
        unsupported = _("A matching question cannot be imported.")
    elif "~" not in answers_stripped:
        verdict = answers_stripped.split("#", 1)[0].strip().upper()
        if verdict in ("T", "TRUE", "F", "FALSE"):
            if "#" in answers_stripped:
                row.warnings.append(Issue(_("Feedback on answers is not kept."), answers_place))
            is_true = verdict in ("T", "TRUE")
            row.kind = "truefalse"
            row.options = list(TRUE_FALSE_OPTIONS)
            row.correct = [is_true, not is_true]
            row.places["option1"] = row.places["option2"] = answers_place
            return row
        unsupported = _("A short-answer question (only “=” answers) cannot be imported.")
    if unsupported:
        only = _("Only multiple-choice and true/false questions can be imported.")
        row.errors.append(Issue(f"{unsupported} {only}", answers_place))
        return row
    # Multiple choice: "=" marks the right answer (single); "~%50%" weights mean several.
    if "kind" not in row.places:
        row.kind = "single" if "=" in answers else "multiple"
    pieces = []  # [offset in `work`, marker, text]
    for index, ch in enumerate(answers):
        if ch in "=~":
            pieces.append([opening + 1 + index, ch, ""])
        elif pieces:
            pieces[-1][2] += ch
    leading = answers[: pieces[0][0] - opening - 1]
    if leading.strip():
        row.warnings.append(Issue(_("Text before the first answer is ignored."), answers_place))
    feedback_seen = False
    for n, (at, marker, piece) in enumerate(pieces, start=1):
        piece = piece.strip()
        correct = marker == "="
        weight = _GIFT_WEIGHT_RE.match(piece) if marker == "~" else None
        if weight:  # "~%50%": part of the credit, so a correct answer of a multiple-answer question
            piece = piece[weight.end() :]
            correct = float(weight.group(1)) > 0
        option_text, hash_sign, feedback = piece.partition("#")
        if hash_sign and feedback.strip():
            feedback_seen = True
        place = Place(line_at(at), "", _("option %(number)d") % {"number": n})
        row.places[f"option{n}"] = place
        row.options.append(_gift_text(option_text, row, place, is_html=is_html))
        row.correct.append(correct)
    if feedback_seen:
        row.warnings.append(Issue(_("Feedback on answers is not kept."), answers_place))
    return row
