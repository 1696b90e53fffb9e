"""The office manager's audit log: search by patient, staff member, action and dates, and a CSV export.

Reading the audit log is itself audited: every search and every export writes one ACCESS entry on the
audit log (content type `auditlog.logentry`, no object id) whose `additional_data` holds the filters, the
ids of the patients the search matched and whether it was the page or the export. Those entries appear in
the log like any other, so a manager's look at a patient's history is as visible as a look at the patient.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from clinic_billing.csv_safety import spreadsheet_writer
from clinic_billing.database_routing import reads_reports
from clinic_billing.dates import BoundedDateField, period_check
from clinic_billing.forms import StaffForm
from clinic_billing.roles import StaffRequest, require_perm, staff_only

from . import audit_selectors as selectors

VIEW_AUDIT_LOG = "auditlog.view_logentry"
PAGE_SIZE = 50

ACTION_CODES = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
    "access": LogEntry.Action.ACCESS,
}
ACTION_LABELS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Changed"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
    LogEntry.Action.ACCESS: gettext_lazy("Viewed"),
}


class AuditLogFilterForm(StaffForm):
    patient = forms.CharField(
        label=gettext_lazy("Patient"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Name or patient number."),
    )
    staff = forms.CharField(
        label=gettext_lazy("Staff member"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("User name, as they sign in."),
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[
            ("", gettext_lazy("Any action")),
            ("create", gettext_lazy("Created")),
            ("update", gettext_lazy("Changed")),
            ("delete", gettext_lazy("Deleted")),
            ("access", gettext_lazy("Viewed")),
        ],
    )
    start = BoundedDateField(
        label=pgettext_lazy("start of a date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = BoundedDateField(
        label=pgettext_lazy("end of a date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        period_check(self)
        return cleaned

    def filters(self) -> selectors.AuditFilters:
        data = self.cleaned_data
        return selectors.AuditFilters(
            patient=data["patient"].strip(),
            staff=data["staff"].strip(),
            action=ACTION_CODES[data["action"]] if data["action"] else None,
            start=data["start"],
            end=data["end"],
        )


@dataclass(frozen=True)
class AuditRow:
    entry: LogEntry
    action: str
    subject: str
    changed_fields: list[str]


def _rows(entries: Any) -> Iterator[AuditRow]:
    for entry in entries:
        yield AuditRow(
            entry=entry,
            action=str(ACTION_LABELS.get(entry.action, entry.action)),
            subject=selectors.entry_subject(entry),
            changed_fields=selectors.changed_field_names(entry),
        )


@dataclass(frozen=True)
class Search:
    """A validated search: the entries it selects and the patients its patient filter matched."""

    filters: selectors.AuditFilters
    patients: list[selectors.MatchedPatient]
    entries: Any


def _search(form: AuditLogFilterForm) -> Search | None:
    """The entries the form selects; None (with the error on the form) when it cannot be run."""
    if not form.is_valid():
        return None
    filters = form.filters()
    if not filters.patient:
        return Search(filters, [], selectors.audit_entries(filters=filters))
    patients = selectors.patients_matching(text=filters.patient)
    if len(patients) > selectors.MAX_MATCHED_PATIENTS:
        form.add_error(
            "patient",
            _("More than %(count)s patients match. Type more of the name, or the patient number.")
            % {"count": selectors.MAX_MATCHED_PATIENTS},
        )
        return None
    ids = [patient.pk for patient in patients]
    return Search(filters, patients, selectors.audit_entries(filters=filters, patient_ids=ids))


def _record_search(request: StaffRequest, search: Search, *, kind: str) -> None:
    """Write the ACCESS entry that makes this look at the audit log itself visible in the audit log."""
    filters = search.filters
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(LogEntry),
        object_pk="",
        object_repr=f"audit log {kind}",
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        additional_data={
            "audit_log": kind,
            "filters": {
                "patient": filters.patient,
                "staff": filters.staff,
                "action": filters.action,
                "start": filters.start.isoformat() if filters.start else None,
                "end": filters.end.isoformat() if filters.end else None,
            },
            "patient_ids": [patient.pk for patient in search.patients],
        },
    )


def _audit_search(request: StaffRequest) -> tuple[AuditLogFilterForm, Search | None]:
    """The office manager's filters and what they select (None when they cannot be run)."""
    # Granted to the office manager role only (patients migration 0002); superusers hold every permission.
    require_perm(request, VIEW_AUDIT_LOG)
    form = AuditLogFilterForm(request.GET)
    return form, _search(form)


@staff_only
@require_GET
def audit_log(request: StaffRequest) -> HttpResponse:
    form, search = _audit_search(request)
    context: dict[str, Any] = {"form": form, "search": search}
    if search is not None:
        page = Paginator(search.entries, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, rows=list(_rows(page.object_list)))
        _record_search(request, search, kind="search")
    return render(request, "staff/audit/log.html", context, status=200 if search is not None else 400)


def csv_header() -> list[str]:
    return [
        _("When"),
        _("Staff member"),
        _("From address"),
        _("Action"),
        _("Record type"),
        _("Record"),
        _("Record id"),
        _("Changed fields"),
    ]


def csv_rows(entries: Any) -> Iterator[list[object]]:
    for row in _rows(entries.iterator(chunk_size=500)):
        entry = row.entry
        model = entry.content_type.model_class()
        yield [
            timezone.localtime(entry.timestamp).isoformat(timespec="seconds"),
            entry.actor.get_username() if entry.actor else "",
            entry.remote_addr or "",
            row.action,
            str(model._meta.verbose_name) if model is not None else entry.content_type.model,
            entry.object_repr,
            entry.object_pk,
            "; ".join(row.changed_fields),
        ]


@staff_only
@require_GET
@reads_reports
def audit_log_csv(request: StaffRequest) -> HttpResponse:
    form, search = _audit_search(request)
    if search is None:
        return render(request, "staff/audit/log.html", {"form": form, "search": None}, status=400)
    _record_search(request, search, kind="export")
    filename = f"audit-log-{timezone.localdate().isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    writer = spreadsheet_writer(response)
    writer.writerow(csv_header())
    writer.writerows(csv_rows(search.entries))
    return response
