"""What patient_collections may use of disputes, and nothing else (import-linter's layers contract allows
collections this module only). Collections holds a claim while it is disputed, shows the account header with
the open complaint, asks for the credit of a case (four-eyes, here) and escalates a complaint whose follow-up
call found the patient not satisfied.

Disputes and collections call each other, so each function imports its module when called: importing this
module loads nothing but disputes' models, and neither app's import order can break the other's.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from patients.models import Patient

from .models import AdjustmentRequest, Complaint

__all__ = [
    "AdjustmentRequest",
    "Complaint",
    "account_summary",
    "adjustment_request_refusal",
    "case_credit_request",
    "case_credit_requests",
    "complaint_escalate_not_satisfied",
    "invoice_ids_disputed",
    "invoice_ids_with_open_complaint",
]


def invoice_ids_with_open_complaint() -> QuerySet[Complaint, Any]:
    """Invoice ids with an open complaint (a subquery): collections pause them."""
    from .selectors import invoice_ids_with_open_complaint

    return invoice_ids_with_open_complaint()


def invoice_ids_disputed() -> QuerySet[Complaint, Any]:
    """Invoice ids whose claim is disputed (a subquery): no reminder, final notice or agency."""
    from .selectors import invoice_ids_disputed

    return invoice_ids_disputed()


def account_summary(patient: Patient) -> dict[str, object]:
    """The account header: the patient, their balance or credit and the open complaint."""
    from .selectors import account_summary

    return account_summary(patient)


def case_credit_requests(*, case_ids: list[int]) -> dict[int, list[AdjustmentRequest]]:
    """The credit requests of collection cases, newest first, by case id."""
    from .selectors import case_credit_requests

    return case_credit_requests(case_ids=case_ids)


def adjustment_request_refusal(user: User, adjustment: AdjustmentRequest) -> str | None:
    """Why this user may not approve or reject this request, or None when they may."""
    from .permissions import adjustment_request_refusal

    return adjustment_request_refusal(user, adjustment)


def case_credit_request(*, case_id: int, invoice_id: int, amount: Decimal, note: str, by: User) -> AdjustmentRequest:
    """Queue the credit of a collection case's claim for four-eyes approval."""
    from .services import case_credit_request

    return case_credit_request(case_id=case_id, invoice_id=invoice_id, amount=amount, note=note, by=by)


def complaint_escalate_not_satisfied(*, complaint_id: int, at: datetime, by: User | None) -> Complaint:
    """The patient was not satisfied at the follow-up call: the complaint goes back to the office manager."""
    from .services import complaint_escalate_not_satisfied

    return complaint_escalate_not_satisfied(complaint_id=complaint_id, at=at, by=by)
