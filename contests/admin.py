"""Site-admin views of contests and attempts. Organizers use their own pages;
attempts are read-only here (they change only through contests.attempts)."""

from django.contrib import admin

from contests.models import Attempt, AttemptQuestion, Block, Contest, DrawRule, Round


class BlockInline(admin.TabularInline):
    model = Block
    extra = 0
    filter_horizontal = ["agencies"]


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "owner_agency",
        "status",
        "audience_officials",
        "audience_citizens",
        "created_at",
    ]
    list_filter = ["status", "audience_citizens"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["audience_agencies"]
    inlines = [BlockInline]


class DrawRuleInline(admin.TabularInline):
    model = DrawRule
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "contest", "number", "opens_at", "closes_at", "is_practice"]
    list_filter = ["is_practice", "contest"]
    filter_horizontal = ["blocks"]
    inlines = [DrawRuleInline]


class AttemptQuestionInline(admin.TabularInline):
    model = AttemptQuestion
    extra = 0
    can_delete = False
    fields = ["position", "version", "selected", "answered_at", "is_correct"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "round",
        "number",
        "status",
        "correct_count",
        "duration_ms",
        "counted",
        "is_preview",
    ]
    list_filter = ["status", "counted", "is_preview"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "round", "round__contest"]
    raw_id_fields = ["user", "round", "block"]
    inlines = [AttemptQuestionInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Attempt._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
