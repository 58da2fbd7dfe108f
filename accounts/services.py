"""Every state change of people, agencies and roles."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import agency_import
from accounts.models import Agency, Membership, User
from accounts.validation import cccd_digest


class ProfileError(Exception):
    """A profile change that cannot be applied; the message is for the user."""


class AgencyImportError(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def duplicate_cccd_message():
    # Deliberately names no other account (personal data).
    return _(
        "This CCCD number is already registered to another account. One person may have only one "
        "account; if you have forgotten your password, use “Forgot password”."
    )


def cccd_is_taken(*, number, exclude_user=None):
    digest = cccd_digest(number, key=settings.CCCD_HMAC_KEY)
    qs = User.objects.filter(cccd_hash=digest)
    if exclude_user is not None:
        qs = qs.exclude(pk=exclude_user.pk)
    return qs.exists()


PROFILE_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "phone",
    "kind",
    "agency",
    "position",
    "province_code",
    "ward_code",
)


@transaction.atomic
def update_profile(*, user, cccd=None, **fields):
    """Write validated profile fields. `cccd` is the full number, hashed here.

    Raises ProfileError when the CCCD belongs to another account; nothing is
    changed then.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    update_fields = list(fields)
    if user.kind != User.Kind.OFFICIAL:
        user.agency = None
        user.position = ""
        update_fields += ["agency", "position"]
    if cccd:
        user.cccd_hash = cccd_digest(cccd, key=settings.CCCD_HMAC_KEY)
        user.cccd_last3 = cccd[-3:]
        update_fields += ["cccd_hash", "cccd_last3"]
    try:
        with transaction.atomic():
            user.save(update_fields=sorted(set(update_fields)))
    except IntegrityError as exc:
        if "cccd" in str(exc).lower():
            user.refresh_from_db()
            raise ProfileError(duplicate_cccd_message()) from None
        raise
    return user


def _path_for(agency):
    prefix = agency.parent.path if agency.parent_id else "/"
    return f"{prefix}{agency.pk}/"


def _refresh_subtree_paths(agency, old_path):
    if not old_path or old_path == agency.path:
        return
    for child in Agency.objects.filter(path__startswith=old_path).exclude(pk=agency.pk):
        child.path = agency.path + child.path[len(old_path) :]
        child.save(update_fields=["path"])


@transaction.atomic
def save_agency(*, agency):
    """Create or update an agency and keep the paths of its subtree right."""
    if agency.parent_id:
        parent = Agency.objects.get(pk=agency.parent_id)
        if agency.pk and (parent.pk == agency.pk or f"/{agency.pk}/" in parent.path):
            raise ValueError(_("An agency cannot be placed under itself or one of its own sub-agencies."))
        agency.parent = parent
    old_path = Agency.objects.filter(pk=agency.pk).values_list("path", flat=True).first() if agency.pk else ""
    agency.save()
    agency.path = _path_for(agency)
    agency.save(update_fields=["path"])
    _refresh_subtree_paths(agency, old_path)
    return agency


@transaction.atomic
def create_agency(*, name, code, parent=None, kind=Agency.Kind.OTHER, headcount=0):
    return save_agency(agency=Agency(name=name, code=code, parent=parent, kind=kind, headcount=headcount))


@dataclass
class ImportSummary:
    created: int
    updated: int


@transaction.atomic
def import_agencies(*, fileobj):
    """Create or update agencies from an .xlsx; all or nothing.

    Raises AgencyImportError with every problem (row number and reason).
    """
    existing = {a.code: a for a in Agency.objects.select_for_update()}
    rows, errors = agency_import.read_rows(fileobj)
    if not errors:
        errors = agency_import.check_rows(
            rows, existing_parents={c: a.parent.code if a.parent else "" for c, a in existing.items()}
        )
    if errors:
        raise AgencyImportError(errors)
    created = updated = 0
    pending = list(rows)
    by_code = dict(existing)
    # Parents first: repeat passes until every row's parent exists.
    while pending:
        progressed = []
        for row in pending:
            if row.parent_code and row.parent_code not in by_code:
                continue
            agency = by_code.get(row.code) or Agency(code=row.code)
            is_new = agency.pk is None
            agency.name = row.name
            agency.headcount = row.headcount
            agency.kind = row.kind or agency.kind
            agency.parent = by_code[row.parent_code] if row.parent_code else None
            save_agency(agency=agency)
            by_code[row.code] = agency
            created += is_new
            updated += not is_new
            progressed.append(row)
        if not progressed:  # check_rows rules this out; guard against loops anyway
            raise AgencyImportError([_("Some rows could not be placed in the tree.")])
        pending = [r for r in pending if r not in progressed]
    return ImportSummary(created=created, updated=updated)


@transaction.atomic
def grant_role(*, user, agency, role):
    membership, _created = Membership.objects.get_or_create(user=user, agency=agency, role=role)
    return membership


@transaction.atomic
def revoke_role(*, user, agency, role):
    Membership.objects.filter(user=user, agency=agency, role=role).delete()
