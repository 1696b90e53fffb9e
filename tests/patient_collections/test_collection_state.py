"""One collection state per invoice: the set-based read agrees with the one-invoice read over random accounts,
the sweep's candidates are exactly the invoices whose state lets the schedule act, the holds are the same
conditions paused_invoices uses, and reading the states costs one query whatever their number."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_billing.exceptions import InvalidTransition
from disputes import services as dispute_services
from invoices import services as invoice_services
from invoices.models import Invoice
from patient_collections import collection_state as collection_state_module
from patient_collections import letters, services
from patient_collections.collection_state import (
    SCHEDULE_STATES,
    CollectionState,
    HoldReason,
    collection_state,
    collection_states,
)
from patient_collections.models import (
    CollectionCase,
    Deferral,
    NoticeType,
    PaymentPlan,
    PaymentPromise,
    Reminder,
)
from tests.factories import PatientFactory, draft_invoice

pytestmark = pytest.mark.django_db

# A Tuesday morning in the clinic's time zone; invoices are issued 60 days before or today.
NOW = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Oslo"))
TODAY = NOW.date()
OWN_LINES = [("GP1", "Consultation", "1", "500.00", "patient")]
INSURED_LINES = [*OWN_LINES, ("LAB", "Blood panel", "1", "300.00", "insurer")]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class Account:
    """One invoice's history, as hypothesis draws it."""

    past_due: bool
    insurance_pending: bool
    complaint: str  # none, open, still_disagrees, explained
    arrangement: str  # none, plan, deferral, deferral_ran_out
    case: str  # none, or a CollectionCase status, or "recalled"
    notices: str  # none, first, final, first_queued
    paid: bool


# Notices go out and cases open only after the due date: an invoice not yet due has neither.
accounts = st.builds(
    Account,
    past_due=st.booleans(),
    insurance_pending=st.booleans(),
    complaint=st.sampled_from(["none", "open", "still_disagrees", "explained"]),
    arrangement=st.sampled_from(["none", "plan", "deferral", "deferral_ran_out"]),
    case=st.sampled_from(["none", "recalled", *CollectionCase.Status.values]),
    notices=st.sampled_from(["none", "first", "final", "first_queued"]),
    paid=st.booleans(),
).filter(lambda account: account.past_due or (account.case == "none" and account.notices == "none"))


def build(account: Account, manager) -> Invoice:
    """The invoice with that history: issued, complaints and payments through the services; the plain rows
    (notices, plans, deferrals, cases) as the services leave them."""
    patient = PatientFactory()
    issued_on = TODAY - timedelta(days=60) if account.past_due else TODAY
    draft = draft_invoice(
        patient, lines=INSURED_LINES if account.insurance_pending else OWN_LINES, service_date=issued_on
    )
    invoice = invoice_services.invoice_issue(invoice_id=draft.pk, by=None, today=issued_on)
    if account.paid:
        invoice_services.payment_record(
            invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=manager
        )
    sent_at = timezone.now() - timedelta(days=20)
    if account.notices in ("first", "final", "first_queued"):
        status = Reminder.Status.QUEUED if account.notices == "first_queued" else Reminder.Status.SENT
        Reminder.objects.create(
            invoice=invoice, step=1, notice_type=NoticeType.REMINDER, status=status, sent_at=sent_at
        )
    if account.notices == "final":
        Reminder.objects.create(
            invoice=invoice, step=3, notice_type=NoticeType.FINAL_NOTICE, status=Reminder.Status.SENT, sent_at=sent_at
        )
    if account.arrangement == "plan":
        PaymentPlan.objects.create(invoice=invoice, total=Decimal("500.00"), paid_before=Decimal("0.00"))
    elif account.arrangement.startswith("deferral"):
        days = -1 if account.arrangement == "deferral_ran_out" else 20
        Deferral.objects.create(invoice=invoice, until=TODAY + timedelta(days=days))
    if account.case != "none":
        recalled = account.case == "recalled"
        CollectionCase.objects.create(
            invoice=invoice,
            status=CollectionCase.Status.AGENCY if recalled else account.case,
            amount=Decimal("500.00"),
            recalled_at=timezone.now() if recalled else None,
        )
    if account.complaint != "none":
        complaint = dispute_services.complaint_file(
            patient_id=patient.pk,
            invoice_id=invoice.pk,
            line_ids=[],
            channel="desk",
            category="billing_error",
            description="I do not think I owe this.",
            by=manager,
        )
        if account.complaint != "open":
            outcome = "still_disagrees" if account.complaint == "still_disagrees" else "explained"
            dispute_services.complaint_close(
                complaint_id=complaint.pk, outcome=outcome, prevention_note="Explain at the desk.", by=manager
            )
    return invoice


