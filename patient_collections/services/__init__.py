"""Collections' writes, one module per subject: the reminder sweep (sweep), sending notices (sending), fees
(fees), payment plans and deferrals (arrangements), the instalment sweep (instalments), follow-up calls
(calls), collection cases (cases), and editing the reminder schedule (schedule). Reads live in
patient_collections.selectors.

The database is the source of truth and Celery only executes: sweeps find due work in batches, each
notice is a Reminder row unique per (invoice, step), and sending re-checks the row under a lock, so a
repeated or redelivered task never sends twice.

Every name callers use is importable from here (`services.payment_plan_create`). A test that replaces a
function patches it in the module that looks it up (`sending.enqueue_sends`), not here.
"""

from ..notices import INSTALMENT_STEPS
from ..selectors import paused_invoices
from .arrangements import (
    MAX_DEFERRAL_DAYS,
    MAX_PLAN_MONTHS,
    arrangement_refusal,
    deferral_create,
    payment_plan_create,
)
from .calls import follow_up_call_open, follow_up_call_record_outcome, follow_up_call_write_instead
from .cases import (
    CONCILIATION_NOTICE_DAYS,
    DECIDERS,
    DISPUTE_DECISIONS,
    case_decider_refusal,
    case_is_open,
    collection_case_credit_approved,
    collection_case_credit_rejected,
    collection_case_decide,
    collection_case_lock,
    collection_case_recall,
    conciliation_notice_record,
)
from .fees import fee_amount, fee_base_rate, fee_codes, schedule_steps
from .instalments import INSTALMENT_BATCH, instalments_sweep, instalments_sweep_batch
from .promises import MAX_PROMISE_DAYS, payment_promise_record, payment_promise_withdraw
from .schedule import EDIT_SCHEDULE, ScheduleInvalid, StepInput, schedule_problems, schedule_replace
from .sending import (
    INSTALMENT_DEADLINE_DAYS,
    SKIPPED_NO_CHANNEL,
    SKIPPED_PAID,
    SKIPPED_PAUSED,
    DispatchResult,
    reminder_claim,
    reminder_confirm_sent,
    reminder_mark_uncertain,
    reminder_record_sent,
    reminder_release,
    reminder_resend,
    reminder_send,
    reminders_dispatch,
    reminders_record_printed,
)
from .sweep import (
    RETRIED,
    SWEEP_BATCH,
    NoticeRow,
    SweepResult,
    disputed_cases_propose,
    overdue_candidates,
    reminders_sweep,
    reminders_sweep_batch,
    sweep_candidates,
)

__all__ = [
    "CONCILIATION_NOTICE_DAYS",
    "DECIDERS",
    "DISPUTE_DECISIONS",
    "EDIT_SCHEDULE",
    "INSTALMENT_BATCH",
    "INSTALMENT_DEADLINE_DAYS",
    "INSTALMENT_STEPS",
    "MAX_DEFERRAL_DAYS",
    "MAX_PLAN_MONTHS",
    "MAX_PROMISE_DAYS",
    "RETRIED",
    "SKIPPED_NO_CHANNEL",
    "SKIPPED_PAID",
    "SKIPPED_PAUSED",
    "SWEEP_BATCH",
    "DispatchResult",
    "NoticeRow",
    "ScheduleInvalid",
    "StepInput",
    "SweepResult",
    "arrangement_refusal",
    "case_decider_refusal",
    "case_is_open",
    "collection_case_credit_approved",
    "collection_case_credit_rejected",
    "collection_case_decide",
    "collection_case_lock",
    "collection_case_recall",
    "conciliation_notice_record",
    "deferral_create",
    "disputed_cases_propose",
    "fee_amount",
    "fee_base_rate",
    "fee_codes",
    "follow_up_call_open",
    "follow_up_call_record_outcome",
    "follow_up_call_write_instead",
    "instalments_sweep",
    "instalments_sweep_batch",
    "overdue_candidates",
    "paused_invoices",
    "payment_plan_create",
    "payment_promise_record",
    "payment_promise_withdraw",
    "reminder_claim",
    "reminder_confirm_sent",
    "reminder_mark_uncertain",
    "reminder_record_sent",
    "reminder_release",
    "reminder_resend",
    "reminder_send",
    "reminders_dispatch",
    "reminders_record_printed",
    "reminders_sweep",
    "reminders_sweep_batch",
    "schedule_problems",
    "schedule_replace",
    "schedule_steps",
    "sweep_candidates",
]
