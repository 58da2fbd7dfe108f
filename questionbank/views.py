"""Organizer pages of the question bank. Every view starts with an access helper:
no bank role → 403; a question the user may not read → 404 (a private question
of another agency is never revealed); readable but not editable → 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from config.http import parse_id
from questionbank import selectors, services
from questionbank.filtering import FILTER_KEYS, active_filters, filter_questions
from questionbank.forms import (
    BULK_CHOICES,
    BulkActionForm,
    CommentForm,
    QuestionFilterForm,
    QuestionForm,
    SendBackForm,
    TopicForm,
)
from questionbank.models import Option, Question, QuestionVersion, StatusChange

PAGE_SIZE = 50
Status = Question.Status

# Columns of the list page: nothing else is read from the question table.
LIST_FIELDS = (
    "id",
    "text",
    "kind",
    "difficulty",
    "status",
    "sharing",
    "updated_at",
    "owner_agency_id",
    "topic_id",
    "current_version_id",
    "owner_agency__name",
    "topic__name",
    "current_version__number",
)


# --- access helpers -------------------------------------------------------------------


def _require_bank_user(request):
    if not selectors.has_bank_access(user=request.user):
        raise PermissionDenied


def _get_question_for_user(request, pk, *, queryset=None):
    """A question the user may read, or 404."""
    _require_bank_user(request)
    queryset = queryset if queryset is not None else Question.objects.all()
    readable = selectors.readable_questions(user=request.user).values("pk")
    question = queryset.filter(pk=pk, pk__in=readable).first()
    if question is None:
        raise Http404
    return question


def _get_question_for_edit(request, pk, *, queryset=None):
    """A question the user may edit: 404 when unreadable, 403 when only readable."""
    question = _get_question_for_user(request, pk, queryset=queryset)
    if not selectors.can_edit_question(user=request.user, question=question):
        raise PermissionDenied
    return question


def _filter_query(params):
    """The filter part of a query string (no page number), for links and exports."""
    query = params.copy()
    for key in list(query):
        if key not in FILTER_KEYS:
            del query[key]
    return query.urlencode()


# --- list and bulk actions ------------------------------------------------------------


def _list_rows(questions, *, editable_ids):
    """The display values of the list rows, computed in one pass.

    A page has 50 rows of about ten cells; plain values keep the template cheap
    (no per-cell `get_FOO_display`, `{% url %}` or date formatting).
    """
    kinds, difficulties, statuses = (
        dict(Question.Kind.choices),
        dict(Question.Difficulty.choices),
        dict(Status.choices),
    )
    base = reverse("questionbank:list")  # detail and edit URLs are <base><pk>/ and <base><pk>/edit/
    rows = []
    for question in questions:
        updated = timezone.localtime(question.updated_at)
        text = question.text
        rows.append(
            {
                "pk": question.pk,
                "text": text if len(text) <= 180 else text[:179].rstrip() + "…",
                "url": f"{base}{question.pk}/",
                "edit_url": f"{base}{question.pk}/edit/" if question.owner_agency_id in editable_ids else "",
                "kind": kinds.get(question.kind, question.kind),
                "version": question.current_version.number if question.current_version_id else None,
                "shared": question.sharing == Question.Sharing.SHARED,
                "tags": [tag.name for tag in question.tags.all()],
                "topic": question.topic.name,
                "difficulty": difficulties.get(question.difficulty, question.difficulty),
                "status": question.status,
                "status_label": statuses.get(question.status, question.status),
                "owner": question.owner_agency.name,
                "updated_iso": updated.isoformat(),
                "updated": updated.strftime("%d/%m/%Y %H:%M"),
            }
        )
    return rows


@login_required
@require_GET
def question_list(request):
    access = selectors.bank_access(user=request.user)  # one read of the user's roles
    if not access.has_access:
        raise PermissionDenied
    questions, filters = filter_questions(access.readable_questions(), request.GET)
    questions = questions.select_related("owner_agency", "topic", "current_version").only(*LIST_FIELDS)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _list_rows(page.object_list.prefetch_related("tags"), editable_ids=access.edit_ids)
    topic_choices = selectors.topic_choices()
    return render(
        request,
        "questionbank/question_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "filtered": active_filters(filters),
            "filtered_beyond_search": active_filters({**filters, "q": ""}),
            "filter_form": QuestionFilterForm(filters=filters, topic_choices=topic_choices),
            "filter_query": _filter_query(request.GET),
            "bulk_form": BulkActionForm(topic_choices=topic_choices),
            "can_create": bool(access.edit_ids),
            "can_create_topic": access.manages,
        },
    )


@login_required
@require_POST
def question_bulk(request):
    _require_bank_user(request)
    form = BulkActionForm(request.POST, ids=request.POST.getlist("ids"))
    query = _filter_query(QueryDict(request.POST.get("back", "")))
    back = reverse("questionbank:list") + ("?" + query if query else "")
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(back)
    readable = selectors.readable_questions(user=request.user)
    questions = list(
        readable.filter(pk__in=form.cleaned_data["ids"])
        .select_related("owner_agency", "current_version")
        .order_by("pk")
    )
    done, problems = services.bulk_action(
        actor=request.user,
        questions=questions,
        action=form.cleaned_data["action"],
        topic=form.cleaned_data.get("topic"),
        tag_name=form.cleaned_data.get("tag", ""),
    )
    failed = {question.pk: message for question, message in problems}
    results = [(question, failed.get(question.pk, "")) for question in questions]
    # Ids that are not (or no longer) readable are reported without a text.
    missing = len(set(form.cleaned_data["ids"]) - {q.pk for q in questions})
    return render(
        request,
        "questionbank/question_bulk_result.html",
        {
            "action_label": dict(BULK_CHOICES)[form.cleaned_data["action"]],
            "results": results,
            "done": done,
            "failed": len(problems),
            "missing": missing,
            "back": back,
        },
    )


# --- create and edit --------------------------------------------------------------------


def _render_form(request, form, *, duplicates=(), status=200):
    hidden_duplicates = 0
    visible = []
    if duplicates:
        readable = set(
            selectors.readable_questions(user=request.user)
            .filter(pk__in=[d.pk for d in duplicates])
            .values_list("pk", flat=True)
        )
        visible = [d for d in duplicates if d.pk in readable]
        hidden_duplicates = len(duplicates) - len(visible)
    return render(
        request,
        "questionbank/question_form.html",
        {
            "form": form,
            "question": form.question,
            "duplicates": visible,
            "hidden_duplicates": hidden_duplicates,
            "files_lost": bool(duplicates) and bool(request.FILES),
        },
        status=status,
    )


def _duplicates(form, *, owner_agency, exclude_id=None):
    if form.cleaned_data.get("confirm_duplicate"):
        return []
    return list(
        selectors.duplicates_of(
            text=form.question_data.text, owner_agency=owner_agency, exclude_id=exclude_id
        ).select_related("owner_agency")[:5]
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_create(request):
    _require_bank_user(request)
    if not selectors.agencies_for_new_questions(user=request.user).exists():
        raise PermissionDenied
    form = QuestionForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner_agency"]
        duplicates = _duplicates(form, owner_agency=owner)
        if duplicates:
            return _render_form(request, form, duplicates=duplicates)
        try:
            question = services.create_question(
                actor=request.user,
                owner_agency=owner,
                topic=form.cleaned_data["topic"],
                data=form.question_data,
                sharing=form.cleaned_data["sharing"],
            )
        except services.QuestionError as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("The question has been saved as a draft."))
            return redirect("questionbank:detail", pk=question.pk)
    return _render_form(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk):
    queryset = Question.objects.select_related("owner_agency", "current_version").prefetch_related(
        "tags", "current_version__options"
    )
    question = _get_question_for_edit(request, pk, queryset=queryset)
    if question.status == Status.RETIRED:
        messages.error(request, _("A retired question cannot be edited; restore it first."))
        return redirect("questionbank:detail", pk=question.pk)
    form = QuestionForm(request.POST or None, request.FILES or None, user=request.user, question=question)
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates(form, owner_agency=question.owner_agency, exclude_id=question.pk)
        if duplicates:
            return _render_form(request, form, duplicates=duplicates)
        before = (question.current_version_id, question.status)
        try:
            question = services.update_question(
                actor=request.user,
                question=question,
                data=form.question_data,
                topic=form.cleaned_data["topic"],
                sharing=form.cleaned_data["sharing"],
            )
        except services.QuestionError as exc:
            form.add_service_errors(exc.errors)
        else:
            if question.current_version_id != before[0]:
                messages.success(
                    request,
                    _("Saved as version %(number)d. Attempts that showed the earlier version keep it.")
                    % {"number": question.current_version.number},
                )
            else:
                messages.success(request, _("The question has been saved."))
            if before[1] != question.status:
                messages.warning(request, _("The question is a draft again: it needs a new review."))
            return redirect("questionbank:detail", pk=question.pk)
    return _render_form(request, form)


# --- detail, preview, workflow ----------------------------------------------------------


def _actions(user, question):
    """Which workflow forms the detail page shows."""
    can_edit = selectors.can_edit_question(user=user, question=question)
    can_review = selectors.can_review_question(user=user, question=question)
    status = question.status
    return {
        "edit": can_edit and status != Status.RETIRED,
        "submit": can_edit and status == Status.DRAFT,
        "approve": can_review and status == Status.REVIEW,
        "send_back": can_review and status == Status.REVIEW,
        "retire": can_edit and status != Status.RETIRED,
        "restore": can_edit and status == Status.RETIRED,
        "wrote": status == Status.REVIEW
        and not can_review
        and selectors.wrote_question(user=user, question=question),
    }


def _detail_context(request, question, **forms):
    versions = (
        QuestionVersion.objects.filter(question=question)
        .select_related("created_by")
        .prefetch_related(Prefetch("options", queryset=Option.objects.order_by("position")))
        .order_by("-number")
    )
    context = {
        "question": question,
        "current": question.current_version,
        "versions": versions,
        "history": StatusChange.objects.filter(question=question)
        .select_related("actor")
        .order_by("-created_at", "-id"),
        "actions": _actions(request.user, question),
        "approve_form": CommentForm(auto_id="approve_%s"),
        "retire_form": CommentForm(auto_id="retire_%s"),
        "send_back_form": SendBackForm(auto_id="send_back_%s"),
    }
    context.update(forms)
    return context


DETAIL_QUERYSET = Question.objects.select_related(
    "owner_agency", "topic", "author", "reviewer", "current_version"
).prefetch_related("tags", "current_version__options")


@login_required
@require_GET
def question_detail(request, pk):
    question = _get_question_for_user(request, pk, queryset=DETAIL_QUERYSET)
    return render(request, "questionbank/question_detail.html", _detail_context(request, question))


@login_required
@require_GET
def question_preview(request, pk):
    question = _get_question_for_user(request, pk, queryset=DETAIL_QUERYSET)
    version = question.current_version
    number = request.GET.get("version")
    if number:
        version = question.versions.filter(number=parse_id(number) or 0).first()
        if version is None:
            raise Http404
    options = [
        {
            "id": f"p{option.position}",
            "text": option.text,
            "image_url": option.image.url if option.image else "",
        }
        for option in version.options.order_by("position")
    ]
    return render(
        request,
        "questionbank/question_preview.html",
        {
            "question": question,
            "version": version,
            "question_text": version.text,
            "image_url": version.image.url if version.image else "",
            "options": options,
            "input_type": "checkbox" if version.kind == Question.Kind.MULTIPLE else "radio",
        },
    )


# Lazy: translated when the message is shown, in the language of that request.
TRANSITIONS = {
    "submit": gettext_lazy("The question has been sent to review."),
    "approve": gettext_lazy("The question has been approved."),
    "send-back": gettext_lazy("The question has been sent back to its author."),
    "retire": gettext_lazy("The question has been retired: it will not be drawn any more."),
    "restore": gettext_lazy("The question has been restored as a draft."),
}


@login_required
@require_POST
def question_transition(request, pk, action):
    if action not in TRANSITIONS:
        raise Http404
    question = _get_question_for_user(request, pk, queryset=DETAIL_QUERYSET)
    comment = request.POST.get("comment", "").strip()[:2000]
    try:
        if action == "submit":
            services.submit_for_review(actor=request.user, question=question)
        elif action == "approve":
            services.approve(actor=request.user, question=question, comment=comment)
        elif action == "send-back":
            form = SendBackForm(request.POST, auto_id="send_back_%s")
            if not form.is_valid():
                context = _detail_context(request, question, send_back_form=form)
                return render(request, "questionbank/question_detail.html", context, status=400)
            services.send_back(actor=request.user, question=question, comment=form.cleaned_data["comment"])
        elif action == "retire":
            services.retire(actor=request.user, question=question, comment=comment)
        else:
            services.restore(actor=request.user, question=question)
    except services.PermissionDenied as exc:
        raise PermissionDenied(str(exc))
    except services.QuestionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, TRANSITIONS[action])
    return redirect("questionbank:detail", pk=question.pk)


# --- counts and topics --------------------------------------------------------------------


@login_required
@require_GET
def question_counts(request):
    """Topic × difficulty × status of the readable questions: what rounds can draw from."""
    _require_bank_user(request)
    counts = selectors.bank_counts(questions=selectors.readable_questions(user=request.user))
    topics = selectors.topics_in_tree_order()
    difficulties = Question.Difficulty.choices
    statuses = [(s, label) for s, label in Status.choices if s != Status.RETIRED]
    approved_by_topic = {
        t.pk: sum(counts.get((t.pk, d, Status.APPROVED), 0) for d, _label in difficulties) for t in topics
    }
    rows = []
    for topic in topics:
        cells = [counts.get((topic.pk, d, s), 0) for d, _dl in difficulties for s, _sl in statuses]
        subtree_approved = sum(approved_by_topic[t.pk] for t in topics if t.path.startswith(topic.path))
        retired = sum(counts.get((topic.pk, d, Status.RETIRED), 0) for d, _label in difficulties)
        rows.append(
            {"topic": topic, "cells": cells, "subtree_approved": subtree_approved, "retired": retired}
        )
    totals = [sum(row["cells"][i] for row in rows) for i in range(len(difficulties) * len(statuses))]
    return render(
        request,
        "questionbank/question_counts.html",
        {
            "rows": rows,
            "difficulties": difficulties,
            "statuses": statuses,
            "totals": totals,
            "retired_total": sum(row["retired"] for row in rows),
            "can_create": selectors.agencies_for_new_questions(user=request.user).exists(),
            "can_create_topic": account_selectors.managed_agencies(user=request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request):
    if not account_selectors.managed_agencies(user=request.user).exists():
        raise PermissionDenied
    form = TopicForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.create_topic(
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
                parent=form.cleaned_data["parent"],
                owner_agency=form.cleaned_data["owner_agency"],
            )
        except IntegrityError:  # the same code, created a moment ago by someone else
            form.add_error("code", _("A topic with this code already exists."))
        else:
            messages.success(request, _("The topic “%(name)s” has been created.") % {"name": topic.name})
            return redirect(reverse("questionbank:counts"))
    return render(request, "questionbank/topic_form.html", {"form": form})
