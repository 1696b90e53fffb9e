"""Signed invoice links: each page's links open only that page, and expire after their own setting's days."""

from datetime import timedelta

import pytest
import time_machine

from online_payments.quick_pay import invoice_for_pay_link, pay_link_token
from portal.quick_pay import invoice_for_quick_pay, quick_pay_token
from tests.factories import ISSUED, at, issue

pytestmark = pytest.mark.django_db


def test_a_link_opens_its_own_page_only(patient):
    invoice = issue(patient)
    assert invoice_for_quick_pay(quick_pay_token(invoice)) == invoice
    assert invoice_for_pay_link(pay_link_token(invoice)) == invoice
    assert invoice_for_pay_link(quick_pay_token(invoice)) is None
    assert invoice_for_quick_pay(pay_link_token(invoice)) is None


def test_each_link_expires_after_the_days_its_setting_gives(patient, settings):
    settings.QUICK_PAY_LINK_DAYS, settings.ONLINE_PAYMENT_LINK_DAYS = 90, 60
    invoice = issue(patient)
    with time_machine.travel(at(ISSUED), tick=False):
        quick, online = quick_pay_token(invoice), pay_link_token(invoice)
    with time_machine.travel(at(ISSUED + timedelta(days=61)), tick=False):
        assert (invoice_for_quick_pay(quick), invoice_for_pay_link(online)) == (invoice, None)
    with time_machine.travel(at(ISSUED + timedelta(days=91)), tick=False):
        assert invoice_for_quick_pay(quick) is None