def ids_matching(condition) -> set[int]:
    return set(Invoice.objects.filter(condition).values_list("id", flat=True))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(drawn=st.lists(accounts, min_size=1, max_size=4))
def test_it_reads_the_same_state_for_many_invoices_at_once_as_for_each_alone(drawn, manager):
    with transaction.atomic():
        invoice_ids = [build(account, manager).pk for account in drawn]
        together = collection_states(invoice_ids=invoice_ids, today=TODAY)
        alone = {invoice_id: collection_state(invoice_id=invoice_id, today=TODAY) for invoice_id in invoice_ids}
        assert together == alone

        # The holds are the very conditions paused_invoices stops reminders on (with a decided case), and the
        # sweep looks at exactly the invoices whose state lets the schedule act (with its cases: those waiting
        # for a decision too).
        held = {invoice_id for invoice_id, state in together.items() if state.holds}
        assert held == ids_matching(collection_state_module.held(today=TODAY)) & set(invoice_ids)
        # Each hold alike in both of its forms: EXISTS per invoice (the states) and IN over all (the filters).
        for reason, condition in collection_state_module.hold_conditions(today=TODAY).items():
            by_state = {invoice_id for invoice_id, state in together.items() if reason in state.holds}
            assert by_state == ids_matching(condition) & set(invoice_ids), reason
        assert held <= ids_matching(services.paused_invoices(today=TODAY))
        scheduled = {invoice_id for invoice_id, state in together.items() if state.state in SCHEDULE_STATES}
        assert set(services.overdue_candidates(today=TODAY).values_list("id", flat=True)) == scheduled
        with_cases = scheduled | {i for i, state in together.items() if state.state == CollectionState.CASE_PROPOSED}
        assert set(services.overdue_candidates(today=TODAY, with_cases=True).values_list("id", flat=True)) == with_cases
        # A held invoice is never in reminders, a case or at the agency, and says why.
        for state in together.values():
            assert (state.state == CollectionState.HELD) == (
                bool(state.holds) and state.state not in (CollectionState.SETTLED, CollectionState.CLOSED)
            )
        transaction.set_rollback(True)


def test_it_offers_the_sweep_exactly_the_invoices_due_for_a_next_step_and_not_held(manager):
    ready = build(Account(True, False, "none", "none", "none", "none", False), manager)
    reminded = build(Account(True, False, "none", "none", "none", "first", False), manager)
    deferred = build(Account(True, False, "none", "deferral", "none", "first", False), manager)
    disputed = build(Account(True, False, "still_disagrees", "none", "none", "final", False), manager)
    insured = build(Account(True, True, "none", "none", "none", "none", False), manager)
    not_due = build(Account(False, False, "none", "none", "none", "none", False), manager)
    at_agency = build(Account(True, False, "none", "none", "agency", "final", False), manager)
    paid = build(Account(True, False, "none", "none", "none", "none", True), manager)

    states = collection_states(
        invoice_ids=[i.pk for i in (ready, reminded, deferred, disputed, insured, not_due, at_agency, paid)],
        today=TODAY,
    )

    assert {invoice.pk: states[invoice.pk].state for invoice in (ready, reminded, not_due, at_agency, paid)} == {
        ready.pk: CollectionState.OVERDUE,
        reminded.pk: CollectionState.REMINDED,
        not_due.pk: CollectionState.NOT_DUE,
        at_agency.pk: CollectionState.AGENCY,
        paid.pk: CollectionState.SETTLED,
    }
    assert states[deferred.pk].holds == (HoldReason.DEFERRAL,)
    assert states[deferred.pk].deferred_until == TODAY + timedelta(days=20)
    assert states[disputed.pk].holds == (HoldReason.STILL_DISPUTED,)
    assert states[insured.pk].holds == (HoldReason.INSURANCE_PENDING,)
    assert list(services.overdue_candidates(today=TODAY)) == [ready, reminded]


def test_it_names_the_next_instalment_of_a_kept_plan(manager):
    invoice = build(Account(True, False, "none", "none", "none", "none", False), manager)
    services.payment_plan_create(invoice_id=invoice.pk, instalments=4, first_due=TODAY + timedelta(days=5), by=None)

    state = collection_state(invoice_id=invoice.pk, today=TODAY)

    assert state is not None
    assert (state.state, state.holds) == (CollectionState.HELD, (HoldReason.PAYMENT_PLAN,))
    assert (state.next_instalment_amount, state.next_instalment_due) == (Decimal("125.00"), TODAY + timedelta(days=5))


