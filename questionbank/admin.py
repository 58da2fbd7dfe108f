from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin
from questionbank import services
from questionbank.filtering import search_words
from questionbank.models import ImportBatch, Option, Question, QuestionVersion, StatusChange, Tag, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "owner_agency", "created_at"]
    search_fields = ["name", "code"]
    list_filter = [("owner_agency", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["parent", "owner_agency"]
    readonly_fields = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "— " * obj.depth + obj.name

    def save_model(self, request, obj, form, change):
        services.save_topic(topic=obj)  # keeps the materialised paths of the subtree


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class QuestionVersionInline(admin.StackedInline):
    """Versions are what attempts showed: read-only here, edited through the bank pages."""

    model = QuestionVersion
    extra = 0
    can_delete = False
    show_change_link = False
    fields = [
        "number",
        "kind",
        "text",
        "explanation",
        "legal_basis",
        "image",
        "created_by",
        "created_at",
        "used_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Metadata only: text and options change through the bank pages, which
    version them; status changes through the review workflow, which records them."""

    list_display = [
        "id",
        "short_text",
        "topic",
        "owner_agency",
        "difficulty",
        "status",
        "sharing",
        "updated_at",
    ]
    list_display_links = ["id", "short_text"]
    list_filter = [
        "status",
        "difficulty",
        "kind",
        "sharing",
        "topic",
        ("owner_agency", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["text", "search_text", "=id"]
    list_select_related = ["topic", "owner_agency"]
    autocomplete_fields = ["topic", "tags"]
    readonly_fields = [
        "owner_agency",
        "kind",
        "status",
        "text",
        "author",
        "reviewer",
        "current_version",
        "created_at",
        "updated_at",
    ]
    fields = [
        "text",
        "owner_agency",
        "topic",
        "kind",
        "difficulty",
        "sharing",
        "status",
        "tags",
        "author",
        "reviewer",
        "current_version",
        "created_at",
        "updated_at",
    ]
    inlines = [QuestionVersionInline, StatusChangeInline]
    show_full_result_count = False  # no COUNT(*) over the whole bank on every page
    list_per_page = 50

    @admin.display(description=_("question text"))
    def short_text(self, obj):
        return obj.text[:100]

    def get_search_results(self, request, queryset, search_term):
        # Search the accent-free copy too, so "thu tuc" finds "thủ tục".
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = search_words(search_term)
        if words:
            folded = self.model.objects.all()
            for word in words:
                folded = folded.filter(search_text__contains=word)
            queryset |= folded
        return queryset, may_have_duplicates

    def has_add_permission(self, request):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_search_text(question=form.instance)  # tags are part of the search copy


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0
    can_delete = False
    fields = ["position", "text", "is_correct", "image"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuestionVersion)
class QuestionVersionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "question", "number", "created_by", "created_at", "used_at"]
    list_filter = ["kind", ("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "=question__id"]
    list_select_related = ["question", "created_by"]
    inlines = [OptionInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["question", "from_status", "to_status", "actor", "created_at", "comment"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["=question__id", "comment", "actor__email"]
    list_select_related = ["question", "actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "file_format",
        "owner",
        "owner_agency",
        "created_at",
        "imported_at",
        "imported_count",
    ]
    list_filter = ["file_format", ("imported_at", admin.EmptyFieldListFilter)]
    search_fields = ["file_name", "owner__email"]
    list_select_related = ["owner", "owner_agency"]
    exclude = ["content"]  # the uploaded bytes: not for display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "content"]
