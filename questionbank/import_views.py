"""Import (upload → preview → confirm) and export of the question bank.

Access: importing needs a role that may create questions for the chosen
agency (`selectors.agencies_for_new_questions`); a batch is only ever seen by
the person who uploaded it (anyone else gets 404). The template and the
exports need any bank role (403 otherwise).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from questionbank import exporters, importers, importing, selectors, services
from questionbank.filtering import filter_questions
from questionbank.models import ImportBatch, Question, Topic

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "Excel (.xlsx) from the template, CSV (UTF-8, same columns), or an Aiken or GIFT text file (.txt). "
            "At most 10 MB and 5,000 questions."
        ),
    )
    owner_agency = forms.TypedChoiceField(label=gettext_lazy("Owner agency"), coerce=int)
    default_topic = forms.TypedChoiceField(
        label=gettext_lazy("Default topic"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("For questions without a topic code (Aiken files never have one)."),
    )
    sharing = forms.ChoiceField(
        label=gettext_lazy("Sharing"), choices=Question.Sharing.choices, initial=Question.Sharing.PRIVATE
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[
            ("", gettext_lazy("Detect from the file name")),
            ("xlsx", "Excel (.xlsx)"),
            ("csv", "CSV (UTF-8)"),
            ("aiken", "Aiken"),
            ("gift", "GIFT (Moodle)"),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = selectors.owner_agency_choices(user=user)
        self.fields["owner_agency"].choices = agencies
        if len(agencies) == 1:
            self.fields["owner_agency"].initial = agencies[0][0]
        self.fields["default_topic"].choices = [("", _("— none —")), *selectors.topic_choices()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before a byte is read: an oversized file is never parsed.
        if importers.is_too_big(upload.size):
            raise forms.ValidationError(importers.size_error())
        return upload

    def clean_default_topic(self):
        pk = self.cleaned_data.get("default_topic")
        return Topic.objects.filter(pk=pk).first() if pk else None


# --- access helpers --------------------------------------------------------------------


def _require_importer(request):
    if not selectors.agencies_for_new_questions(user=request.user).exists():
        raise PermissionDenied


def _require_bank_user(request):
    if not selectors.has_bank_access(user=request.user):
        raise PermissionDenied


def _require_agency(request, batch):
    """The uploader must still be allowed to add questions for the batch's agency."""
    if not selectors.agencies_for_new_questions(user=request.user).filter(pk=batch.owner_agency_id).exists():
        raise PermissionDenied


def _get_batch_for_user(request, pk):
    """The user's own batch; anyone else's is a 404 (its existence is not revealed)."""
    batch = (
        ImportBatch.objects.select_related("owner_agency", "default_topic")
        .filter(pk=pk, owner=request.user)
        .first()
    )
    if batch is None:
        raise Http404
    return batch


# --- import ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        content = b"".join(data["file"].chunks())
        try:
            batch = importing.create_batch(
                actor=request.user,
                owner_agency=selectors.agency_by_id(data["owner_agency"]),
                file_name=data["file"].name,
                content=content,
                file_format=data["file_format"],
                default_topic=data["default_topic"],
                sharing=data["sharing"],
            )
        except services.PermissionDenied as exc:
            form.add_error("owner_agency", str(exc))
        except importing.ImportFileError as exc:
            form.add_error("file", [str(issue) for issue in exc.issues])
        else:
            return redirect("questionbank:import-preview", pk=batch.pk)
    return render(request, "questionbank/import_upload.html", {"form": form})


@login_required
@require_GET
def preview(request, pk):
    batch = _get_batch_for_user(request, pk)
    _require_agency(request, batch)
    context = {"batch": batch, "report": None}
    if batch.imported_at is None:
        report = importing.preview_batch(batch=batch)
        context.update(
            report=report,
            kinds=report.counts("kind"),
            difficulties=report.counts("difficulty"),
            topics=report.counts("topic"),
        )
    return render(request, "questionbank/import_preview.html", context)


@login_required
@require_POST
def confirm(request, pk):
    batch = _get_batch_for_user(request, pk)
    _require_agency(request, batch)
    try:
        count = importing.confirm_batch(actor=request.user, batch=batch)
    except services.PermissionDenied:
        raise PermissionDenied
    except importing.ImportFileError as exc:
        if len(exc.issues) == 1 and exc.issues[0].place is None:
            messages.error(request, exc.issues[0].message)
        else:
            messages.error(
                request,
                _("Nothing was imported: %(count)d problems must be fixed first.")
                % {"count": len(exc.issues)},
            )
    else:
        messages.success(
            request,
            _("%(count)d questions were imported as drafts; send them to review from the bank.")
            % {"count": count},
        )
    return redirect("questionbank:import-preview", pk=batch.pk)


@login_required
@require_POST
def cancel(request, pk):
    batch = _get_batch_for_user(request, pk)
    importing.cancel_batch(actor=request.user, batch=batch)
    messages.info(request, _("The uploaded file was discarded."))
    return redirect("questionbank:import-upload")


@login_required
@require_GET
def template(request):
    _require_bank_user(request)
    content = exporters.workbook_bytes(topics=exporters.topic_codes())
    return _download(content, XLSX_TYPE, "mau-nhap-cau-hoi.xlsx")


# --- export ------------------------------------------------------------------------------


def _exported_rows(request):
    questions, _filters = filter_questions(selectors.readable_questions(user=request.user), request.GET)
    return exporters.export_rows(questions)


@login_required
@require_GET
def export_xlsx(request):
    _require_bank_user(request)
    content = exporters.workbook_bytes(rows=_exported_rows(request), topics=exporters.topic_codes())
    return _download(content, XLSX_TYPE, f"cau-hoi-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_GET
def export_gift(request):
    _require_bank_user(request)
    rows = _exported_rows(request)
    text = exporters.gift_document(rows, header=exporters.export_header(len(rows)))
    return _download(
        text.encode("utf-8"), "text/plain; charset=utf-8", f"cau-hoi-{timezone.localdate():%Y%m%d}-gift.txt"
    )


def _download(content, content_type, file_name):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