def test_it_holds_a_claim_recalled_from_the_agency_until_it_is_decided_again(manager):
    invoice = build(Account(True, False, "none", "none", "recalled", "final", False), manager)
    state = collection_state(invoice_id=invoice.pk, today=TODAY)
    assert state is not None
    assert (state.state, state.holds) == (CollectionState.HELD, (HoldReason.RECALLED,))


@pytest.mark.parametrize("count", [1, 20])
def test_it_reads_the_states_in_one_query_whatever_their_number(manager, django_assert_num_queries, count):
    kinds = [
        Account(True, False, "open", "plan", "none", "first", False),
        Account(True, True, "none", "deferral", "proposed", "final", False),
        Account(False, False, "still_disagrees", "none", "recalled", "none", True),
        Account(True, False, "none", "none", "none", "none", False),
    ]
    invoice_ids = [build(kinds[n % len(kinds)], manager).pk for n in range(count)]
    # 1. the invoices with every hold, the case, the notices sent and the arrangement in force, as annotations
    with django_assert_num_queries(1):
        states = collection_states(invoice_ids=invoice_ids, today=TODAY)
    assert len(states) == count


def test_the_annotations_compiled_once_read_what_compiling_them_anew_reads(manager):
    kinds = [
        Account(True, False, "open", "plan", "none", "first", False),
        Account(True, True, "none", "deferral", "proposed", "final", False),
        Account(False, False, "still_disagrees", "none", "recalled", "none", True),
        Account(True, False, "none", "deferral_ran_out", "agency", "first_queued", False),
        Account(True, False, "explained", "none", "none", "none", False),
    ]
    invoice_ids = [build(kind, manager).pk for kind in kinds]
    PaymentPromise.objects.create(patient=Invoice.objects.get(pk=invoice_ids[-1]).patient, until=TODAY)
    names = list(collection_state_module._annotations(today=TODAY))
    invoices = Invoice.objects.filter(pk__in=invoice_ids).order_by("pk")

    fresh = invoices.annotate(**collection_state_module._annotations(today=TODAY)).values_list("pk", *names)
    compiled = collection_state_module.with_collection_state(invoices, today=TODAY).values_list("pk", *names)

    assert list(compiled) == list(fresh)
    # A day's SQL is not another day's: the deferral that holds today has run out in a month.
    later = TODAY + timedelta(days=30)
    assert collection_states(invoice_ids=invoice_ids, today=later)[invoice_ids[1]].holds == (
        HoldReason.INSURANCE_PENDING,
    )


def test_it_refuses_to_nest_the_compiled_annotations_in_another_query():
    states = collection_state_module.with_collection_state(Invoice.objects.all(), today=TODAY)
    with pytest.raises(NotImplementedError):
        list(Invoice.objects.filter(pk__in=states.values("pk")))


def test_it_reads_no_state_for_no_invoice(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert collection_states(invoice_ids=[], today=TODAY) == {}


# --- The API and the letters read the same state ------------------------------------------------------


def test_the_invoice_api_gives_the_state_and_the_holds(manager, billing, client_for):
    invoice = build(Account(True, True, "open", "deferral", "none", "first", False), manager)
    ready = build(Account(True, False, "none", "none", "none", "first", False), manager)
    client = client_for(billing)

    held = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    reminded = client.get(f"/api/v1/invoices/{ready.pk}/").json()

    assert (held["collection_state"], held["holds"]) == ("held", ["disputed", "insurance_pending", "deferral"])
    assert (reminded["collection_state"], reminded["holds"]) == ("reminded", [])


def test_it_never_produces_a_letter_for_an_unsent_notice_while_the_invoice_is_held(manager, billing, client_for):
    invoice = build(Account(True, False, "none", "none", "none", "none", False), manager)
    waiting = Reminder.objects.create(
        invoice=invoice, step=1, notice_type=NoticeType.REMINDER, status=Reminder.Status.TO_PRINT, channel="letter"
    )
    services.deferral_create(invoice_id=invoice.pk, until=TODAY + timedelta(days=20), by=billing)

    with pytest.raises(InvalidTransition), translation.override("en"):
        letters.notice_letter_pdf(waiting)
    response = client_for(billing).get(reverse("collections:reminder-letter", args=[waiting.pk]), follow=True)

    assert response.redirect_chain == [(reverse("frontdesk:invoice-detail", args=[invoice.pk]), 302)]
    assert "no letter is produced" in response.content.decode()
    # Printing the batch skips it too, and the sweep queues it again once the deferral ends.
    assert services.reminders_record_printed(now=timezone.now()) == []
    waiting.refresh_from_db()
    assert waiting.status == Reminder.Status.SKIPPED
