"""The pure reminder schedule: legal limits per jurisdiction and the order of notices, without a database."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patient_collections.schedule import (
    DEFAULT_STEPS,
    LIMITS,
    Account,
    SentNotice,
    derived_fee,
    escalation_due,
    next_step,
    validate_schedule,
)

DUE = date(2026, 3, 1)
NO = DEFAULT_STEPS["NO"]
SATS = Decimal("700.00")  # the inkassosats since 2017-01-01


@pytest.mark.parametrize("jurisdiction", ["NO", "US", "FR"])
def test_the_default_schedules_are_lawful(jurisdiction):
    assert validate_schedule(DEFAULT_STEPS[jurisdiction], LIMITS[jurisdiction], SATS) == []


def test_norway_refuses_a_fee_before_fourteen_days():
    early_fee = (replace(NO[0], fee=Decimal("35.00")), *NO[1:])
    assert any("14 days" in p for p in validate_schedule(early_fee, LIMITS["NO"], SATS))


def test_norway_refuses_a_deadline_shorter_than_fourteen_days():
    short = (replace(NO[0], deadline_days=7), *NO[1:])
    assert any("at least 14 days" in p for p in validate_schedule(short, LIMITS["NO"], SATS))


def test_norway_refuses_a_third_fee_bearing_notice():
    third = (*NO, replace(NO[2], number=4, days_after_due=60))
    assert any("At most 2" in p for p in validate_schedule(third, LIMITS["NO"], SATS))


def test_it_refuses_a_fee_above_the_legal_amount():
    dear = (NO[0], replace(NO[1], fee=Decimal("70.00")), NO[2])
    assert any("at most 35" in p for p in validate_schedule(dear, LIMITS["NO"], SATS))


def test_the_first_reminder_goes_the_day_after_the_due_date():
    account = Account(due_date=DUE, patient_due=Decimal("500.00"))
    assert next_step(account, NO, DUE) is None
    assert next_step(account, NO, DUE + timedelta(days=1)).number == 1


def test_the_fee_reminder_waits_for_the_first_deadline():
    sent = (SentNotice(1, DUE + timedelta(days=1), 14, Decimal("0")),)
    account = Account(due_date=DUE, patient_due=Decimal("500.00"), sent=sent)
    assert next_step(account, NO, DUE + timedelta(days=15)) is None
    assert next_step(account, NO, DUE + timedelta(days=16)).number == 2


def test_nothing_is_sent_for_a_paid_or_paused_account():
    assert next_step(Account(DUE, Decimal("0.00")), NO, DUE + timedelta(days=40)) is None
    assert next_step(Account(DUE, Decimal("10.00"), paused=True), NO, DUE + timedelta(days=40)) is None


def test_escalation_follows_the_final_notice_deadline():
    sent = tuple(SentNotice(s.number, DUE + timedelta(days=s.days_after_due + 1), 14, s.fee) for s in NO)
    account = Account(due_date=DUE, patient_due=Decimal("500.00"), sent=sent)
    final_sent = sent[-1].sent_on
    assert not escalation_due(account, NO, final_sent + timedelta(days=14))
    assert escalation_due(account, NO, final_sent + timedelta(days=15))
    assert not escalation_due(replace(account, paused=True), NO, final_sent + timedelta(days=15))


@given(
    jurisdiction=st.sampled_from(["NO", "US", "FR"]),
    days=st.lists(st.integers(0, 400), min_size=1, max_size=12),
)
def test_notices_go_in_order_never_early_and_never_twice(jurisdiction, days):
    steps = DEFAULT_STEPS[jurisdiction]
    sent: tuple[SentNotice, ...] = ()
    for day in sorted(days):
        today = DUE + timedelta(days=day)
        step = next_step(Account(DUE, Decimal("100.00"), sent), steps, today)
        if step is None:
            continue
        assert step.number == len(sent) + 1
        assert today >= DUE + timedelta(days=step.days_after_due)
        assert step.number not in {n.number for n in sent}
        if sent:
            assert today > sent[-1].sent_on + timedelta(days=sent[-1].deadline_days)
        sent = (*sent, SentNotice(step.number, today, step.deadline_days, step.fee))
    assert sum(1 for n in sent if n.fee > 0) <= LIMITS[jurisdiction].max_fee_notices


def test_it_refuses_two_fee_bearing_inkassovarsler():
    two_final = (NO[0], replace(NO[1], notice_type="final_notice"), NO[2])
    problems = validate_schedule(two_final, LIMITS["NO"], SATS)
    assert "Only one final notice (inkassovarsel) per claim may carry a fee." in problems


def test_it_refuses_a_purring_after_the_inkassovarsel():
    final_first = (NO[0], replace(NO[1], notice_type="final_notice"), replace(NO[2], notice_type="reminder"))
    problems = validate_schedule(final_first, LIMITS["NO"], SATS)
    assert "No fee-bearing reminder may follow the final notice (inkassovarsel)." in problems


def test_it_allows_two_purringer_or_one_purring_followed_by_one_inkassovarsel():
    two_purringer = (NO[0], NO[1], replace(NO[2], notice_type="reminder"))
    assert validate_schedule(two_purringer, LIMITS["NO"], SATS) == []
    assert validate_schedule(NO, LIMITS["NO"], SATS) == []


def test_the_fee_cap_is_a_twentieth_of_the_inkassosats_in_force():
    forty = (NO[0], replace(NO[1], fee=Decimal("40.00")), NO[2])
    assert any("at most 35" in p for p in validate_schedule(forty, LIMITS["NO"], SATS))
    assert validate_schedule(forty, LIMITS["NO"], Decimal("800.00")) == []


def test_fees_are_fractions_of_the_sats():
    assert derived_fee(SATS, 1, 20) == Decimal("35.00")
    assert derived_fee(SATS, 3, 20) == Decimal("105.00")
    assert derived_fee(Decimal("710.00"), 1, 20) == Decimal("35.50")


def test_an_unsent_notice_blocks_the_next_step():
    account = Account(due_date=DUE, patient_due=Decimal("500.00"), unsent=(1,))
    assert next_step(account, NO, DUE + timedelta(days=60)) is None


def test_an_unsent_notice_blocks_the_escalation():
    sent = tuple(SentNotice(s.number, DUE + timedelta(days=s.days_after_due + 1), 14, s.fee) for s in NO[:2])
    assert not escalation_due(Account(DUE, Decimal("500.00"), sent=sent, unsent=(3,)), NO, DUE + timedelta(days=200))
    # Even with the final notice out, an earlier notice still waiting to go out (requeued) holds the case back.
    final_out = (sent[0], SentNotice(3, DUE + timedelta(days=31), 14, NO[2].fee))
    account = Account(due_date=DUE, patient_due=Decimal("500.00"), sent=final_out, unsent=(2,))
    assert not escalation_due(account, NO, DUE + timedelta(days=200))


@given(
    unsent=st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=3),
    day=st.integers(0, 400),
    jurisdiction=st.sampled_from(["NO", "US", "FR"]),
)
def test_a_notice_that_did_not_go_out_never_lets_the_schedule_move_on(unsent, day, jurisdiction):
    account = Account(due_date=DUE, patient_due=Decimal("100.00"), unsent=tuple(unsent))
    steps = DEFAULT_STEPS[jurisdiction]
    assert next_step(account, steps, DUE + timedelta(days=day)) is None
    assert not escalation_due(account, steps, DUE + timedelta(days=day))
