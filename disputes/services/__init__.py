"""Every write of disputes, by subject: complaints, adjustment requests and policy versions.

Callers import from `disputes.services` (or `from disputes import services`); the modules below are where each
use case lives.
"""

from .adjustments import (
    CreditOutcome,
    adjustment_approve,
    adjustment_reject,
    adjustment_request_create,
    case_credit_request,
    invoice_credit_request,
)
from .complaints import (
    complaint_accept_proposal,
    complaint_close,
    complaint_close_check,
    complaint_escalate_not_satisfied,
    complaint_file,
    complaint_mark_met,
    complaint_transition,
    complaints_escalate_overdue,
    proxy_check,
)
from .policy_versions import (
    PolicyDraft,
    SimulatedChange,
    SimulatedOutcome,
    Simulation,
    policy_active,
    policy_draft_from,
    policy_publish,
    policy_simulate,
    policy_snapshot,
    policy_validate,
)

__all__ = [
    "CreditOutcome",
    "PolicyDraft",
    "SimulatedChange",
    "SimulatedOutcome",
    "Simulation",
    "adjustment_approve",
    "adjustment_reject",
    "adjustment_request_create",
    "case_credit_request",
    "complaint_accept_proposal",
    "complaint_close",
    "complaint_close_check",
    "complaint_escalate_not_satisfied",
    "complaint_file",
    "complaint_mark_met",
    "complaint_transition",
    "complaints_escalate_overdue",
    "invoice_credit_request",
    "policy_active",
    "policy_draft_from",
    "policy_publish",
    "policy_simulate",
    "policy_snapshot",
    "policy_validate",
    "proxy_check",
]
