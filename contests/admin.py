"""Site-admin views of contests, rounds and attempts: read-only. Contests and
rounds change only through the organizer pages (contests.setup.services checks
every rule there: overlapping rounds, pool shortages, …); attempts only
through contests.quiz.attempts."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin
from contests.models import Attempt, AttemptQuestion, Block, Contest, DrawRule, Round


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def organizer_link(contest_id):
    url = reverse("contests:organize-detail", kwargs={"contest_id": contest_id})
    return format_html('<a href="{}">{}</a>', url, _("Edit on the organizer pages"))


class BlockInline(ReadOnlyInline):
    model = Block


@admin.register(Contest)
class ContestAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "owner_agency",
        "status",
        "audience_officials",
        "audience_citizens",
        "created_at",
        "edit_link",
    ]
    list_filter = ["status", "audience_citizens"]
    search_fields = ["title", "slug"]
    inlines = [BlockInline]

    @admin.display(description=_("organizer pages"))
    def edit_link(self, obj):
        return organizer_link(obj.pk)


class DrawRuleInline(ReadOnlyInline):
    model = DrawRule


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["title", "contest", "number", "opens_at", "closes_at", "is_practice", "edit_link"]
    list_filter = ["is_practice", "contest"]
    inlines = [DrawRuleInline]

    @admin.display(description=_("organizer pages"))
    def edit_link(self, obj):
        return organizer_link(obj.contest_id)


class AttemptQuestionInline(ReadOnlyInline):
    model = AttemptQuestion
    fields = ["position", "version", "selected", "answered_at", "is_correct"]
    readonly_fields = fields


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
