"""Credit notes as documents, and issued invoices kept as issued.

Back-fills what existed before: every issued or credited invoice gets its seller and buyer details (today's,
the closest record there is of what was printed), and every reduction, write-off, small-claim credit or
correction already posted gets its credit note. Corrections made before this migration already carry a
"CN-YYYY-NNNNNN" reference taken from the credit-note counter: they keep that number. The others take the
next numbers of the series, in the order they were posted.
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

BATCH = 1000
BOOKED = ("issued", "credited")
CREDIT_KINDS = {
    "reduction": "reduction",
    "write_off": "write_off",
    "small_claim_credit": "small_claim_credit",
    "credit_note": "correction",
}
REASONS = {
    "reduction": "Reduction",
    "write_off": "Write-off",
    "small_claim_credit": "Small-claim credit",
    "credit_note": "Correction",
}
NUMBER = re.compile(r"^CN-(\d{4})-(\d{6})$")


def _seller() -> dict[str, str]:
    return {key: str(value) for key, value in settings.CLINIC.items()}


def _buyer(patient) -> dict[str, str]:
    return {
        "name": patient.name or "",
        "address_line": patient.address_line or "",
        "postal_code": patient.postal_code or "",
        "city": patient.city or "",
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else "",
    }


def backfill_invoice_details(apps, schema_editor):
    Invoice = apps.get_model("invoices", "Invoice")
    seller = _seller()
    pending = Invoice.objects.filter(status__in=BOOKED, buyer_details={}).select_related("patient").order_by("pk")
    batch = []
    for invoice in pending.iterator(chunk_size=BATCH):
        invoice.seller_details = seller
        invoice.buyer_details = _buyer(invoice.patient)
        batch.append(invoice)
        if len(batch) == BATCH:
            Invoice.objects.bulk_update(batch, ["seller_details", "buyer_details"])
            batch = []
    if batch:
        Invoice.objects.bulk_update(batch, ["seller_details", "buyer_details"])


def backfill_credit_notes(apps, schema_editor):
    LedgerEntry = apps.get_model("invoices", "LedgerEntry")
    CreditNote = apps.get_model("invoices", "CreditNote")
    Counter = apps.get_model("invoices", "InvoiceNumberCounter")
    seller = _seller()
    entries = (
        LedgerEntry.objects.filter(kind__in=list(CREDIT_KINDS), credit_note__isnull=True)
        .select_related("invoice__patient")
        .order_by("posted_at", "id")
    )
    taken = set(CreditNote.objects.values_list("number", flat=True))
    for entry in entries.iterator(chunk_size=BATCH):
        match = NUMBER.match(entry.reference) if entry.kind == "credit_note" else None
        if match and entry.reference not in taken:
            year, sequence = int(match.group(1)), int(match.group(2))
        else:
            year = timezone.localtime(entry.posted_at).year
            counter, _created = Counter.objects.get_or_create(series="credit_note", year=year)
            counter.last_value += 1
            counter.save(update_fields=["last_value"])
            sequence = counter.last_value
        number = f"CN-{year}-{sequence:06d}"
        taken.add(number)
        CreditNote.objects.create(
            invoice_id=entry.invoice_id,
            ledger_entry_id=entry.pk,
            number=number,
            year=year,
            sequence=sequence,
            kind=CREDIT_KINDS[entry.kind],
            amount=-entry.amount,
            reason=entry.note or REASONS[entry.kind],
            approved_by_id=entry.posted_by_id,
            issued_at=entry.posted_at,
            seller_details=seller,
            buyer_details=_buyer(entry.invoice.patient),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0003_owed_invoice_partial_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="buyer_details",
            field=models.JSONField(blank=True, default=dict, verbose_name="buyer as issued"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="seller_details",
            field=models.JSONField(blank=True, default=dict, verbose_name="seller as issued"),
        ),
        migrations.CreateModel(
            name="CreditNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="number")),
                ("year", models.PositiveSmallIntegerField()),
                ("sequence", models.PositiveIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("reduction", "Reduction"),
                            ("write_off", "Write-off"),
                            ("small_claim_credit", "Small-claim credit"),
                            ("correction", "Correction"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount credited")),
                ("reason", models.CharField(max_length=300, verbose_name="reason")),
                ("issued_at", models.DateTimeField(verbose_name="issued at")),
                ("seller_details", models.JSONField(default=dict, verbose_name="seller as issued")),
                ("buyer_details", models.JSONField(default=dict, verbose_name="buyer as issued")),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="credit_notes", to="invoices.invoice"
                    ),
                ),
                (
                    "ledger_entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_note",
                        to="invoices.ledgerentry",
                    ),
                ),
                ("lines", models.ManyToManyField(blank=True, related_name="credit_notes", to="invoices.invoiceline")),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "credit note",
                "verbose_name_plural": "credit notes",
                "ordering": ["issued_at", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("year", "sequence"), name="credit_note_year_sequence_unique"),
                    models.CheckConstraint(condition=models.Q(("amount__gt", 0)), name="credit_note_amount_positive"),
                ],
            },
        ),
        migrations.RunPython(backfill_invoice_details, migrations.RunPython.noop),
        migrations.RunPython(backfill_credit_notes, migrations.RunPython.noop),
    ]
