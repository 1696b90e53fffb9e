"""One collection state per invoice, and the holds that stop its clock: what sweeps, staff pages, letters, the
portal and the API all read. A selector module (reads only).

The state says where the claim stands, one value at a time, first match wins:

- `not_issued`: a draft or a cancelled draft; collections have nothing to do with it.
- `closed`: the invoice was credited, or its collection case credited or withdrew the claim; nothing is pursued,
  whatever the ledger says.
- `settled`: the patient owes nothing (paid, a credit in their favour, or all of it is the insurer's).
- `held`: something owed, but at least one hold stops the clock (see below); no reminder, no final notice, no
  case, no agency while it holds.
- `agency`, `conciliation`: the office manager sent the claim to the collection agency, or it is before the
  conciliation board (forliksråd) after a tvistevarsel.
- `case_proposed`: the final notice's deadline passed (or the patient still disagreed) and a case waits for the
  provider's or the office manager's decision.
- `credit_pending`: the case decided to credit the claim and the credit waits for a colleague's approval
  (four-eyes); nothing is sent or pursued meanwhile, as `paused_invoices` says (a decided case).
- `final_notice`, `reminded`: the final notice (inkassovarsel, mise en demeure, 90-day notice) went out; or
  earlier reminders did. Only a notice *sent* counts: one queued, waiting for print or skipped does not.
- `overdue`: past the due date, no notice sent yet.
- `not_due`: issued and owed, due today or later.

The holds (HoldReason), each defined ONCE as a condition on Invoice (`hold_conditions`):

- `disputed`: a complaint is open on the invoice;
- `still_disputed`: the latest complaint closed "patient still disagrees" and no case has credited, withdrawn
  or taken the claim to the conciliation board since (inkassoloven: a disputed claim is not pursued);
- `insurance_pending`: the insurer has not answered, so what the patient owes is not final;
- `payment_plan`: a payment plan is being kept (its own instalment notices still go out);
- `deferral`: a deferral runs (until its date, unless a new arrangement ended it);
- `recalled`: a complaint recalled the claim from the collection agency; it waits for a new decision.
- `promise_to_pay`: the patient promised staff to pay this invoice (or all their invoices) by a date: nothing
  is sent before the day after it.

`paused_invoices` (patient_collections.selectors) and the reminder sweep's candidates (services.sweep) are built
from these same conditions, so the page that says "held" and the sweep that leaves the invoice alone cannot disagree.

`collection_states(invoice_ids=…, today=…)` reads any number of invoices in ONE query (every hold, the case, the
notices sent and the arrangement in force are annotations); `collection_state` is the same for one invoice, and
`with_collection_state` adds the same annotations to a queryset a page already reads (no query of its own).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    BooleanField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
)
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from disputes.interface import invoice_ids_disputed, invoice_ids_with_open_complaint
from invoices.models import InsuranceStatus, Invoice, InvoiceQuerySet

from .models import CollectionCase, Deferral, Instalment, NoticeType, PaymentPlan, PaymentPromise, Reminder
from .notices import INSTALMENT_STEPS


class CollectionState(TextChoices):
    NOT_ISSUED = "not_issued", _("Not issued")
    NOT_DUE = "not_due", _("Not yet due")
    OVERDUE = "overdue", _("Overdue, no notice sent yet")
    REMINDED = "reminded", _("Reminders sent")
    FINAL_NOTICE = "final_notice", _("Final notice sent")
    HELD = "held", _("On hold")
    CASE_PROPOSED = "case_proposed", _("Escalation waiting for a decision")
    CREDIT_PENDING = "credit_pending", _("Credit requested, waiting for approval")
    AGENCY = "agency", _("At the collection agency")
    CONCILIATION = "conciliation", _("Before the conciliation board")
    SETTLED = "settled", _("Settled: nothing owed")
    CLOSED = "closed", _("Closed: credited or withdrawn")


class HoldReason(TextChoices):
    """Why collection waits; the labels are the staff page's words ("Reminders are paused: …")."""

    DISPUTED = "disputed", _("A complaint is open on this invoice.")
    STILL_DISPUTED = (
        "still_disputed",
        _("The patient still disagrees: no reminder or agency until the claim is credited or decided."),
    )
    RECALLED = "recalled", _("Recalled from the collection agency after a complaint.")
    INSURANCE_PENDING = "insurance_pending", _("Insurance is pending: what the patient owes is not final yet.")
    PAYMENT_PLAN = "payment_plan", _("A payment plan is being kept.")
    DEFERRAL = "deferral", _("Deferred until the agreed date.")
    PROMISE_TO_PAY = "promise_to_pay", _("The patient promised to pay by a date.")


# The states in which the reminder schedule may act today: past due, owed, nothing holds it, no case yet.
SCHEDULE_STATES = frozenset({CollectionState.OVERDUE, CollectionState.REMINDED, CollectionState.FINAL_NOTICE})
# Case statuses that end a claim's collection for good.
CLOSING_CASE_STATUSES = (CollectionCase.Status.CREDITED, CollectionCase.Status.WITHDRAWN)


