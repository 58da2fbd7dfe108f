"""The demo contest, loaded idempotently by `manage.py load_demo` after the
question bank.

"Cuộc thi tìm hiểu về cải cách hành chính tỉnh Bình Định năm 2021", owned by
Sở Nội vụ, published, open to officials of every agency and to citizens, with
two blocks (CBCCVC, Người dân), four weekly rounds (Monday 00:00 → Sunday
23:59:59, Asia/Ho_Chi_Minh) placed so that round 2 is the week the loader
first runs, and a practice round open for the whole contest.

Running the loader again changes nothing (the rounds keep their first dates);
`manage.py recentre_demo_contest` moves the rounds so that round 2 is the
current week again.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from contests.models import Block, Contest, Round
from contests.rules.timer import CONTEST_TZ
from contests.setup import services
from contests.setup.services import RuleData
from questionbank.models import Topic

SLUG = "cchc-binh-dinh-2021"
TITLE = "Cuộc thi tìm hiểu về cải cách hành chính tỉnh Bình Định năm 2021"
OWNER_CODE = "snv"
ORGANIZER_EMAIL = "tochuc@demo.thitimhieu.vn"
WEEKS = 4
OPEN_WEEK = 2  # the round open on the day the loader first runs
QUESTIONS, MINUTES, ATTEMPTS = 20, 20, 3
PRACTICE_QUESTIONS = 10

DESCRIPTION = (
    "Cuộc thi trực tuyến dành cho cán bộ, công chức, viên chức và người dân, thực hiện Kế hoạch "
    "tuyên truyền công tác cải cách hành chính tỉnh Bình Định năm 2021. Bốn tuần thi, mỗi tuần "
    "20 câu hỏi trong 20 phút."
)

# (code, name, who belongs)
BLOCKS = [
    ("cbccvc", "CBCCVC", Block.Kind.OFFICIAL),
    ("nguoi-dan", "Người dân", Block.Kind.CITIZEN),
]

# Per block: (topic code, questions). Each topic counts its sub-topics. The
# seed bank (115 approved shared questions) holds: tuyen-truyen 29, tthc 41,
# cong-vu 13, chi-so 10, the-che 5, bo-may 5, tai-chinh-cong 6, chinh-phu-so 6.
DRAW_RULES = {
    "cbccvc": [
        ("tuyen-truyen", 5),
        ("tthc", 5),
        ("cong-vu", 4),
        ("the-che", 2),
        ("bo-may", 2),
        ("tai-chinh-cong", 2),
    ],
    "nguoi-dan": [
        ("tthc", 8),
        ("tuyen-truyen", 6),
        ("chinh-phu-so", 3),
        ("chi-so", 3),
    ],
}
PRACTICE_RULES = [("tuyen-truyen", 4), ("tthc", 4), ("cong-vu", 2)]

RULES_TEXT = """\
# Thể lệ Cuộc thi tìm hiểu về cải cách hành chính tỉnh Bình Định năm 2021

Thực hiện Kế hoạch tuyên truyền công tác cải cách hành chính tỉnh Bình Định năm 2021, Sở Nội vụ \
tổ chức Cuộc thi trực tuyến tìm hiểu về cải cách hành chính nhằm nâng cao nhận thức của cán bộ, \
công chức, viên chức và Nhân dân về mục tiêu, nhiệm vụ cải cách hành chính của tỉnh.

## 1. Đối tượng dự thi

- **Bảng CBCCVC:** cán bộ, công chức, viên chức, người lao động đang công tác tại các cơ quan, \
đơn vị, địa phương trên địa bàn tỉnh Bình Định.
- **Bảng Người dân:** công dân Việt Nam đang sinh sống, học tập, lao động trong và ngoài tỉnh.
- Thành viên Ban Tổ chức, Tổ Thư ký giúp việc và người biên soạn câu hỏi của cuộc thi không \
được dự thi.
- Người dự thi đăng ký tài khoản bằng thông tin thật: họ và tên, ngày sinh, số căn cước công dân, \
số điện thoại, nơi ở; cán bộ, công chức, viên chức chọn thêm cơ quan, đơn vị công tác. Mỗi người \
chỉ được đăng ký một tài khoản. Bài thi của người khai báo thông tin không đầy đủ hoặc không \
chính xác không được xét giải.

## 2. Thời gian thi

