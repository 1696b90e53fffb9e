"""The pages of online payment: "Pay online" on the bill and the plan for the patient and their proxy only, the
return page that waits for the webhook, the receipt, the cancel page, and the pay-online link of a paper bill."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import translation

from invoices.models import Invoice
from invoices.templatetags.money import money
from online_payments.models import CheckoutSession
from online_payments.quick_pay import invoice_for_pay_link, pay_link_token, pay_link_url
from patient_collections import services as collection_services
from patients.models import Patient
from tests.factories import at, issue

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 10)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(at(TODAY), tick=True):
        yield


@pytest.fixture
def invoice(patient) -> Invoice:
    Patient.objects.filter(pk=patient.pk).update(language="en")
    patient.refresh_from_db()
    return issue(patient, date(2026, 11, 2))  # 500.00, all the patient's


def bill_kwargs(invoice: Invoice) -> dict[str, int]:
    return {"patient_id": invoice.patient_id, "invoice_id": invoice.pk}


def bill_url(invoice: Invoice) -> str:
    return reverse("portal:portal-bill", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk})


def pay_url(invoice: Invoice) -> str:
    return reverse("portal:portal-pay-online", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk})


def return_url(invoice: Invoice, session_id: str) -> str:
    kwargs = {"patient_id": invoice.patient_id, "invoice_id": invoice.pk}
    return reverse("portal:portal-payment-return", kwargs=kwargs) + f"?session_id={session_id}"


def paid_through_the_fake(client: Client, invoice: Invoice, stripe_fake, post_webhook) -> CheckoutSession:
    client.post(pay_url(invoice))
    checkout = CheckoutSession.objects.get(invoice=invoice)
    post_webhook(stripe_fake.event_for(stripe_fake.complete(checkout.provider_session_id)))
    checkout.refresh_from_db()
    return checkout


# --- The button ---------------------------------------------------------------------------------------------


def test_the_bill_offers_pay_online_to_the_patient(stripe_fake, client_for, invoice):
    response = client_for(invoice.patient.user).get(bill_url(invoice))

    assert 'id="pay-online"' in response.content.decode()
    with translation.override("en"):
        assert f"Pay {money(Decimal('500.00'))} online" in response.content.decode()
    assert stripe_fake.api_base in response["Content-Security-Policy"].split("form-action")[1].split(";")[0]


def test_the_bill_offers_pay_online_to_the_patients_proxy(stripe_fake, client_for, invoice, proxy):
    response = client_for(proxy.user).get(bill_url(invoice))

    assert 'id="pay-online"' in response.content.decode()


def test_no_pay_button_while_online_payment_is_off(client_for, invoice):
    response = client_for(invoice.patient.user).get(bill_url(invoice))

    assert 'id="pay-online"' not in response.content.decode()
    assert "form-action 'self';" in response["Content-Security-Policy"] + ";"


def test_no_pay_button_on_a_paid_bill(stripe_fake, client_for, invoice):
    from invoices.services import payment_record

    payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="cash", by=None)

    assert 'id="pay-online"' not in client_for(invoice.patient.user).get(bill_url(invoice)).content.decode()


def test_pay_online_sends_the_patient_to_the_hosted_page(stripe_fake, client_for, invoice):
    response = client_for(invoice.patient.user).post(pay_url(invoice))

    checkout = CheckoutSession.objects.get(invoice=invoice)
    assert response.status_code == 302
    assert response["Location"] == f"{stripe_fake.api_base}/pay/{checkout.provider_session_id}"
    assert checkout.started_by == invoice.patient.user
    session = stripe_fake.sessions[checkout.provider_session_id]
    assert session["success_url"] == "http://testserver" + return_url(invoice, "{CHECKOUT_SESSION_ID}")


def test_another_patient_cannot_pay_or_see_the_bill(stripe_fake, client_for, invoice, other_patient):
    other = client_for(other_patient.user)

    assert other.post(pay_url(invoice)).status_code == 404
    assert not CheckoutSession.objects.exists()


def test_pay_online_while_it_is_off_says_so_on_the_bill(client_for, invoice):
    client = client_for(invoice.patient.user)

    response = client.post(pay_url(invoice), follow=True)

    assert response.redirect_chain == [(bill_url(invoice), 302)]
    assert "Online payment is not available." in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_the_plan_offers_its_next_instalment(stripe_fake, client_for, invoice):
    plan = collection_services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)
    first = plan.instalments.order_by("number").first()
    client = client_for(invoice.patient.user)
    plan_url = reverse(
        "portal:portal-payment-plan", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk}
    )

    page = client.get(plan_url).content.decode()
    client.post(pay_url(invoice), {"instalment": first.pk})

    assert f'name="instalment" value="{first.pk}"' in page
    checkout = CheckoutSession.objects.get(invoice=invoice)
    assert (checkout.instalment, checkout.amount) == (first, first.amount)


# --- Back from the hosted page ------------------------------------------------------------------------------


def test_the_return_page_waits_for_the_webhook_then_shows_the_receipt(stripe_fake, post_webhook, client_for, invoice):
    client = client_for(invoice.patient.user)
    client.post(pay_url(invoice))
    checkout = CheckoutSession.objects.get(invoice=invoice)

    waiting = client.get(return_url(invoice, checkout.provider_session_id)).content.decode()
    post_webhook(stripe_fake.event_for(stripe_fake.complete(checkout.provider_session_id)))
    polled = client.get(return_url(invoice, checkout.provider_session_id), HTTP_HX_REQUEST="true").content.decode()

    assert "Your payment is being confirmed" in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert "Payment received. Thank you." in polled
    assert "hx-trigger" not in polled
    assert "<html" not in polled


def test_coming_back_does_not_post_the_payment(stripe_fake, client_for, invoice):
    client = client_for(invoice.patient.user)
    client.post(pay_url(invoice))
    checkout = CheckoutSession.objects.get(invoice=invoice)
    stripe_fake.complete(checkout.provider_session_id)

    client.get(return_url(invoice, checkout.provider_session_id))

    invoice.refresh_from_db()
    assert invoice.patient_due == Decimal("500.00")


def test_a_return_address_without_a_known_session_leads_to_the_bill(stripe_fake, client_for, invoice):
    response = client_for(invoice.patient.user).get(return_url(invoice, "cs_test_made_up"))

    assert response["Location"] == bill_url(invoice)


def test_the_bill_shows_the_online_payment_at_once(stripe_fake, post_webhook, client_for, invoice):
    client = client_for(invoice.patient.user)
    paid_through_the_fake(client, invoice, stripe_fake, post_webhook)

    page = client.get(bill_url(invoice)).content.decode()

    assert "Card, paid online" in page
    assert 'id="pay-online"' not in page


def test_the_receipt_is_the_patients_and_their_proxys_only(
    stripe_fake, post_webhook, client_for, invoice, proxy, other_patient
):
    checkout = paid_through_the_fake(client_for(invoice.patient.user), invoice, stripe_fake, post_webhook)
    url = reverse(
        "portal:portal-payment-receipt",
        kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk, "checkout_id": checkout.pk},
    )

    page = client_for(invoice.patient.user).get(url).content.decode()

    assert "Receipt" in page and invoice.number in page
    assert client_for(proxy.user).get(url).status_code == 200
    assert client_for(other_patient.user).get(url).status_code == 404


def test_an_open_checkout_has_no_receipt(stripe_fake, client_for, invoice):
    client = client_for(invoice.patient.user)
    client.post(pay_url(invoice))
    checkout = CheckoutSession.objects.get(invoice=invoice)
    url = reverse(
        "portal:portal-payment-receipt",
        kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk, "checkout_id": checkout.pk},
    )

    assert client.get(url).status_code == 404


def test_the_cancel_page_says_nothing_was_taken(stripe_fake, client_for, invoice):
    url = reverse(
        "portal:portal-payment-cancelled", kwargs={"patient_id": invoice.patient_id, "invoice_id": invoice.pk}
    )

    page = client_for(invoice.patient.user).get(url).content.decode()

    assert "Nothing was taken from your card." in page


# --- The pay-online link of a paper bill --------------------------------------------------------------------


def test_the_link_shows_only_the_bill_number_and_the_amount_due(stripe_fake, settings, invoice):
    response = Client().get(pay_link_url(invoice).removeprefix(settings.SITE_URL))

    page = response.content.decode()
    assert response.status_code == 200
    assert invoice.number in page and 'id="pay-online"' in page
    assert invoice.patient.name not in page
    assert invoice.payment_reference not in page
    assert "Consultation" not in page


def test_every_read_of_the_link_is_audited(stripe_fake, invoice):
    Client().get(reverse("payments:pay-link", kwargs={"token": pay_link_token(invoice)}))

    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Invoice),
        object_id=invoice.pk,
        action=LogEntry.Action.ACCESS,
    ).exists()


def test_the_link_opens_the_hosted_page_without_an_account(stripe_fake, post_webhook, invoice):
    token = pay_link_token(invoice)
    client = Client()

    response = client.post(reverse("payments:pay-link", kwargs={"token": token}))
    checkout = CheckoutSession.objects.get(invoice=invoice)
    post_webhook(stripe_fake.event_for(stripe_fake.complete(checkout.provider_session_id)))
    back = reverse("payments:pay-link-paid", kwargs={"token": token}) + f"?session_id={checkout.provider_session_id}"
    page = client.get(back).content.decode()

    assert response["Location"] == f"{stripe_fake.api_base}/pay/{checkout.provider_session_id}"
    assert checkout.started_by is None
    assert "Payment received. Thank you." in page
    assert invoice.patient.name not in page


@pytest.mark.parametrize("tamper", [lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), lambda t: "1:abc"])
def test_a_tampered_link_gets_a_clear_page_not_an_error(stripe_fake, invoice, tamper):
    response = Client().get(reverse("payments:pay-link", kwargs={"token": tamper(pay_link_token(invoice))}))

    assert response.status_code == 404
    assert "This payment link does not work any more" in response.content.decode()


def test_an_expired_link_gets_a_clear_page_not_an_error(stripe_fake, settings, invoice):
    token = pay_link_token(invoice)

    with time_machine.travel(at(TODAY + timedelta(days=settings.ONLINE_PAYMENT_LINK_DAYS + 1)), tick=False):
        response = Client().post(reverse("payments:pay-link", kwargs={"token": token}))

    assert response.status_code == 404
    assert "This payment link does not work any more" in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_a_portal_quick_pay_token_does_not_open_the_pay_link(stripe_fake, invoice):
    from portal.quick_pay import quick_pay_token

    response = Client().get(reverse("payments:pay-link", kwargs={"token": quick_pay_token(invoice)}))

    assert response.status_code == 404


def test_the_link_has_no_pay_button_while_online_payment_is_off(invoice):
    page = Client().get(reverse("payments:pay-link", kwargs={"token": pay_link_token(invoice)})).content.decode()

    assert 'id="pay-online"' not in page
    assert "Online payment is not available at the moment." in page


def test_the_portals_quick_pay_bill_leads_to_paying_online(stripe_fake, invoice):
    from portal.quick_pay import quick_pay_token

    page = Client().get(reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(invoice)})).content.decode()

    token = re.search(r'id="pay-online-link" href="/payments/pay/([^/"]+)/"', page)
    assert token is not None
    assert invoice_for_pay_link(token[1]) == invoice


def test_the_portals_quick_pay_bill_has_no_pay_online_while_it_is_off(invoice):
    from portal.quick_pay import quick_pay_token

    page = Client().get(reverse("portal:portal-quick-pay", kwargs={"token": quick_pay_token(invoice)})).content.decode()

    assert "pay-online-link" not in page
