"""Idempotency keys belong to the user who sends them (issue 12, item 9).

A key was global: a second user sending another user's key got that user's payment back (its amount,
payer, reference and the invoice's balance). Now each user's keys are their own; postings without a user
(imports, demo data) share one scope of their own.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from invoices import services
from invoices.models import LedgerEntry
from tests.factories import issued_invoice

pytestmark = pytest.mark.django_db

PAYMENT = {"amount": "71.00", "payer": "patient", "method": "bank transfer", "reference": "KID 123"}
KEY = {"Idempotency-Key": "bank-2026-0001"}


def post(client, url: str, data: dict, **headers: str):
    return client.post(url, data, content_type="application/json", headers=headers)


def test_it_never_returns_another_users_payment_for_their_key(patient, billing, front_desk, client_for):
    invoice = issued_invoice(patient)
    url = f"/api/v1/invoices/{invoice.pk}/payments/"
    theirs = post(client_for(billing), url, PAYMENT, **KEY)

    mine = post(client_for(front_desk), url, PAYMENT, **KEY)

    assert theirs.status_code == mine.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert list(
        LedgerEntry.objects.filter(idempotency_key=KEY["Idempotency-Key"]).values_list("posted_by", flat=True)
    ) == [
        billing.pk,
        front_desk.pk,
    ]


def test_it_posts_another_users_key_with_another_body_instead_of_refusing_it(patient, billing, front_desk, client_for):
    # A 409 here would tell the second user that someone else used the key, and for what kind of body.
    invoice = issued_invoice(patient)
    url = f"/api/v1/invoices/{invoice.pk}/payments/"
    post(client_for(billing), url, PAYMENT, **KEY)

    other = post(client_for(front_desk), url, {**PAYMENT, "amount": "10.00"}, **KEY)

    assert other.status_code == 201
    assert other.json()["amount"] == "10.00"


def test_it_still_replays_the_same_users_key_after_another_user_used_it(patient, billing, front_desk, client_for):
    invoice = issued_invoice(patient)
    url = f"/api/v1/invoices/{invoice.pk}/payments/"
    first = post(client_for(billing), url, PAYMENT, **KEY)
    post(client_for(front_desk), url, PAYMENT, **KEY)

    replay = post(client_for(billing), url, PAYMENT, **KEY)

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PATIENT_PAYMENT).count() == 2


def test_it_keeps_postings_without_a_user_in_their_own_scope(patient, billing):
    invoice = issued_invoice(patient)
    imported = services.payment_record(
        invoice_id=invoice.pk, amount="20.00", payer="patient", method="bank", by=None, idempotency_key="k1"
    )
    typed = services.payment_record(
        invoice_id=invoice.pk, amount="20.00", payer="patient", method="bank", by=billing, idempotency_key="k1"
    )
    replayed = services.payment_record(
        invoice_id=invoice.pk, amount="20.00", payer="patient", method="bank", by=None, idempotency_key="k1"
    )

    assert imported.created and typed.created and not replayed.created
    assert replayed.entry.pk == imported.entry.pk
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("431.00")


@pytest.mark.parametrize("by_user", [True, False], ids=["one-user", "no-user"])
def test_the_database_refuses_a_second_entry_with_the_same_key_in_one_scope(patient, billing, by_user):
    invoice = issued_invoice(patient)
    poster = billing if by_user else None
    entry = services.payment_record(
        invoice_id=invoice.pk, amount="20.00", payer="patient", method="bank", by=poster, idempotency_key="k1"
    ).entry

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            invoice=invoice,
            kind=LedgerEntry.Kind.PATIENT_PAYMENT,
            amount=Decimal("-1.00"),
            balance_after=entry.balance_after - 1,
            posted_at=entry.posted_at,
            posted_by=poster,
            idempotency_key="k1",
        )