- Cuộc thi gồm **04 tuần thi**. Mỗi tuần thi bắt đầu lúc **00 giờ 00 phút thứ Hai** và kết thúc \
lúc **23 giờ 59 phút 59 giây Chủ nhật** (giờ Việt Nam). Ngày cụ thể của từng tuần được công bố \
trên trang cuộc thi.
- **Vòng thi thử** mở trong suốt thời gian cuộc thi: không giới hạn số lần, không tính giờ, \
không xếp hạng và không xét giải.

## 3. Hình thức và cách thi

- Thi trắc nghiệm trực tuyến trên máy tính hoặc điện thoại. Mỗi lượt thi gồm **20 câu hỏi** \
được chọn ngẫu nhiên từ ngân hàng câu hỏi về: cải cách thể chế; cải cách thủ tục hành chính; \
cải cách tổ chức bộ máy hành chính nhà nước; cải cách chế độ công vụ; cải cách tài chính công; \
xây dựng và phát triển Chính phủ điện tử, Chính phủ số; các chỉ số PAR Index, SIPAS, PAPI, PCI; \
thông tin, tuyên truyền cải cách hành chính.
- Thời gian làm bài là **20 phút**, tính theo đồng hồ của máy chủ kể từ khi lượt thi bắt đầu. \
Tải lại trang hoặc mất kết nối không làm dừng đồng hồ và không làm mất các câu đã trả lời. \
Hết giờ, bài thi được tự động ghi nhận với các câu đã trả lời.
- Câu trả lời được gửi trước khi hết giờ nhưng đến máy chủ chậm do đường truyền vẫn được chấp \
nhận nếu đến trong vòng **02 giây** sau thời điểm hết giờ; sau đó không câu trả lời nào được \
ghi nhận.
- Mỗi người được thi tối đa **03 lượt** trong một tuần thi; **lượt có kết quả cao nhất** được \
dùng để xếp hạng và xét giải.
- **Câu hỏi dự đoán** (bắt buộc, trả lời bằng số nguyên): *"Tuần thi này có bao nhiêu người \
tham gia?"* Số người tham gia là số người (không phải số lượt thi) có bài thi hợp lệ trong tuần \
thi, tính riêng cho từng bảng.
- Đáp án và giải thích của từng câu hỏi được công bố sau khi tuần thi kết thúc.

## 4. Xếp hạng và xét giải

Giải được xét riêng cho từng tuần thi và từng bảng, lần lượt theo các tiêu chí:

1. Số câu trả lời đúng nhiều hơn;
2. Nếu bằng nhau: câu trả lời dự đoán có chênh lệch so với số người tham gia thực tế nhỏ hơn \
(dự đoán cao hơn hay thấp hơn với cùng mức chênh lệch được xem là như nhau);
3. Nếu vẫn bằng nhau: thời gian làm bài (do máy chủ đo, tính đến phần nghìn giây) ngắn hơn;
4. Nếu vẫn bằng nhau: người nộp bài sớm hơn.

## 5. Cơ cấu giải thưởng (mỗi tuần thi, mỗi bảng)

| Giải | Số lượng | Giá trị mỗi giải |
|---|---|---|
| Giải Nhất | 01 | 2.000.000 đồng |
| Giải Nhì | 02 | 1.500.000 đồng |
| Giải Ba | 03 | 1.000.000 đồng |
| Giải Khuyến khích | 10 | 500.000 đồng |

Mỗi người nhận không quá một giải trong một tuần thi. Người đạt giải nhận Giấy chứng nhận của \
Ban Tổ chức. Khi tổng kết cuộc thi, Ban Tổ chức xét giải tập thể cho các cơ quan, đơn vị, địa \
phương có tỷ lệ cán bộ, công chức, viên chức tham gia cao.

## 6. Công bố kết quả

Kết quả từng tuần thi được công bố trên trang cuộc thi chậm nhất 07 ngày làm việc sau khi tuần \
thi kết thúc. Quyết định của Ban Tổ chức là quyết định cuối cùng.

Mọi thắc mắc xin liên hệ Ban Tổ chức cuộc thi – **Sở Nội vụ tỉnh Bình Định**.
"""


def week_windows(*, today):
    """[(opens, closes)] of the WEEKS weekly rounds, round OPEN_WEEK being the
    week of `today` (a date in Asia/Ho_Chi_Minh)."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=OPEN_WEEK - 1)
    windows = []
    for week in range(WEEKS):
        day = first + timedelta(weeks=week)
        opens = datetime.combine(day, time(0, 0), tzinfo=CONTEST_TZ)
        windows.append((opens, opens + timedelta(days=7, seconds=-1)))
    return windows


