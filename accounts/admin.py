from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import AgencyImportForm
from accounts.models import Agency, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
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
class UserAdmin(BaseUserAdmin):
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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "agency__name", "agency__code"]
    autocomplete_fields = ["user", "agency"]
