"""Collections on paper: notice letters and the day's print batch, the pre-litigation notice, the case file,
and the collection agency's CSV.

Letters name the patient, what they were treated for, and text typed by staff and integrations, so they are
rendered like the invoice: autoescaped HTML with the stylesheets inlined, and WeasyPrint's fetcher refuses
every URL. A letter to a patient is in the patient's language; the case file, written for the board or the
agency, is in the clinic's (the jurisdiction's default locale).
"""

import io
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import DecimalField, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic_billing.csv_safety import spreadsheet_writer
from clinic_billing.exceptions import InvalidTransition
from disputes.interface import Complaint, invoice_ids_disputed
from invoices.jurisdiction import current_profile
from invoices.line_kinds import bill_title
from invoices.models import Invoice, InvoiceLine, LedgerEntry
from invoices.pdf import pdf_document
from invoices.selectors import invoice_shares
from patients.models import Channel
from patients.selectors import tiers_payant_held_expression

from .models import CollectionCase, ConciliationNotice, NoticeType, Reminder
from .notices import (
    FEE_ENTRIES,
    INSTALMENT_STEPS,
    claim_breakdown,
    claim_explained,
    instalment_context,
    missed_instalment,
    notice_subject,
)
from .selectors import paused_invoices
from .services.cases import CONCILIATION_NOTICE_DAYS

if TYPE_CHECKING:
    from weasyprint.document import Document


def _ordered_lines() -> Prefetch:
    return Prefetch("invoice__lines", queryset=InvoiceLine.objects.order_by("position", "id"))


def _render(html: str) -> "Document":
    return pdf_document(html).render()


def _pdf(html: str) -> bytes:
    return bytes(_render(html).write_pdf())


