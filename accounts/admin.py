from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts import audit, services
from accounts.forms import AgencyImportForm
from accounts.models import Agency, AuditEntry, Membership, User

# --- roles in the audit log ---------------------------------------------------------------------
# Roles are granted and revoked here, in the site admin: each change is an
# audit entry (accounts.audit), written in the admin's own transaction.

ROLE_FIELDS = ["user", "agency", "role"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record kept as it was written (history, logs): the site admin reads it,
    nobody adds, changes or deletes it here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _memberships(ids):
    return {m.pk: m for m in Membership.objects.filter(pk__in=ids).select_related("user", "agency")}


def _record_grant(request, membership):
    after = audit.snapshot(membership, ROLE_FIELDS)
    audit.record(
        actor=request.user,
        action="role.grant",
        obj=membership,
        agency=membership.agency_id,
        summary=str(membership),
        after=after,
    )


def _record_change(request, old, membership):
    before, after = audit.snapshot(old, ROLE_FIELDS), audit.snapshot(membership, ROLE_FIELDS)
    if before != after:
        audit.record(
            actor=request.user,
            action="role.change",
            obj=membership,
            agency=membership.agency_id,
            summary=f"{old} → {membership}",
            before=before,
            after=after,
        )


def _record_revokes(request, memberships):
    """Before `memberships` are deleted (directly, or with their user or agency)."""
    for membership in memberships:
        audit.record(
            actor=request.user,
            action="role.revoke",
            obj=membership,
            agency=membership.agency_id,
            summary=str(membership),
            before=audit.snapshot(membership, ROLE_FIELDS),
        )


class RevokesRolesOnDelete:
    """Deleting a user or an agency deletes its roles: record each as revoked.
    `role_owner` is the Membership field that points at the deleted object."""

    role_owner = ""

    def delete_model(self, request, obj):
        _record_revokes(request, obj.memberships.select_related("user", "agency"))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            roles = Membership.objects.filter(**{f"{self.role_owner}__in": queryset})
            _record_revokes(request, roles.select_related("user", "agency"))
            super().delete_queryset(request, queryset)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(Agency)
class AgencyAdmin(RevokesRolesOnDelete, admin.ModelAdmin):
    role_owner = "agency"

    list_display = ["indented_name", "code", "kind", "headcount", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    change_list_template = "admin/accounts/agency/change_list.html"

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "— " * obj.depth + obj.name

    def save_model(self, request, obj, form, change):
        try:
            services.save_agency(agency=obj)
        except ValueError as exc:
            messages.error(request, str(exc))

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="accounts_agency_import"),
        ] + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = AgencyImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                summary = services.import_agencies(fileobj=form.cleaned_data["file"])
            except services.AgencyImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Imported: %(created)d created, %(updated)d updated.")
                    % {"created": summary.created, "updated": summary.updated},
                )
                return redirect("admin:accounts_agency_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "errors": errors,
            "title": _("Import agencies"),
            "opts": self.model._meta,
        }
        return render(request, "admin/accounts/agency/import.html", context)


@admin.register(User)
class UserAdmin(RevokesRolesOnDelete, BaseUserAdmin):
    role_owner = "user"

    ordering = ["email"]
    list_display = ["email", "full_name", "kind", "agency", "is_staff", "is_active"]
    list_filter = ["kind", "is_staff", "is_superuser", "is_active", "position"]
    search_fields = ["email", "full_name", "phone"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["cccd_last3", "last_login", "date_joined"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "full_name",
                    "date_of_birth",
                    "gender",
                    "phone",
                    "cccd_last3",
                    "kind",
                    "agency",
                    "position",
                    "province_code",
                    "ward_code",
                )
            },
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # The forms' instances already hold the new values: read the old ones.
        old = _memberships([f.instance.pk for f in formset.initial_forms if f.instance.pk])
        deleted = [old[f.instance.pk] for f in formset.deleted_forms if f.instance.pk in old]
        _record_revokes(request, deleted)
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            _record_grant(request, membership)
        for membership, _fields in formset.changed_objects:
            _record_change(request, old[membership.pk], membership)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "agency__name", "agency__code"]
    autocomplete_fields = ["user", "agency"]

    def save_model(self, request, obj, form, change):
        old = _memberships([obj.pk]).get(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if old is None:
            _record_grant(request, obj)
        else:
            _record_change(request, old, obj)

    def delete_model(self, request, obj):
        _record_revokes(request, _memberships([obj.pk]).values())
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            _record_revokes(request, queryset.select_related("user", "agency"))
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log, read-only: nobody adds, changes or deletes an entry."""

    list_display = [
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "contest_id",
        "agency",
        "summary",
    ]
    list_filter = ["action", "object_type", "at"]
    search_fields = ["actor_name", "actor__email", "summary", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["agency"]
    fields = [
        "at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "contest_id",
        "agency",
        "summary",
        "before",
        "after",
    ]
    readonly_fields = fields
