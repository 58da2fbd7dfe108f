"""Small builders for tests. They go through the services like the app does."""

from datetime import date

from allauth.account.models import EmailAddress

from accounts import services
from accounts.models import Agency, User

PASSWORD = "Mat-khau-rat-kho-2026"

_counter = {"n": 0}


def make_agency(code, name, *, parent=None, kind="department", headcount=10):
    return services.create_agency(name=name, code=code, parent=parent, kind=kind, headcount=headcount)


def next_cccd(*, year=1990, female=False):
    """A valid, unique CCCD for a person born in `year` (Bình Định prefix)."""
    _counter["n"] += 1
    century_digit = (0 if year < 2000 else 2) + (1 if female else 0)
    return f"052{century_digit}{year % 100:02d}{_counter['n']:06d}"


def make_user(email, *, agency=None, roles=(), verified=True, complete=True, kind=None, superuser=False):
    user = User.objects.create_user(
        email=email, password=PASSWORD, is_superuser=superuser, is_staff=superuser
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    if complete:
        kind = kind or (User.Kind.OFFICIAL if agency else User.Kind.CITIZEN)
        services.update_profile(
            user=user,
            cccd=next_cccd(year=1990),
            full_name="Nguyễn Văn " + email.split("@")[0].capitalize(),
            date_of_birth=date(1990, 5, 17),
            gender="male",
            phone="0912345678",
            kind=kind,
            agency=agency if kind == User.Kind.OFFICIAL else None,
            position=User.Position.NON_LEADER if kind == User.Kind.OFFICIAL else "",
            province_code=52,
            ward_code=21583,
        )
    for role in roles:
        services.grant_role(user=user, agency=agency, role=role)
    return user


def fresh(agency):
    return Agency.objects.get(pk=agency.pk)
