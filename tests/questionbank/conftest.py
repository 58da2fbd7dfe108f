"""Question bank fixtures, on top of tests/conftest.py (tree, alice, bob, charlie).

alice  — organizer + author at Sở Nội vụ (snv)
bob    — organizer at UBND huyện Tuy Phước (a sibling branch of snv)
charlie — an official with no role
rita   — reviewer at Sở Nội vụ
dave   — author at Văn thư Sở Nội vụ (snv_unit, below snv)

`make_question(...)` creates a draft through the services (owner snv, author
alice by default); `question_data(...)` builds a valid QuestionData.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from questionbank import services
from questionbank.models import Question
from questionbank.rules import OptionData, QuestionData
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded images go to a temporary directory, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def topics(db):
    root = services.create_topic(name="Cải cách thủ tục hành chính", code="tthc")
    one_stop = services.create_topic(name="Cơ chế một cửa", code="tthc-mot-cua", parent=root)
    online = services.create_topic(name="Dịch vụ công trực tuyến", code="tthc-dvc", parent=root)
    civil = services.create_topic(name="Cải cách chế độ công vụ", code="cong-vu")
    return {"tthc": root, "mot_cua": one_stop, "dvc": online, "cong_vu": civil}


@pytest.fixture
def rita(tree):
    return make_user("rita@example.vn", agency=tree["snv"], roles=["reviewer"])


@pytest.fixture
def dave(tree):
    return make_user("dave@example.vn", agency=tree["snv_unit"], roles=["author"])


def question_data(**overrides):
    values = {
        "kind": "single",
        "text": "Cơ quan nào tiếp nhận hồ sơ thủ tục hành chính theo cơ chế một cửa?",
        "options": [
            OptionData("Bộ phận Một cửa", True),
            OptionData("Văn phòng Hội đồng nhân dân"),
            OptionData("Phòng Tài chính – Kế hoạch"),
            OptionData("Công an xã"),
        ],
        "difficulty": "medium",
        "explanation": "Bộ phận Một cửa tiếp nhận và trả kết quả.",
        "legal_basis": "Điều 6 Nghị định 61/2018/NĐ-CP",
        "tags": ["một cửa"],
    }
    values.update(overrides)
    return QuestionData(**values)


@pytest.fixture
def make_question(tree, alice, topics):
    def make(
        text=None,
        *,
        actor=None,
        owner=None,
        topic=None,
        sharing=Question.Sharing.PRIVATE,
        status=None,
        **data,
    ):
        if text is not None:
            data["text"] = text
        question = services.create_question(
            actor=actor or alice,
            owner_agency=owner or tree["snv"],
            topic=topic or topics["mot_cua"],
            data=question_data(**data),
            sharing=sharing,
            check_permission=False,
        )
        if status is not None and status != Question.Status.DRAFT:
            services.record_status(question=question, to_status=status, actor=actor or alice)
            question.save(update_fields=["status"])
        return question

    return make


def png_bytes(size=(40, 30), color=(200, 30, 30), mode="RGB", fmt="PNG", **save):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def upload(name="image.png", content=None, **kwargs):
    return SimpleUploadedFile(name, content if content is not None else png_bytes(**kwargs))


def question_post(topic, *, owner=None, options=None, **overrides):
    """POST data of the question form: six option rows, blank ones left empty.
    `options` is a list of (text, correct) pairs."""
    options = options or [("Bộ phận Một cửa", True), ("Văn phòng HĐND", False), ("Công an xã", False)]
    data = {
        "topic": str(topic.pk),
        "kind": "single",
        "text": "Cơ quan nào tiếp nhận hồ sơ theo cơ chế một cửa?",
        "difficulty": "medium",
        "explanation": "",
        "legal_basis": "Điều 6 Nghị định 61/2018/NĐ-CP",
        "tags": "một cửa, CCHC",
        "sharing": "private",
        "opt-TOTAL_FORMS": "6",
        "opt-INITIAL_FORMS": "6",
        "opt-MIN_NUM_FORMS": "0",
        "opt-MAX_NUM_FORMS": "6",
    }
    if owner is not None:
        data["owner_agency"] = str(owner.pk)
    for index in range(6):
        text, correct = options[index] if index < len(options) else ("", False)
        data[f"opt-{index}-text"] = text
        if correct:
            data[f"opt-{index}-is_correct"] = "on"
    data.update(overrides)
    return data
