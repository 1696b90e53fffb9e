"""What disputes may use of patient_collections, and nothing else (import-linter's layers contract allows
disputes this module only). A complaint recalls a claim from the collection agency, the approval of a case's
credit moves the case, a closed complaint gets its follow-up call, and disputes' reports read cases and calls.

Disputes and collections call each other, so each function imports its module when called: importing this
module loads nothing but collections' models, and neither app's import order can break the other's.
"""

from datetime import datetime

from django.contrib.auth.models import User

from invoices.models import LedgerEntry

from .models import CollectionCase, FollowUpCall

__all__ = [
    "CollectionCase",
    "FollowUpCall",
    "collection_case_credit_approved",
    "collection_case_credit_rejected",
    "collection_case_lock",
    "collection_case_recall",
    "complaint_follow_up_call_open",
]


def collection_case_recall(*, invoice_id: int) -> CollectionCase | None:
    """A complaint about a claim at the collection agency recalls it (idempotent)."""
    from .services import collection_case_recall

    return collection_case_recall(invoice_id=invoice_id)


def collection_case_lock(*, case_id: int) -> CollectionCase:
    """Lock a case row before the approval of its credit moves it."""
    from .services import collection_case_lock

    return collection_case_lock(case_id=case_id)


def collection_case_credit_approved(*, case_id: int, entry: LedgerEntry, by: User) -> CollectionCase:
    """The case's credit was approved and posted: the case is credited."""
    from .services import collection_case_credit_approved

    return collection_case_credit_approved(case_id=case_id, entry=entry, by=by)


def collection_case_credit_rejected(*, case_id: int, by: User, note: str) -> CollectionCase:
    """The case's credit was rejected: the case waits for a decision again."""
    from .services import collection_case_credit_rejected

    return collection_case_credit_rejected(case_id=case_id, by=by, note=note)


def complaint_follow_up_call_open(
    *, complaint_id: int, patient_id: int, invoice_id: int, role: str, due_at: datetime
) -> FollowUpCall:
    """The call a few days after a complaint closed, once per complaint (idempotent)."""
    from .services import follow_up_call_open

    call, _created = follow_up_call_open(
        idempotency_key=f"complaint-{complaint_id}-follow-up",
        patient_id=patient_id,
        invoice_id=invoice_id,
        reason=FollowUpCall.Reason.COMPLAINT_FOLLOW_UP,
        complaint_id=complaint_id,
        role=role,
        due_at=due_at,
    )
    return call
