"""Admin for invoices. It is a window on the books, not a way around them: money, numbers and states
change only through invoices.services, so every figure here is read-only and the ledger is view-only."""

from django.contrib import admin, messages
from django.db.models import Model
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from clinic_billing.exceptions import ApplicationError

from . import services
from .models import CreditNote, Invoice, InvoiceLine, InvoiceNumberCounter, InvoiceStatusChange, LedgerEntry

LINE_FIELDS = ("position", "code", "description", "quantity", "unit_price", "coverage", "amount")
ENTRY_FIELDS = ("posted_at", "kind", "amount", "balance_after", "method", "reference", "posted_by", "note")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the books keep as written: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class InvoiceLineInline(admin.TabularInline):
    """Editable on a draft (saved through invoice_replace_lines, which prices them); frozen once issued."""

    model = InvoiceLine
    extra = 0
    fields = LINE_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> tuple[str, ...]:  # type: ignore[override]
        if obj is None or obj.is_draft:
            return ("position", "amount")
        return LINE_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:  # type: ignore[override]
        return obj is not None and obj.is_draft and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:  # type: ignore[override]
        return obj is not None and obj.is_draft and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:  # type: ignore[override]
        return obj is not None and obj.is_draft and super().has_delete_permission(request, obj)


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fk_name = "invoice"
    extra = 0
    fields = ENTRY_FIELDS
    readonly_fields = ENTRY_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:  # type: ignore[override]
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:  # type: ignore[override]
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "patient",
        "status",
        "service_date",
        "due_date",
        "insurance_status",
        "total",
        "balance",
    ]
    list_filter = ["status", "insurance_status", "service_date", "due_date"]
    search_fields = ["number", "payment_reference", "patient__name"]
    list_select_related = ["patient"]
    date_hierarchy = "service_date"
    raw_id_fields = ["patient"]
    readonly_fields = [
        "status",
        "number",
        "year",
        "sequence",
        "payment_reference",
        "issued_at",
        "due_date",
        "insurance_status",
        "insurance_settled_at",
        "total",
        "third_party_share",
        "balance",
        "insurer_paid",
        "created_at",
        "created_by",
    ]
    inlines = [InvoiceLineInline, LedgerEntryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Drafts are created through the API or the services, which validate and price the lines.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, Invoice) and not obj.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Invoice, form: ModelForm, change: bool) -> None:
        # Only the fields a draft may change; never a full-row save that could overwrite cached sums.
        obj.save(update_fields=["patient", "service_date"])

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool) -> None:
        # commit=False writes nothing; it records what changed, which the admin's change message reads.
        formset.save(commit=False)
        if formset.model is not InvoiceLine:
            return
        invoice: Invoice = form.instance
        if not invoice.is_draft or not formset.has_changed():
            return
        lines = [
            services.LineInput(
                code=line_form.cleaned_data["code"],
                description=line_form.cleaned_data["description"],
                quantity=line_form.cleaned_data["quantity"],
                unit_price=line_form.cleaned_data["unit_price"],
                coverage=line_form.cleaned_data["coverage"],
            )
            for line_form in formset.forms
            if line_form.cleaned_data and not line_form.cleaned_data.get("DELETE")
        ]
        try:
            services.invoice_replace_lines(invoice_id=invoice.pk, lines=lines)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["posted_at", "invoice", "kind", "amount", "balance_after", "method", "reference", "posted_by"]
    list_filter = ["kind", "method"]
    search_fields = ["invoice__number", "reference", "idempotency_key"]
    list_select_related = ["invoice", "posted_by"]
    date_hierarchy = "posted_at"


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "issued_at", "invoice", "kind", "amount", "reason", "approved_by"]
    list_filter = ["kind", "year"]
    search_fields = ["number", "invoice__number", "reason"]
    list_select_related = ["invoice", "approved_by"]
    date_hierarchy = "issued_at"


@admin.register(InvoiceStatusChange)
class InvoiceStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "invoice", "from_status", "to_status", "changed_by", "reason"]
    list_filter = ["to_status"]
    search_fields = ["invoice__number", "reason"]
    list_select_related = ["invoice", "changed_by"]
    date_hierarchy = "changed_at"


@admin.register(InvoiceNumberCounter)
class InvoiceNumberCounterAdmin(ReadOnlyAdmin):
    list_display = ["series", "year", "last_value"]
    list_filter = ["series", "year"]
