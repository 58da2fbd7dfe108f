"""Seed topics (the areas of the state administrative reform programme) and the
seed question bank, loaded idempotently by `manage.py load_demo`."""

import json
from pathlib import Path

from django.db import transaction

from accounts.models import Agency, User
from questionbank import services
from questionbank.models import Question, StatusChange, Topic
from questionbank.rules import OptionData, QuestionData
from questionbank.text import dedup_key

SEED_FILE = Path(__file__).resolve().parent / "seed" / "questions_cchc.json"

# (code, name, parent code)
TOPICS = [
    ("the-che", "Cải cách thể chế", ""),
    ("tthc", "Cải cách thủ tục hành chính", ""),
    ("tthc-mot-cua", "Cơ chế một cửa, một cửa liên thông", "tthc"),
    ("tthc-dvc-truc-tuyen", "Dịch vụ công trực tuyến", "tthc"),
    ("tthc-chung-thuc", "Chứng thực, bản sao điện tử", "tthc"),
    ("tthc-thanh-toan", "Thanh toán trực tuyến", "tthc"),
    ("bo-may", "Cải cách tổ chức bộ máy hành chính nhà nước", ""),
    ("cong-vu", "Cải cách chế độ công vụ", ""),
    ("van-hoa-cong-vu", "Văn hóa công vụ, kỷ luật, kỷ cương hành chính", "cong-vu"),
    ("tai-chinh-cong", "Cải cách tài chính công", ""),
    ("chinh-phu-so", "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số", ""),
    ("chi-so", "Các chỉ số PAR Index, SIPAS, PAPI, PCI", ""),
    ("tuyen-truyen", "Thông tin, tuyên truyền cải cách hành chính", ""),
]


@transaction.atomic
def load_topics():
    by_code = {t.code: t for t in Topic.objects.all()}
    for code, name, parent in TOPICS:
        if code in by_code:
            continue
        by_code[code] = services.create_topic(name=name, code=code, parent=by_code.get(parent))
    return by_code


def seed_questions():
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_questions(
    *,
    owner_code="snv",
    author_email="tochuc@demo.thitimhieu.vn",
    reviewer_email="thamdinh@demo.thitimhieu.vn",
):
    topics = load_topics()
    owner = Agency.objects.get(code=owner_code)
    author = User.objects.get(email=author_email)
    reviewer = User.objects.get(email=reviewer_email)
    existing = set(Question.objects.filter(owner_agency=owner).values_list("dedup_key", flat=True))
    created = 0
    for item in seed_questions():
        if dedup_key(item["text"]) in existing:
            continue
        data = QuestionData(
            kind=item["kind"],
            text=item["text"],
            difficulty=item["difficulty"],
            options=[OptionData(o["text"], o["correct"]) for o in item["options"]],
            explanation=item.get("explanation", ""),
            legal_basis=item.get("legal_basis", ""),
            tags=item.get("tags", []),
        )
        question = services.create_question(
            actor=author,
            owner_agency=owner,
            topic=topics[item["topic"]],
            data=data,
            sharing=Question.Sharing.SHARED,
            check_permission=False,
        )
        StatusChange.objects.create(question=question, from_status="draft", to_status="review", actor=author)
        StatusChange.objects.create(
            question=question,
            from_status="review",
            to_status="approved",
            actor=reviewer,
            comment="Câu hỏi mẫu đã thẩm định",
        )
        question.status, question.reviewer = Question.Status.APPROVED, reviewer
        question.save(update_fields=["status", "reviewer"])
        created += 1
    return created


def load():
    load_topics()
    load_questions()
    return []
