"""Reads for the payment pages: the checkout a patient returns from, and what a bill's pay button offers."""

from django.db.models import QuerySet

from invoices.models import Invoice
from patient_collections.models import Instalment, PaymentPlan
from patient_collections.selectors import plan_next_instalment

from .models import CheckoutSession


def checkout_for_return(*, invoice: Invoice, session_id: str) -> CheckoutSession | None:
    """The checkout of this invoice that the provider's return address names; None for any other."""
    if not session_id:
        return None
    return (
        CheckoutSession.objects.select_related("entry")
        .filter(invoice_id=invoice.pk, provider_session_id=session_id)
        .first()
    )


def payments_of_invoice(*, invoice_id: int) -> QuerySet[CheckoutSession]:
    return CheckoutSession.objects.filter(invoice_id=invoice_id)


def next_instalment_to_pay(*, invoice: Invoice) -> Instalment | None:
    """The next unpaid instalment of the invoice's kept payment plan, if it has one."""
    plan = PaymentPlan.objects.filter(invoice_id=invoice.pk, status=PaymentPlan.Status.ACTIVE).first()
    return plan_next_instalment(plan=plan) if plan is not None else None
