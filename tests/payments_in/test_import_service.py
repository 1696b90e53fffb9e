"""Importing bank transactions: matched by payment reference, posted once, the rest queued with a reason.

The parser is replaced by plain `ParsedFile` values here, so each rule of the importer is tested on its own;
the parsers' own tests feed real files end to end.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError, InvalidTransition
from invoices import services as invoice_services
from invoices.models import Coverage, InsuranceStatus, Invoice, LedgerEntry
from payments_in import services
from payments_in.models import BankFile, BankTransaction, Decision, QueueReason
from payments_in.parsers import BankFileRefused, ClaimAdjustment, FileFormat, ParsedFile
from payments_in.parsers import BankTransaction as Parsed
from tests.factories import PatientFactory, draft_invoice, issue, issued_invoice

pytestmark = pytest.mark.django_db

BOOKED = date(2026, 1, 20)


def txn(transaction_id: str, reference: str, amount: str, **fields: object) -> Parsed:
    values: dict[str, object] = {"currency": "NOK", "booked_on": BOOKED, "payer_name": "ASTRID BERG", "line": 3}
    values.update(fields)
    return Parsed(transaction_id=transaction_id, amount=Decimal(amount), reference=reference, **values)  # type: ignore[arg-type]


@pytest.fixture
def bank(monkeypatch):
    """Import these transactions as one OCR Giro file."""

    def import_(*transactions: Parsed, by=None, file_id: str = "T1") -> BankFile:
        parsed = ParsedFile(
            format=FileFormat.OCR_GIRO, file_id=file_id, created_on=BOOKED, transactions=list(transactions)
        )
        monkeypatch.setattr(services, "parse_bank_file", lambda content, filename="": parsed)
        return services.bank_file_import(content=b"file", filename="ocr.txt", source="upload", by=by)

    return import_


def bank_payments(invoice: Invoice) -> list[LedgerEntry]:
    return list(invoice.entries.filter(kind=LedgerEntry.Kind.PATIENT_PAYMENT))


def test_a_payment_with_the_invoices_kid_is_posted_on_it(bank, patient):
    invoice = issue(patient)
    bank_file = bank(txn("ocr:1", invoice.payment_reference, "500.00"))
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")
    [entry] = bank_payments(invoice)
    assert (entry.method, entry.reference, entry.idempotency_key) == (
        "bank_transfer",
        invoice.payment_reference,
        "bank:ocr:1",
    )
    row = BankTransaction.objects.get()
    assert (row.status, row.invoice, row.allocations.get().entry) == ("posted", invoice, entry)
    assert (bank_file.posted_count, bank_file.posted_sum, bank_file.queued_count) == (1, Decimal("500.00"), 0)


def test_the_same_file_twice_or_an_overlapping_file_posts_each_transaction_once(bank, patient):
    first, second = issue(patient), issue(patient)
    bank(txn("ocr:1", first.payment_reference, "200.00"), txn("ocr:2", first.payment_reference, "100.00"))
    again = bank(txn("ocr:1", first.payment_reference, "200.00"), txn("ocr:2", first.payment_reference, "100.00"))
    overlap = bank(txn("ocr:2", first.payment_reference, "100.00"), txn("ocr:3", second.payment_reference, "500.00"))
    assert (again.duplicate_count, again.duplicate_sum, again.posted_count) == (2, Decimal("300.00"), 0)
    assert (overlap.duplicate_count, overlap.posted_count, overlap.posted_sum) == (1, 1, Decimal("500.00"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.balance, second.balance) == (Decimal("200.00"), Decimal("0.00"))
    assert BankTransaction.objects.count() == 3


def test_partial_and_over_payments_post_as_typed_payments_do(bank, patient):
    partial, over = issue(patient), issue(patient)
    bank(txn("ocr:1", partial.payment_reference, "120.00"), txn("ocr:2", over.payment_reference, "650.00"))
    partial.refresh_from_db()
    over.refresh_from_db()
    assert partial.balance == Decimal("380.00")
    assert over.patient_due == Decimal("-150.00")  # a credit in the patient's favour


@pytest.mark.parametrize(
    ("reference", "fields", "reason"),
    [
        ("123456789014", {}, QueueReason.BAD_CHECK_DIGIT),  # the Luhn check digit of 12345678901 is 5
        ("123456789015", {}, QueueReason.UNKNOWN_REFERENCE),
        ("", {}, QueueReason.NO_REFERENCE),
        ("KID", {"currency": "EUR"}, QueueReason.WRONG_CURRENCY),
    ],
)
def test_a_payment_that_names_no_open_invoice_waits_with_its_reason(bank, patient, reference, fields, reason):
    invoice = issue(patient)
    bank_file = bank(txn("ocr:9", invoice.payment_reference if reference == "KID" else reference, "500.00", **fields))
    row = BankTransaction.objects.get()
    assert (row.status, row.queue_reason) == ("queued", reason)
    assert (bank_file.queued_count, bank_file.queued_sum, bank_file.posted_count) == (1, Decimal("500.00"), 0)
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("500.00")


@pytest.mark.parametrize("amount", ["0.00", "-500.00"])
def test_a_zero_or_negative_amount_is_queued_never_posted(bank, patient, amount):
    invoice = issue(patient)
    bank(txn("camt:R1", invoice.payment_reference, amount))
    row = BankTransaction.objects.get()
    assert (row.status, row.queue_reason, row.invoice) == ("queued", QueueReason.NOT_POSITIVE, None)
    assert not bank_payments(invoice)


def test_a_payment_on_a_settled_invoice_waits_and_names_the_invoice(bank, patient):
    invoice = issue(patient)
    bank(txn("ocr:1", invoice.payment_reference, "500.00"))
    bank(txn("ocr:2", invoice.payment_reference, "500.00"))
    late = BankTransaction.objects.get(transaction_id="ocr:2")
    assert (late.status, late.queue_reason, late.invoice) == ("queued", QueueReason.ALREADY_SETTLED, invoice)


def test_a_transaction_id_reused_with_another_amount_waits_beside_the_first(bank, patient):
    invoice = issue(patient)
    bank(txn("ocr:1", invoice.payment_reference, "100.00"))
    later = bank(txn("ocr:1", invoice.payment_reference, "400.00"), txn("ocr:5", invoice.payment_reference, "7.00"))
    same_file = bank(txn("ocr:8", invoice.payment_reference, "1.00"), txn("ocr:8", invoice.payment_reference, "2.00"))
    conflict = BankTransaction.objects.get(transaction_id="ocr:1", duplicate_of__isnull=False)
    assert (conflict.status, conflict.queue_reason, conflict.amount) == (
        "queued",
        QueueReason.DUPLICATE_CONFLICT,
        Decimal("400.00"),
    )
    assert (later.queued_count, later.posted_count) == (1, 1)
    assert (same_file.posted_count, same_file.queued_count) == (1, 1)
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("392.00")  # 500 - 100 - 7 - 1: neither conflicting amount was posted


def test_a_file_that_does_not_parse_is_refused_whole_with_line_and_reason(monkeypatch, patient, billing):
    def refuse(content, filename=""):
        raise BankFileRefused("The trailer's total does not match the transactions.", line=12)

    monkeypatch.setattr(services, "parse_bank_file", refuse)
    bank_file = services.bank_file_import(content=b"NY00...", filename="bad.txt", source="upload", by=billing)
    assert (bank_file.status, bank_file.refusal_line) == ("refused", 12)
    assert "trailer" in bank_file.refusal_reason
    assert not BankTransaction.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_parsing(settings, billing):
    settings.BANK_FILE_MAX_BYTES = 10
    with pytest.raises(ApplicationError, match="larger than"):
        services.bank_file_import(content=b"x" * 11, filename="big.txt", source="upload", by=billing)
    assert not BankFile.objects.exists()


def test_an_insurers_claim_payment_posts_to_the_insurer_share_and_settles_it(bank, patient):
    invoice = issued_invoice(patient, insurance_status=InsuranceStatus.PENDING)  # 400 insurer + 71 patient
    adjustments = (ClaimAdjustment("CO", "45", Decimal("50.00")),)
    bank(
        txn(
            "835:TRN1:" + invoice.number,
            "",
            "350.00",
            payer="insurer",
            claim_id=invoice.number,
            adjustments=adjustments,
            currency="NOK",
        )
    )
    invoice.refresh_from_db()
    assert (invoice.insurer_paid, invoice.insurance_status) == (Decimal("350.00"), InsuranceStatus.SETTLED)
    assert invoice.patient_due == Decimal("121.00")  # the 50 the insurer did not pay moved to the patient
    row = BankTransaction.objects.get()
    assert row.adjustments == [{"group": "CO", "reason": "45", "amount": "50.00"}]


def test_an_insurer_paying_more_than_its_open_share_waits(bank, patient):
    invoice = issued_invoice(patient, insurance_status=InsuranceStatus.PENDING)
    bank(txn("835:TRN1:x", "", "450.00", payer="insurer", claim_id=invoice.number))
    row = BankTransaction.objects.get()
    assert (row.status, row.queue_reason, row.invoice) == ("queued", QueueReason.AMOUNT_MISMATCH, invoice)
    assert "400.00" in row.queue_detail


# --- Reconciliation -----------------------------------------------------------------------------------------


def queued_payment(bank, amount: str = "500.00") -> BankTransaction:
    bank(txn("ocr:Q", "", amount))
    return BankTransaction.objects.get(transaction_id="ocr:Q")


def test_billing_matches_a_queued_payment_to_an_invoice(bank, patient, billing):
    invoice = issue(patient)
    row = services.transaction_match(
        transaction_pk=queued_payment(bank).pk, invoice_id=invoice.pk, by=billing, note="Name matched"
    )
    invoice.refresh_from_db()
    assert (row.status, invoice.balance) == ("matched", Decimal("0.00"))
    decision = Decision.objects.get()
    assert (decision.action, decision.decided_by, decision.note) == ("match", billing, "Name matched")


def test_billing_splits_a_payment_across_invoices_and_the_parts_must_add_up(bank, patient, billing):
    first, second = issue(patient), issue(patient)
    row = queued_payment(bank, "700.00")
    with pytest.raises(ApplicationError, match=r"add up to 600\.00"):
        services.transaction_split(
            transaction_pk=row.pk, parts=[(first.pk, Decimal("500")), (second.pk, Decimal("100"))], by=billing
        )
    services.transaction_split(
        transaction_pk=row.pk, parts=[(first.pk, Decimal("500")), (second.pk, Decimal("200"))], by=billing
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.balance, second.balance) == (Decimal("0.00"), Decimal("300.00"))
    assert Decision.objects.get().action == "split"


def test_a_mistaken_match_is_undone_by_reversal_and_can_be_matched_again(bank, patient, other_patient, billing):
    wrong, right = issue(patient), issue(other_patient)
    row = queued_payment(bank)
    services.transaction_match(transaction_pk=row.pk, invoice_id=wrong.pk, by=billing)
    services.transaction_undo(transaction_pk=row.pk, by=billing, reason="Wrong patient")
    services.transaction_match(transaction_pk=row.pk, invoice_id=right.pk, by=billing)
    wrong.refresh_from_db()
    right.refresh_from_db()
    assert (wrong.balance, right.balance) == (Decimal("500.00"), Decimal("0.00"))
    kinds = list(wrong.entries.order_by("id").values_list("kind", flat=True))
    assert kinds == ["charge", "patient_payment", "reversal"]  # the first posting stays, reversed
    assert list(Decision.objects.values_list("action", flat=True)) == ["match", "undo", "match"]


def test_an_automatic_posting_can_be_undone_too(bank, patient, billing):
    invoice = issue(patient)
    bank(txn("ocr:1", invoice.payment_reference, "500.00"))
    row = services.transaction_undo(transaction_pk=BankTransaction.objects.get().pk, by=billing, reason="Not ours")
    invoice.refresh_from_db()
    assert (row.status, row.queue_reason, invoice.balance) == ("queued", QueueReason.UNDONE, Decimal("500.00"))


def test_only_queued_payments_are_matched_and_refunds_need_a_reason(bank, patient, billing):
    invoice = issue(patient)
    bank(txn("ocr:1", invoice.payment_reference, "500.00"))
    posted = BankTransaction.objects.get()
    with pytest.raises(InvalidTransition):
        services.transaction_match(transaction_pk=posted.pk, invoice_id=invoice.pk, by=billing)
    row = queued_payment(bank)
    with pytest.raises(ApplicationError, match="Say why"):
        services.transaction_mark_refund(transaction_pk=row.pk, by=billing, note=" ")
    assert services.transaction_mark_refund(transaction_pk=row.pk, by=billing, note="Paid twice").status == "refund"


def test_a_draft_is_no_target_for_a_match(bank, patient, billing):
    draft = draft_invoice(patient)
    with pytest.raises(InvalidTransition, match="not issued"):
        services.transaction_match(transaction_pk=queued_payment(bank).pk, invoice_id=draft.pk, by=billing)


# --- The invariant: whatever files arrive, in whatever order and however often, each transaction posts once ---

RUNS = itertools.count()
POOL = [(f"ocr:{n}", amount) for n, amount in enumerate(["50.00", "120.00", "75.50", "500.00", "10.00", "0.00"])]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(st.sampled_from(range(len(POOL))), max_size=6), min_size=1, max_size=5))
def test_each_transaction_posts_at_most_once_whatever_files_arrive(monkeypatch, files):
    patient = PatientFactory()
    invoices = [issue(patient, lines=[("GP1", "Visit", "1", "1000.00", Coverage.PATIENT)]) for _ in range(2)]
    run = next(RUNS)  # examples share the test's database: each has transaction ids of its own
    for number, picks in enumerate(files):
        parsed = ParsedFile(
            format=FileFormat.CAMT_054,
            file_id=f"F{number}",
            created_on=BOOKED,
            transactions=[txn(f"{run}:{POOL[i][0]}", invoices[i % 2].payment_reference, POOL[i][1]) for i in picks],
        )
        monkeypatch.setattr(services, "parse_bank_file", lambda content, filename="", parsed=parsed: parsed)
        services.bank_file_import(content=b"f", filename="f.xml", source="api", by=None)
    arrived = {i for picks in files for i in picks}
    expected = sum((Decimal(POOL[i][1]) for i in arrived), Decimal("0.00"))
    paid = -sum((e.amount for inv in invoices for e in bank_payments(inv)), Decimal("0.00"))
    assert paid == expected
    assert BankTransaction.objects.filter(transaction_id__startswith=f"{run}:").count() == len(arrived)
    assert invoice_services.ledger_verify(invoice_ids=[inv.pk for inv in invoices]) == []