def _fees_charged() -> Subquery:
    """The reminder fees posted on the outer row's invoice, less their reversals, as a subquery."""
    fees = (
        LedgerEntry.objects.filter(FEE_ENTRIES, invoice_id=OuterRef("invoice_id"))
        .order_by()
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(fees, output_field=DecimalField(max_digits=12, decimal_places=2))


def _reminders_with_letter_data() -> QuerySet[Reminder]:
    """Reminders with their invoice, patient, ordered lines, ledger entries, fees charged and whether the patient
    has tiers payant: three queries for any number."""
    return (
        Reminder.objects.select_related("invoice__patient")
        .prefetch_related(_ordered_lines())
        .prefetch_related(
            Prefetch("invoice__entries", queryset=LedgerEntry.objects.select_related("reverses").order_by("id"))
        )
        .annotate(
            invoice_fees=_fees_charged(),
            tiers_payant=tiers_payant_held_expression(patient="invoice__patient_id", on="invoice__service_date"),
        )
    )


def _notice_context(reminder: Reminder) -> dict[str, Any]:
    invoice = reminder.invoice
    profile = current_profile()
    # Once the notice is sent its fee is posted and already part of what the patient owes.
    owed_now = invoice.patient_due
    posted_own_fee = reminder.fee if reminder.fee_entry_id else Decimal("0.00")
    amount_owed = owed_now - posted_own_fee
    fees = getattr(reminder, "invoice_fees", None) or Decimal("0.00")
    breakdown = claim_breakdown(
        owed_before_fee=amount_owed, earlier_fees_charged=fees - posted_own_fee, this_fee=reminder.fee
    )
    instalment = missed_instalment(reminder)
    lines = list(invoice.lines.all())
    title = bill_title(lines, invoice.service_date)
    shares = invoice_shares(
        invoice, lines=lines, entries=list(invoice.entries.all()), tiers_payant=getattr(reminder, "tiers_payant", None)
    )
    return {
        **(instalment_context(instalment) if instalment is not None else {}),
        **claim_explained(shares, breakdown),
        "breakdown": breakdown,
        "clinic": settings.CLINIC,
        "patient": invoice.patient,
        "invoice": invoice,
        "lines": lines,
        "reminder": reminder,
        "document_title": notice_subject(reminder, invoice, title),
        "bill_title": title,
        "notice_label": NoticeType(reminder.notice_type).label,
        "is_final": reminder.notice_type == NoticeType.FINAL_NOTICE,
        "is_statement": reminder.notice_type == NoticeType.STATEMENT,
        # inkassoloven § 9: the notice before collection must be titled "Inkassovarsel" or "Varsel om inkasso".
        "is_inkassovarsel": reminder.notice_type == NoticeType.FINAL_NOTICE and profile.code == "NO",
        "letter_date": timezone.localdate(reminder.sent_at) if reminder.sent_at else timezone.localdate(),
        "amount_owed": breakdown.owed_before_fee,
        "total_to_pay": breakdown.total,
        "reference_is_kid": profile.payment_reference_scheme == "KID",
    }


def _notice_html(reminder: Reminder) -> str:
    with translation.override(reminder.invoice.patient.language):
        return render_to_string("pdf/notice.html", _notice_context(reminder))


def _refuse_if_held(reminder: Reminder) -> None:
    """A notice that has not gone out is never produced as a letter while collection of its invoice is held
    (a complaint, insurance, a deferral, a plan for the schedule's notices, a decided case): the same condition
    that skips it when it is claimed or printed (services.paused_invoices). A notice sent is a copy of what the
    patient got, and is always produced."""
    if reminder.status == Reminder.Status.SENT:
        return
    paused = paused_invoices(today=timezone.localdate(), by_plans=reminder.step < INSTALMENT_STEPS)
    if Invoice.objects.filter(pk=reminder.invoice_id).filter(paused).exists():
        raise InvalidTransition(
            _("Collection of this invoice is on hold, so this notice is not sent and no letter is produced.")
        )


def notice_letter_html(reminder: Reminder) -> str:
    """The notice letter as HTML in the patient's language (two queries: the reminder's data and lines; one
    more for a notice not sent, which is refused while its invoice is held)."""
    _refuse_if_held(reminder)
    return _notice_html(_reminders_with_letter_data().get(pk=reminder.pk))


def notice_letter_pdf(reminder: Reminder) -> bytes:
    """Render a reminder, final notice or statement as a printable letter in the patient's language.

    The patient's address sits in the window of a C5/DL window envelope (DIN 5008: 20 mm from the left,
    45 mm from the top). Queries: the reminder with invoice and patient, and the lines — two.
    """
    return _pdf(notice_letter_html(reminder))


FRANKING_ORDER = ("invoice__patient__postal_code", "invoice__patient__name", "invoice__patient_id", "id")


def letter_reminders_sent_on(day: date) -> QuerySet[Reminder]:
    """Letter-channel notices sent (printed) on `day` (the local date), in franking order: postal code, then name."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return (
        _reminders_with_letter_data()
        .filter(status=Reminder.Status.SENT, channel=Channel.LETTER, sent_at__gte=start, sent_at__lt=end)
        .order_by(*FRANKING_ORDER)
    )


def letter_reminders_to_print() -> QuerySet[Reminder]:
    """Letter-channel notices waiting for the print batch, whatever day they were claimed, in franking order."""
    return (
        _reminders_with_letter_data()
        .filter(status=Reminder.Status.TO_PRINT, channel=Channel.LETTER)
        .order_by(*FRANKING_ORDER)
    )


def _rendered(reminders: QuerySet[Reminder]) -> list["Document"]:
    return [_render(_notice_html(reminder)) for reminder in reminders]


def print_batch_pdf(day: date) -> bytes | None:
    """Every letter-channel notice sent (printed) on `day` in one PDF, each letter starting on a new page, ordered
    by postal code then name; None when there is no letter for that day. Only reads: staff record the waiting
    letters as printed first (services.reminders_record_printed, a POST), then download today's batch.

    Each letter is laid out on its own (so its page numbers count its own pages) and the pages are joined.
    Queries: the reminders with invoice and patient, their lines and their ledger entries — three, whatever the
    number of letters.
    """
    documents = _rendered(letter_reminders_sent_on(day))
    if not documents:
        return None
    batch = documents[0].copy([page for document in documents for page in document.pages])
    batch.metadata.title = _("Letters to print, %(day)s") % {"day": day.isoformat()}
    return bytes(batch.write_pdf())


def _case_with_file() -> QuerySet[CollectionCase]:
    """A case with everything its letters and file show: six queries, whatever the history's length."""
    return CollectionCase.objects.select_related("invoice__patient", "decided_by").prefetch_related(
        _ordered_lines(),
        Prefetch("invoice__entries", queryset=LedgerEntry.objects.order_by("posted_at", "id")),
        Prefetch(
            "invoice__reminders",
            queryset=Reminder.objects.filter(status=Reminder.Status.SENT).order_by("sent_at", "id"),
            to_attr="notices_sent",
        ),
        Prefetch(
            "invoice__complaints",
            queryset=Complaint.objects.order_by("received_at", "id").prefetch_related(
                Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id"))
            ),
        ),
    )


def _case_context(case: CollectionCase) -> dict[str, Any]:
    invoice = case.invoice
    profile = current_profile()
    # The tvistevarsel as recorded when it went out (its date and deadline); a draft before that is dated today.
    sent = ConciliationNotice.objects.filter(case=case).order_by("-sent_on", "-id").first()
    today = sent.sent_on if sent is not None else timezone.localdate()
    notices = [
        {
            "reminder": reminder,
            "sent_on": timezone.localdate(reminder.sent_at) if reminder.sent_at else None,
            "channel": reminder.channel_label,
        }
        for reminder in invoice.notices_sent  # type: ignore[attr-defined]
    ]
    return {
        "clinic": settings.CLINIC,
        "case": case,
        "patient": invoice.patient,
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "notices": notices,
        "patient_due": invoice.patient_due,
        "letter_date": today,
        "answer_by": sent.answer_by if sent is not None else today + timedelta(days=CONCILIATION_NOTICE_DAYS),
        "answer_days": CONCILIATION_NOTICE_DAYS,
        "jurisdiction": profile.code,
        "reference_is_kid": profile.payment_reference_scheme == "KID",
    }


def conciliation_notice_html(case: CollectionCase) -> str:
    """The pre-litigation notice as HTML in the patient's language."""
    loaded = _case_with_file().get(pk=case.pk)
    with translation.override(loaded.invoice.patient.language):
        return render_to_string("pdf/conciliation_notice.html", _case_context(loaded))


def conciliation_notice_pdf(case: CollectionCase) -> bytes:
    """The written notice before the claim goes to the conciliation board or small-claims procedure.

    Norway: a tvistevarsel — the claim, the amount, and that the clinic will bring it before the
    conciliation board (forliksrådet) of the patient's municipality unless it is paid or answered within
    14 days. US and France: a neutral final written notice before the conciliator or small-claims procedure.
    """
    return _pdf(conciliation_notice_html(case))


def case_summary_html(case: CollectionCase) -> str:
    """The case file as HTML in the clinic's language."""
    loaded = _case_with_file().get(pk=case.pk)
    invoice = loaded.invoice
    context = _case_context(loaded)
    context.update(
        {
            "entries": [
                {"entry": entry, "posted_on": timezone.localdate(entry.posted_at)} for entry in invoice.entries.all()
            ],
            "complaints": [
                {
                    "complaint": complaint,
                    "received_on": timezone.localdate(complaint.received_at),
                    "closed_on": timezone.localdate(complaint.closed_at) if complaint.closed_at else None,
                    "lines": list(complaint.lines.all()),
                }
                for complaint in invoice.complaints.all()
            ],
            "proposed_on": timezone.localdate(loaded.proposed_at),
            "decided_on": timezone.localdate(loaded.decided_at) if loaded.decided_at else None,
            "issued_on": timezone.localdate(invoice.issued_at) if invoice.issued_at else None,
        }
    )
    with translation.override(current_profile().default_locale):
        return render_to_string("pdf/case_summary.html", context)


def case_summary_pdf(case: CollectionCase) -> bytes:
    """The case file for the conciliation board or the collection agency: patient, invoice and lines, the
    ledger history, the notices sent, complaints and their outcome (the patient's own words and clinical
    detail are left out: only the service descriptions), and the current balance. Six queries."""
    return _pdf(case_summary_html(case))


# The agency imports this file: its column names are a fixed interface, not translated text. `amount_owed` is
# the total; `principal` and `fees` split it (the agency must not treat earlier fees as principal). `action`
# is "collect", or "recall" for a case a complaint took back: the agency stops and returns the claim.
AGENCY_CSV_HEADER = (
    "case_id",
    "invoice_number",
    "patient_name",
    "date_of_birth",
    "address",
    "amount_owed",
    "due_date",
    "last_notice_date",
    "payment_reference",
    "principal",
    "fees",
    "action",
)
AGENCY_COLLECT = "collect"
AGENCY_RECALL = "recall"


def agency_cases() -> QuerySet[CollectionCase]:
    """What the agency's file lists: the cases at the agency, and the cases recalled from it (as recall lines)."""
    return CollectionCase.objects.filter(Q(status=CollectionCase.Status.AGENCY) | Q(recalled_at__isnull=False))


def agency_export_csv(cases: Iterable[CollectionCase]) -> str:
    """One row per case for the collection agency, in case id order. Amounts are plain decimals ("570.00"),
    dates ISO 8601. A case recalled by a complaint, or whose claim is disputed, is a recall line, never a claim
    to collect. One query for a queryset of cases (two for a list: its ids are read first)."""
    if isinstance(cases, QuerySet):
        selected: QuerySet[CollectionCase] = cases
    else:
        selected = CollectionCase.objects.filter(pk__in=[case.pk for case in cases])
    last_notice = (
        Reminder.objects.filter(invoice_id=OuterRef("invoice_id"), status=Reminder.Status.SENT)
        .order_by()
        .values("invoice_id")
        .annotate(last=Max("sent_at"))
        .values("last")
    )
    rows = (
        selected.select_related("invoice__patient")
        .annotate(
            last_notice_at=Subquery(last_notice),
            invoice_fees=_fees_charged(),
            disputed=Exists(invoice_ids_disputed().filter(invoice_id=OuterRef("invoice_id"))),
        )
        .order_by("id")
    )
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    writer.writerow(AGENCY_CSV_HEADER)
    for case in rows:
        invoice = case.invoice
        patient = invoice.patient
        address = ", ".join(
            part for part in (patient.address_line, f"{patient.postal_code} {patient.city}".strip()) if part
        )
        owed = invoice.patient_due
        breakdown = claim_breakdown(
            owed_before_fee=owed,
            earlier_fees_charged=case.invoice_fees or Decimal("0.00"),  # type: ignore[attr-defined]
            this_fee=Decimal("0.00"),
        )
        recalled = case.recalled_at is not None or case.disputed  # type: ignore[attr-defined]
        writer.writerow(
            [
                case.pk,
                invoice.number or "",
                patient.name,
                patient.date_of_birth.isoformat(),
                address,
                f"{owed:.2f}",
                invoice.due_date.isoformat() if invoice.due_date else "",
                timezone.localdate(case.last_notice_at).isoformat() if case.last_notice_at else "",  # type: ignore[attr-defined]
                invoice.payment_reference or "",
                f"{breakdown.principal:.2f}",
                f"{breakdown.earlier_fees:.2f}",
                AGENCY_RECALL if recalled else AGENCY_COLLECT,
            ]
        )
    return buffer.getvalue()
