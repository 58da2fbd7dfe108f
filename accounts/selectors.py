"""Permission-aware reads about people, agencies and roles. Deny by default."""

from allauth.account.models import EmailAddress
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Membership, User


def agency_subtree(agency):
    """The agency and every agency below it."""
    return Agency.objects.filter(path__startswith=agency.path)


def has_verified_email(user):
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _role_agencies(user, roles):
    return Agency.objects.filter(memberships__user=user, memberships__role__in=roles, is_active=True)


def agencies_with_role(*, user, roles):
    """Every agency the user's roles cover (each role agency plus its subtree).

    Organizer rights require a verified e-mail address; superusers cover all.
    """
    if not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    roles = list(roles)
    if Membership.Role.ORGANIZER in roles and not has_verified_email(user):
        roles.remove(Membership.Role.ORGANIZER)
    paths = list(_role_agencies(user, roles).values_list("path", flat=True))
    if not paths:
        return Agency.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Agency.objects.filter(condition)


def managed_agencies(*, user):
    """Agencies an organizer may manage: their organizer agencies' subtrees."""
    return agencies_with_role(user=user, roles=[Membership.Role.ORGANIZER])


def has_role_for_agency(*, user, agency, roles):
    """True when one of `roles` is held on `agency` or one of its ancestors."""
    if agency is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = list(roles)
    if Membership.Role.ORGANIZER in roles and not has_verified_email(user):
        roles.remove(Membership.Role.ORGANIZER)
    if not roles:
        return False
    return Membership.objects.filter(
        user=user, role__in=roles, agency_id__in=agency.ancestor_ids, agency__is_active=True
    ).exists()


def can_manage_agency(*, user, agency):
    return has_role_for_agency(user=user, agency=agency, roles=[Membership.Role.ORGANIZER])


def is_organizer_anywhere(*, user):
    if not user.is_authenticated:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Membership.Role.ORGANIZER).exists()


def can_see_user(*, viewer, person):
    """A person is visible to themselves, site admins and organizers over their agency."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == person.pk or viewer.is_superuser:
        return True
    return can_manage_agency(user=viewer, agency=person.agency)


def agency_choices():
    """(id, indented name) for every active agency, in tree order."""
    return [
        (a.pk, "\u2003" * a.depth + a.name)
        for a in Agency.objects.filter(is_active=True).only("id", "name", "path")
    ]


PROFILE_REQUIREMENTS = [
    ("full_name", _("full name")),
    ("date_of_birth", _("date of birth")),
    ("phone", _("mobile phone")),
    ("cccd_hash", _("citizen ID number (CCCD)")),
    ("kind", _("participant type")),
    ("province_code", _("province / city")),
    ("ward_code", _("commune / ward")),
]


def missing_profile_fields(user):
    """Labels of the profile details still missing; empty when complete.

    Contest entry and prize eligibility use this gate.
    """
    missing = [label for field, label in PROFILE_REQUIREMENTS if getattr(user, field) in (None, "")]
    if user.kind == User.Kind.OFFICIAL:
        if user.agency_id is None:
            missing.append(_("agency"))
        if not user.position:
            missing.append(_("position"))
    return missing


def is_profile_complete(user):
    return user.is_authenticated and not missing_profile_fields(user)
