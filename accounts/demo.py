"""Demo agencies and people, loaded idempotently by `manage.py load_demo`.

The agencies are those named in the 2021 CCHC communication plan of Bình Định
province (shared/reference), with plausible headcounts.
"""

from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from accounts import services
from accounts.models import Agency, Membership, User
from accounts.validation import cccd_digest

DEMO_PASSWORD = "ThiTimHieu@2021"

# (code, name, kind, parent code, headcount)
AGENCIES = [
    ("binhdinh", "UBND tỉnh Bình Định", Agency.Kind.PROVINCE, "", 0),
    ("snv", "Sở Nội vụ", Agency.Kind.DEPARTMENT, "binhdinh", 62),
    ("stttt", "Sở Thông tin và Truyền thông", Agency.Kind.DEPARTMENT, "binhdinh", 48),
    ("vpubnd", "Văn phòng UBND tỉnh", Agency.Kind.DEPARTMENT, "binhdinh", 85),
    ("ttphvcc", "Trung tâm Phục vụ hành chính công tỉnh", Agency.Kind.UNIT, "vpubnd", 30),
    ("skhdt", "Sở Kế hoạch và Đầu tư", Agency.Kind.DEPARTMENT, "binhdinh", 55),
    ("sct", "Sở Công Thương", Agency.Kind.DEPARTMENT, "binhdinh", 70),
    ("stc", "Sở Tài chính", Agency.Kind.DEPARTMENT, "binhdinh", 66),
    ("bqlkkt", "Ban Quản lý Khu kinh tế tỉnh", Agency.Kind.DEPARTMENT, "binhdinh", 58),
    ("baobinhdinh", "Báo Bình Định", Agency.Kind.UNIT, "binhdinh", 90),
    ("daipttn", "Đài Phát thanh và Truyền hình tỉnh", Agency.Kind.UNIT, "binhdinh", 120),
    ("quynhon", "UBND thành phố Quy Nhơn", Agency.Kind.DISTRICT, "binhdinh", 180),
    ("annhon", "UBND thị xã An Nhơn", Agency.Kind.DISTRICT, "binhdinh", 140),
    ("hoainhon", "UBND thị xã Hoài Nhơn", Agency.Kind.DISTRICT, "binhdinh", 150),
    ("tuyphuoc", "UBND huyện Tuy Phước", Agency.Kind.DISTRICT, "binhdinh", 130),
    ("phucat", "UBND huyện Phù Cát", Agency.Kind.DISTRICT, "binhdinh", 135),
    ("phumy", "UBND huyện Phù Mỹ", Agency.Kind.DISTRICT, "binhdinh", 132),
    ("hoaian", "UBND huyện Hoài Ân", Agency.Kind.DISTRICT, "binhdinh", 110),
    ("tayson", "UBND huyện Tây Sơn", Agency.Kind.DISTRICT, "binhdinh", 120),
    ("vancanh", "UBND huyện Vân Canh", Agency.Kind.DISTRICT, "binhdinh", 80),
    ("vinhthanh", "UBND huyện Vĩnh Thạnh", Agency.Kind.DISTRICT, "binhdinh", 85),
    ("anlao", "UBND huyện An Lão", Agency.Kind.DISTRICT, "binhdinh", 82),
    ("p-leloi", "UBND phường Lê Lợi", Agency.Kind.COMMUNE, "quynhon", 22),
    ("p-nhonbinh", "UBND phường Nhơn Bình", Agency.Kind.COMMUNE, "quynhon", 20),
    ("x-phuocthuan", "UBND xã Phước Thuận", Agency.Kind.COMMUNE, "tuyphuoc", 21),
    ("x-cattan", "UBND xã Cát Tân", Agency.Kind.COMMUNE, "phucat", 19),
]

# Gia Lai (52) absorbed Bình Định in the 2025 reform; Phường Quy Nhơn is 21583.
_PROVINCE, _WARD = 52, 21583

# (email, full name, birth date, gender, CCCD, kind, agency code, position, roles, superuser)
PEOPLE = [
    (
        "admin@demo.thitimhieu.vn",
        "Quản trị Hệ thống",
        date(1985, 3, 2),
        "male",
        "052085000101",
        User.Kind.OFFICIAL,
        "snv",
        User.Position.NON_LEADER,
        [],
        True,
    ),
    (
        "tochuc@demo.thitimhieu.vn",
        "Nguyễn Thị Tổ Chức",
        date(1988, 7, 14),
        "female",
        "052188000202",
        User.Kind.OFFICIAL,
        "snv",
        User.Position.LEADER,
        [Membership.Role.ORGANIZER, Membership.Role.AUTHOR],
        False,
    ),
    (
        "thamdinh@demo.thitimhieu.vn",
        "Trần Văn Thẩm Định",
        date(1979, 11, 5),
        "male",
        "052079000303",
        User.Kind.OFFICIAL,
        "snv",
        User.Position.LEADER,
        [Membership.Role.REVIEWER],
        False,
    ),
    (
        "congchuc1@demo.thitimhieu.vn",
        "Lê Minh An",
        date(1992, 1, 20),
        "male",
        "052092000404",
        User.Kind.OFFICIAL,
        "stttt",
        User.Position.NON_LEADER,
        [],
        False,
    ),
    (
        "congchuc2@demo.thitimhieu.vn",
        "Phạm Thị Bình",
        date(1995, 9, 9),
        "female",
        "052195000505",
        User.Kind.OFFICIAL,
        "quynhon",
        User.Position.NON_LEADER,
        [],
        False,
    ),
    (
        "nguoidan@demo.thitimhieu.vn",
        "Võ Thị Dân",
        date(2000, 4, 30),
        "female",
        "052300000606",
        User.Kind.CITIZEN,
        "",
        "",
        [],
        False,
    ),
]


@transaction.atomic
def load_agencies():
    by_code = {a.code: a for a in Agency.objects.all()}
    for code, name, kind, parent, headcount in AGENCIES:
        agency = by_code.get(code) or Agency(code=code)
        agency.name, agency.kind, agency.headcount = name, kind, headcount
        agency.parent = by_code[parent] if parent else None
        by_code[code] = services.save_agency(agency=agency)
    return by_code


@transaction.atomic
def load_people():
    agencies = {a.code: a for a in Agency.objects.all()}
    people = {}
    for email, name, dob, gender, cccd, kind, agency, position, roles, superuser in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
        user.is_superuser = user.is_staff = superuser
        user.save(update_fields=["is_superuser", "is_staff"])
        digest = cccd_digest(cccd, key=settings.CCCD_HMAC_KEY)
        services.update_profile(
            user=user,
            cccd=cccd if user.cccd_hash != digest else None,
            full_name=name,
            date_of_birth=dob,
            gender=gender,
            phone="0912" + cccd[-6:],
            kind=kind,
            agency=agencies.get(agency),
            position=position,
            province_code=_PROVINCE,
            ward_code=_WARD,
        )
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        for role in roles:
            services.grant_role(user=user, agency=agencies[agency], role=role)
        people[email] = user
    return people


def load():
    load_agencies()
    load_people()
    return [(email, DEMO_PASSWORD) for email, *_rest in PEOPLE]
