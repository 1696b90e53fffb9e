"""Credit applied to another invoice, refunds with four-eyes approval, and the pain.001 export (services)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from lxml import etree

from clinic_billing.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from invoices import services
from invoices.models import CreditApplication, LedgerEntry, RefundExportBatch, RefundRequest, RefundRequestStatusChange
from invoices.pain001 import NAMESPACE
from invoices.services import ledger
from tests.factories import UserFactory, at, invoice_with_credit, issue

pytestmark = pytest.mark.django_db

NS = {"p": NAMESPACE}
BANK = services.RefundPayee(method="bank_transfer", name="Kari Nordmann", account="8601.11.17947")
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(at(TODAY), tick=False):
        yield


def _request(invoice, by, amount="60.00", payee=BANK):
    return services.refund_request_create(invoice_id=invoice.pk, amount=amount, payee=payee, by=by)


# --- Applying credit ----------------------------------------------------------------------------------------


def test_it_moves_credit_to_another_open_invoice_with_two_entries_that_cancel_out(patient, billing):
    source = invoice_with_credit(patient, "100.00")
    target = issue(patient)

    application = services.credit_apply(source_id=source.pk, target_id=target.pk, amount="80.00", by=billing)

    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.patient_due, target.patient_due) == (Decimal("-20.00"), Decimal("420.00"))
    assert application.entry_out.amount + application.entry_in.amount == 0
    assert application.entry_out.kind == LedgerEntry.Kind.CREDIT_TRANSFER_OUT
    assert application.entry_in.reference == source.number
    assert services.ledger_verify(invoice_ids=[source.pk, target.pk]) == []


def test_verify_ledger_reports_a_credit_transfer_entry_without_its_pair(patient):
    invoice = invoice_with_credit(patient)
    with transaction.atomic():
        # Only a bug could post half a transfer: the services post both entries or neither.
        entry = ledger._post(
            invoice=services.invoice_lock(invoice_id=invoice.pk),
            kind=LedgerEntry.Kind.CREDIT_TRANSFER_OUT,
            amount=Decimal("5.00"),
            by=None,
        )

    problems = services.ledger_verify(invoice_ids=[invoice.pk])

    assert [problem.message for problem in problems] == [
        f"credit_transfer_out entry id={entry.pk} has no credit application"
    ]


def test_it_refuses_another_patients_invoice(patient, other_patient, billing):
    source = invoice_with_credit(patient)
    with pytest.raises(ApplicationError, match="same patient"):
        services.credit_apply(source_id=source.pk, target_id=issue(other_patient).pk, amount="10.00", by=billing)
    assert not CreditApplication.objects.exists()


def test_it_refuses_an_invoice_that_is_not_open(patient, billing):
    source = invoice_with_credit(patient)
    credited = issue(patient)
    services.invoice_credit(invoice_id=credited.pk, amount=None, reason="Billed twice", by=billing)
    with pytest.raises(InvalidTransition, match="only be applied to an open invoice"):
        services.credit_apply(source_id=source.pk, target_id=credited.pk, amount="10.00", by=billing)


def test_it_refuses_more_than_the_credit(patient, billing):
    source = invoice_with_credit(patient, "100.00")
    with pytest.raises(ApplicationError, match="At most") as refused:
        services.credit_apply(source_id=source.pk, target_id=issue(patient).pk, amount="100.01", by=billing)
    assert refused.value.field == "amount"


def test_it_refuses_more_than_the_target_owes(patient, billing):
    source = invoice_with_credit(patient, "600.00")
    with pytest.raises(ApplicationError, match="owes only"):
        services.credit_apply(source_id=source.pk, target_id=issue(patient).pk, amount="500.01", by=billing)


def test_it_refuses_an_invoice_without_credit(patient, billing):
    with pytest.raises(ApplicationError, match="no credit"):
        services.credit_apply(source_id=issue(patient).pk, target_id=issue(patient).pk, amount="1.00", by=billing)


def test_it_keeps_credit_promised_to_a_pending_refund(patient, billing, manager):
    source = invoice_with_credit(patient, "100.00")
    _request(source, billing, "70.00")
    with pytest.raises(ApplicationError, match="At most"):
        services.credit_apply(source_id=source.pk, target_id=issue(patient).pk, amount="40.00", by=billing)


# --- Refund requests ------------------------------------------------------------------------------------------


def test_it_stores_a_norwegian_account_number_as_an_iban(patient, billing, manager):
    refund = _request(invoice_with_credit(patient), billing)
    assert (refund.payee_account, refund.status) == ("NO9386011117947", RefundRequest.Status.PENDING)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()


@pytest.mark.parametrize("account", ["8601.11.17948", "NO9386011117946", "not an account", ""])
def test_it_refuses_an_account_number_with_a_wrong_check_digit(patient, billing, manager, account):
    payee = services.RefundPayee(method="bank_transfer", name="Kari Nordmann", account=account)
    with pytest.raises(ApplicationError) as refused:
        _request(invoice_with_credit(patient), billing, payee=payee)
    assert refused.value.field == "payee_account"


def test_it_needs_a_reference_for_a_cash_refund(patient, billing, manager):
    with pytest.raises(ApplicationError) as refused:
        _request(invoice_with_credit(patient), billing, payee=services.RefundPayee(method="cash"))
    assert refused.value.field == "reference"


def test_it_refuses_a_refund_beyond_the_credit_less_what_is_pending(patient, billing, manager):
    invoice = invoice_with_credit(patient, "100.00")
    _request(invoice, billing, "60.00")
    with pytest.raises(ApplicationError, match="At most"):
        _request(invoice, billing, "40.01")


# --- Four-eyes ------------------------------------------------------------------------------------------------


def test_approval_posts_the_refund_with_its_method_and_end_to_end_id(patient, billing, manager):
    invoice = invoice_with_credit(patient, "100.00")
    refund = services.refund_approve(refund_id=_request(invoice, billing).pk, by=manager)

    entry = refund.ledger_entry
    assert (entry.kind, entry.amount, entry.method) == ("refund", Decimal("60.00"), "bank_transfer")
    assert entry.reference == refund.end_to_end_id
    assert (refund.status, refund.decided_by) == (RefundRequest.Status.APPROVED, manager)
    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("-40.00")
    assert RefundRequestStatusChange.objects.filter(refund=refund, to_status="approved", changed_by=manager).exists()


def test_a_cash_refund_records_its_reference(patient, billing, manager):
    payee = services.RefundPayee(method="cash", reference="Till receipt 4711")
    refund = _request(invoice_with_credit(patient), billing, payee=payee)
    entry = services.refund_approve(refund_id=refund.pk, by=manager).ledger_entry
    assert (entry.method, entry.reference) == ("cash", "Till receipt 4711")


def test_nobody_approves_their_own_refund(patient, manager):
    UserFactory(username="second_manager", roles=["office_manager"])
    refund = _request(invoice_with_credit(patient), manager)
    with pytest.raises(PermissionDenied, match="own refund"):
        services.refund_approve(refund_id=refund.pk, by=manager)
    refund.refresh_from_db()
    assert refund.status == RefundRequest.Status.PENDING


def test_billing_and_the_front_desk_cannot_approve(patient, billing, manager, front_desk):
    refund = _request(invoice_with_credit(patient), billing)
    other_billing = UserFactory(username="bente_billing", roles=["billing"])
    for colleague in (front_desk, other_billing):
        with pytest.raises(PermissionDenied, match="Only the office manager"):
            services.refund_approve(refund_id=refund.pk, by=colleague)


def test_a_sole_office_managers_refund_is_decided_by_the_deputy(patient, manager, provider, settings):
    settings.REFUND_DEPUTY_APPROVER_ROLE = "provider"
    refund = _request(invoice_with_credit(patient), manager)
    refund = services.refund_approve(refund_id=refund.pk, by=provider)
    assert (refund.status, refund.decided_by) == (RefundRequest.Status.APPROVED, provider)


def test_the_deputy_does_not_decide_while_an_office_manager_may(patient, billing, manager, provider):
    refund = _request(invoice_with_credit(patient), billing)
    with pytest.raises(PermissionDenied, match="deputy"):
        services.refund_approve(refund_id=refund.pk, by=provider)


def test_a_refund_nobody_else_could_approve_is_refused_when_asked_for(patient, manager, settings):
    settings.REFUND_DEPUTY_APPROVER_ROLE = ""
    with pytest.raises(InvalidTransition, match="Nobody else may approve"):
        _request(invoice_with_credit(patient), manager)
    assert not RefundRequest.objects.exists()


def test_rejection_needs_a_reason_posts_nothing_and_frees_the_credit(patient, billing, manager):
    invoice = invoice_with_credit(patient, "100.00")
    refund = _request(invoice, billing, "100.00")
    with pytest.raises(ApplicationError, match="Say why"):
        services.refund_reject(refund_id=refund.pk, by=manager, note=" ")
    refund = services.refund_reject(refund_id=refund.pk, by=manager, note="Patient asked to keep it as credit")
    assert (refund.status, refund.ledger_entry) == (RefundRequest.Status.REJECTED, None)
    assert services.credit_available(invoice) == Decimal("100.00")


def test_a_decided_refund_cannot_be_decided_again(patient, billing, manager):
    refund = services.refund_approve(refund_id=_request(invoice_with_credit(patient), billing).pk, by=manager)
    with pytest.raises(InvalidTransition, match="already decided"):
        services.refund_reject(refund_id=refund.pk, by=manager, note="changed my mind")


def test_approval_is_refused_when_the_credit_is_gone_meanwhile(patient, billing, manager):
    invoice = invoice_with_credit(patient, "100.00")
    refund = _request(invoice, billing, "100.00")
    services.entry_reverse(entry_id=invoice.entries.get(kind="patient_payment").pk, reason="bounced", by=manager)
    with pytest.raises(ApplicationError, match="Only a credit can be refunded"):
        services.refund_approve(refund_id=refund.pk, by=manager)
    refund.refresh_from_db()
    assert refund.status == RefundRequest.Status.PENDING


# --- pain.001 export ------------------------------------------------------------------------------------------


def _approved_bank_refunds(patient, billing, manager, amounts=("60.00", "25.50")):
    refunds = []
    for amount in amounts:
        refund = _request(invoice_with_credit(patient, "100.00"), billing, amount)
        refunds.append(services.refund_approve(refund_id=refund.pk, by=manager))
    return refunds


def test_it_exports_approved_bank_refunds_as_one_pain001_file(patient, billing, manager):
    refunds = _approved_bank_refunds(patient, billing, manager)
    cash = _request(invoice_with_credit(patient), billing, payee=services.RefundPayee(method="card", reference="T-1"))
    services.refund_approve(refund_id=cash.pk, by=manager)

    batch = services.refunds_export(by=billing)

    document = etree.fromstring(batch.xml.encode())
    assert document.tag == f"{{{NAMESPACE}}}Document"
    header = document.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    transactions = document.findall(".//p:CdtTrfTxInf", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == batch.message_id
    assert header.findtext("p:NbOfTxs", namespaces=NS) == str(len(transactions)) == "2"
    amounts = [Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)) for tx in transactions]
    assert Decimal(header.findtext("p:CtrlSum", namespaces=NS)) == sum(amounts) == Decimal("85.50")
    assert document.findtext(".//p:PmtInf/p:CtrlSum", namespaces=NS) == "85.50"
    assert [tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for tx in transactions] == [
        refund.end_to_end_id for refund in refunds
    ]
    assert {tx.find("p:Amt/p:InstdAmt", NS).get("Ccy") for tx in transactions} == {"NOK"}
    assert transactions[0].findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == "NO9386011117947"
    assert transactions[0].findtext("p:Cdtr/p:Nm", namespaces=NS) == "Kari Nordmann"
    assert document.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "NO7215031234562"
    assert document.findtext(".//p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "DNBANOKK"
    assert document.findtext(".//p:ReqdExctnDt/p:Dt", namespaces=NS) == "2026-03-02"
    assert (batch.transaction_count, batch.control_sum, batch.created_by) == (2, Decimal("85.50"), billing)
    assert set(batch.refunds.values_list("status", flat=True)) == {"exported"}


def test_a_refund_is_exported_only_once(patient, billing, manager):
    _approved_bank_refunds(patient, billing, manager)
    first = services.refunds_export(by=billing)
    with pytest.raises(InvalidTransition, match="no approved bank refunds"):
        services.refunds_export(by=billing)
    later = _approved_bank_refunds(patient, billing, manager, amounts=("10.00",))
    second = services.refunds_export(by=billing)
    assert list(second.refunds.all()) == later
    assert first.refunds.count() == 2
    assert RefundExportBatch.objects.count() == 2


def test_it_refuses_to_export_from_an_invalid_clinic_account(patient, billing, manager, settings):
    _approved_bank_refunds(patient, billing, manager, amounts=("10.00",))
    settings.CLINIC = {**settings.CLINIC, "bank_account": "1503.12.34567"}
    with pytest.raises(ApplicationError, match="CLINIC_BANK_ACCOUNT"):
        services.refunds_export(by=billing)
    assert not RefundExportBatch.objects.exists()