def hold_conditions(*, today: date, correlated: bool = False) -> dict[HoldReason, Q]:
    """Each hold as a condition on Invoice, in HoldReason order: the one definition every reader uses.

    As `pk IN (subquery)` by default, which PostgreSQL hashes once for a filter over many invoices. With
    `correlated`, as `EXISTS` on the invoice's own rows (an index lookup per invoice), for the annotations of a
    page's few invoices: hashing every open complaint, case, plan and deferral for one invoice costs tens of
    milliseconds at 2,000,000 invoices (docs/scaling.md)."""

    def holding(rows: QuerySet[Any], column: str = "invoice_id", key: str = "pk") -> Q:
        if correlated:
            return Q(Exists(rows.filter(**{column: OuterRef(key)})))
        return Q(**{f"{key}__in": rows.values(column)})

    open_complaint = holding(invoice_ids_with_open_complaint())
    promises = PaymentPromise.objects.active(today)
    return {
        HoldReason.DISPUTED: open_complaint,
        # Disputed, but by a closed complaint (disputes.selectors.invoice_ids_disputed: open or still disagrees).
        HoldReason.STILL_DISPUTED: holding(invoice_ids_disputed()) & ~open_complaint,
        HoldReason.RECALLED: holding(
            CollectionCase.objects.filter(status=CollectionCase.Status.AGENCY, recalled_at__isnull=False)
        ),
        HoldReason.INSURANCE_PENDING: Q(insurance_status=InsuranceStatus.PENDING),
        HoldReason.PAYMENT_PLAN: holding(PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE)),
        HoldReason.DEFERRAL: holding(Deferral.objects.active(today)),
        # Named by the promise, or any of the patient's invoices when it names none.
        HoldReason.PROMISE_TO_PAY: holding(promises.filter(invoice__isnull=False))
        | holding(promises.filter(invoice__isnull=True), column="patient_id", key="patient_id"),
    }


def held(*, today: date, by_plans: bool = True) -> Q:
    """Invoices some hold stops today. Without `by_plans`, a kept plan does not count: the plan's own
    instalment notices go out while it is kept."""
    held_invoices = Q()
    for reason, condition in hold_conditions(today=today).items():
        if reason != HoldReason.PAYMENT_PLAN or by_plans:
            held_invoices |= condition
    return held_invoices


def case_decided() -> Q:
    """Invoices whose collection case was decided (credited, agency, conciliation board, withdrawn): the
    schedule's reminders are over for them, whatever still waited from before the decision."""
    return Q(pk__in=CollectionCase.objects.exclude(status=CollectionCase.Status.PROPOSED).values("invoice_id"))


def has_case() -> Q:
    return Q(pk__in=CollectionCase.objects.values("invoice_id"))


def owed_past_due(*, today: date) -> Q:
    """Issued and past its due date; combine with `patient_due_amount__gt=0` on `with_patient_due()`."""
    return Q(status=Invoice.Status.ISSUED, due_date__lt=today)


def with_collection_state(invoices: QuerySet[Invoice], *, today: date) -> QuerySet[Invoice]:
    """The invoices annotated with what `state_of` needs: every hold, the case, the notices sent, and the
    arrangement in force. Subqueries only: no query of its own, and one row per invoice.

    The annotations' SQL is the same for every queryset of a day (only `today` varies it), and compiling its
    thirteen subqueries cost more CPU than the rest of a page's queries: it is compiled once per day and
    database and added as that SQL (`_CompiledAnnotation`). Read the result as it is; nesting it in another
    query as a subquery is refused (its SQL names the invoice table, which a subquery renames)."""
    annotated = invoices if _has_patient_due(invoices) else cast(InvoiceQuerySet, invoices).with_patient_due()
    return annotated.annotate(**_compiled_annotations(today=today, using=invoices.db))


def _annotations(*, today: date) -> dict[str, Any]:
    sent = Reminder.objects.filter(invoice_id=OuterRef("pk"), status=Reminder.Status.SENT, step__lt=INSTALMENT_STEPS)
    case = CollectionCase.objects.filter(invoice_id=OuterRef("pk")).order_by()
    deferral = Deferral.objects.active(today).filter(invoice_id=OuterRef("pk")).order_by("-until", "-id")
    next_instalment = (
        Instalment.objects.filter(plan__invoice_id=OuterRef("pk"), plan__status=PaymentPlan.Status.ACTIVE)
        .exclude(status=Instalment.Status.PAID)
        .order_by("number")
    )
    holds = {
        f"hold_{reason.value}": ExpressionWrapper(condition, output_field=BooleanField())
        for reason, condition in hold_conditions(today=today, correlated=True).items()
    }
    return {
        **holds,
        "case_status": Subquery(case.values("status")[:1]),
        "reminder_sent": Exists(sent),
        "final_notice_sent": Exists(sent.filter(notice_type=NoticeType.FINAL_NOTICE)),
        "deferred_until": Subquery(deferral.values("until")[:1]),
        "next_instalment_due": Subquery(next_instalment.values("due_date")[:1]),
        "next_instalment_amount": Subquery(
            next_instalment.values("amount")[:1], output_field=DecimalField(max_digits=12, decimal_places=2)
        ),
    }