def _today():
    return timezone.localdate(timezone.now(), CONTEST_TZ)


def _rules(specs, *, block=None):
    topics = {t.code: t for t in Topic.objects.filter(code__in=[code for code, _n in specs])}
    return [RuleData(topic=topics[code], count=count, block=block) for code, count in specs]


def _weekly_settings(number):
    return {
        "number": number,
        "title": f"Tuần {number}",
        "questions_per_attempt": QUESTIONS,
        "time_limit_minutes": MINUTES,
        "shuffle_questions": True,
        "shuffle_options": True,
        "must_answer_all": False,
        "max_attempts": ATTEMPTS,
        "max_attempts_per_day": None,
        "counting": Round.Counting.BEST,
        "prediction_target": Round.PredictionTarget.PARTICIPANTS,
        "prediction_decimal": False,
        "prediction_required": True,
        "explanations": Round.Explanations.AFTER_CLOSE,
        "is_practice": False,
    }


def _practice_settings():
    return {
        "number": 0,
        "title": "Thi thử",
        "questions_per_attempt": PRACTICE_QUESTIONS,
        "time_limit_minutes": MINUTES,  # practice rounds are untimed; the value is not used
        "shuffle_questions": True,
        "shuffle_options": True,
        "max_attempts": None,
        "max_attempts_per_day": None,
        "counting": Round.Counting.BEST,
        "prediction_target": Round.PredictionTarget.NONE,
        "explanations": Round.Explanations.AFTER_SUBMIT,
        "is_practice": True,
    }


@transaction.atomic
def load_contest(*, today=None):
    """Create and publish the demo contest unless it exists. Returns it."""
    existing = Contest.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing
    today = today or _today()
    organizer = User.objects.filter(email=ORGANIZER_EMAIL).first()
    contest = services.create_contest(
        actor=organizer,
        owner_agency=Agency.objects.get(code=OWNER_CODE),
        check_permission=False,
        title=TITLE,
        slug=SLUG,
        description=DESCRIPTION,
        rules_text=RULES_TEXT,
        audience_officials=True,
        audience_citizens=True,
        exclude_staff=True,
        leaderboard=Contest.Leaderboard.LIVE,
        name_display=Contest.NameDisplay.MASKED,
    )
    blocks = {}
    for position, (code, name, kind) in enumerate(BLOCKS, start=1):
        blocks[code] = services.create_block(
            actor=organizer,
            contest=contest,
            check_permission=False,
            name=name,
            code=code,
            participant_kind=kind,
            position=position,
        )
    rules = [rule for code, specs in DRAW_RULES.items() for rule in _rules(specs, block=blocks[code])]
    windows = week_windows(today=today)
    for number, (opens, closes) in enumerate(windows, start=1):
        services.create_round(
            actor=organizer,
            contest=contest,
            check_permission=False,
            draw_rules=rules,
            opens_at=opens,
            closes_at=closes,
            **_weekly_settings(number),
        )
    services.create_round(
        actor=organizer,
        contest=contest,
        check_permission=False,
        draw_rules=_rules(PRACTICE_RULES),
        opens_at=windows[0][0],
        closes_at=windows[-1][1],
        **_practice_settings(),
    )
    return services.publish_contest(actor=organizer, contest=contest, check_permission=False)


@transaction.atomic
def recentre_dates(*, today=None):
    """Move the demo rounds so that round OPEN_WEEK is the week of `today`
    (attempts already made stay where they are). Returns the contest, or None
    when it has not been loaded."""
    contest = Contest.objects.filter(slug=SLUG).first()
    if contest is None:
        return None
    windows = week_windows(today=today or _today())
    weekly = {r.number: r for r in contest.rounds.filter(is_practice=False, number__lte=WEEKS)}
    if 1 in weekly and weekly[1].opens_at == windows[0][0]:
        return contest
    # Move in the direction of travel so that no round passes over another.
    later = 1 in weekly and windows[0][0] > weekly[1].opens_at
    for number in sorted(weekly, reverse=later):
        opens, closes = windows[number - 1]
        services.update_round(
            actor=None, round=weekly[number], check_permission=False, opens_at=opens, closes_at=closes
        )
    for practice in contest.rounds.filter(is_practice=True):
        services.update_round(
            actor=None,
            round=practice,
            check_permission=False,
            opens_at=windows[0][0],
            closes_at=windows[-1][1],
        )
    return contest


def load():
    load_contest()
    return []