class _CompiledAnnotation(RawSQL):
    """One of `_annotations`, as the SQL it compiled to on a plain Invoice query: every value it reads is a
    function of the invoice's own row (its key, its patient), so the query groups by the invoice's key, as the
    subquery it stands for would."""

    def get_group_by_cols(self) -> list[Any]:
        return [Invoice._meta.pk.get_col(Invoice._meta.db_table)]

    def relabeled_clone(self, change_map: Mapping[str, str]) -> "_CompiledAnnotation":
        if Invoice._meta.db_table in change_map:
            raise NotImplementedError("A collection-state annotation cannot be read inside another query.")
        return self


# (database alias, day) → each annotation's SQL, parameters and output field; only the latest day is kept.
_compiled: dict[tuple[str, date], dict[str, tuple[str, tuple[Any, ...], Any]]] = {}


def _compiled_annotations(*, today: date, using: str) -> dict[str, _CompiledAnnotation]:
    key = (using, today)
    compiled = _compiled.get(key)
    if compiled is None:
        query = Invoice.objects.annotate(**_annotations(today=today)).query
        compiler = query.get_compiler(using)
        compiled = {}
        for name, expression in query.annotations.items():
            sql, params = compiler.compile(expression)
            compiled[name] = (sql, tuple(params), expression.output_field)
        _compiled.clear()
        _compiled[key] = compiled
    return {
        name: _CompiledAnnotation(sql, params, output_field) for name, (sql, params, output_field) in compiled.items()
    }


def _has_patient_due(invoices: QuerySet[Invoice]) -> bool:
    return "patient_due_amount" in invoices.query.annotations


@dataclass(frozen=True)
class InvoiceCollectionState:
    """Where one invoice stands in collections today, and the arrangement the patient keeps, if any."""

    invoice_id: int
    state: CollectionState
    holds: tuple[HoldReason, ...]
    deferred_until: date | None = None
    next_instalment_due: date | None = None
    next_instalment_amount: Decimal | None = None

    @property
    def is_held(self) -> bool:
        return self.state == CollectionState.HELD

    @property
    def hold(self) -> HoldReason | None:
        """The hold that speaks first to the patient: a dispute before insurance, before an arrangement."""
        return self.holds[0] if self.is_held else None

    @property
    def pause_reasons(self) -> list[str]:
        return [str(reason.label) for reason in self.holds]


def state_of(invoice: Invoice, *, today: date) -> InvoiceCollectionState:
    """The state of an invoice read through `with_collection_state` (pure: no query)."""
    row: Any = invoice
    holds = tuple(reason for reason in HoldReason if getattr(row, f"hold_{reason.value}"))
    return InvoiceCollectionState(
        invoice_id=invoice.pk,
        state=_state(row, holds, today),
        holds=holds,
        deferred_until=row.deferred_until if HoldReason.DEFERRAL in holds else None,
        next_instalment_due=row.next_instalment_due if HoldReason.PAYMENT_PLAN in holds else None,
        next_instalment_amount=row.next_instalment_amount if HoldReason.PAYMENT_PLAN in holds else None,
    )


def _state(row: Any, holds: tuple[HoldReason, ...], today: date) -> CollectionState:
    if row.status not in Invoice.BOOKED_STATUSES:
        return CollectionState.NOT_ISSUED
    if row.status == Invoice.Status.CREDITED or row.case_status in CLOSING_CASE_STATUSES:
        return CollectionState.CLOSED
    if row.patient_due_amount <= 0:
        return CollectionState.SETTLED
    if holds:
        return CollectionState.HELD
    if row.case_status == CollectionCase.Status.CREDIT_PENDING:
        return CollectionState.CREDIT_PENDING
    if row.case_status == CollectionCase.Status.AGENCY:
        return CollectionState.AGENCY
    if row.case_status == CollectionCase.Status.CONCILIATION:
        return CollectionState.CONCILIATION
    if row.case_status == CollectionCase.Status.PROPOSED:
        return CollectionState.CASE_PROPOSED
    if row.due_date >= today:
        # Nothing acts before the due date, whatever notices an earlier due date had.
        return CollectionState.NOT_DUE
    if row.final_notice_sent:
        return CollectionState.FINAL_NOTICE
    if row.reminder_sent:
        return CollectionState.REMINDED
    return CollectionState.OVERDUE


def collection_states(*, invoice_ids: list[int], today: date) -> dict[int, InvoiceCollectionState]:
    """The state of each invoice (unknown ids are left out): one query, whatever their number."""
    if not invoice_ids:
        return {}
    invoices = with_collection_state(Invoice.objects.filter(pk__in=invoice_ids), today=today).order_by()
    return {invoice.pk: state_of(invoice, today=today) for invoice in invoices}


def collection_state(*, invoice_id: int, today: date) -> InvoiceCollectionState | None:
    """The state of one invoice (None when there is no such invoice): one query, through `collection_states`."""
    return collection_states(invoice_ids=[invoice_id], today=today).get(invoice_id)
