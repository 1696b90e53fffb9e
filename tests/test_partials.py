"""The partials each audience shares: the field group and the error summary (staff/ and portal/ _field.html,
_error_summary.html) tell assistive technology which field is invalid and link the summary to it; the staff
lists' pagination (staff/_pagination.html) keeps the page's filters in its links."""

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.test.html import Element, parse_html
from django.urls import reverse

from disputes.services import complaint_file
from tests.factories import issued_invoice


def elements(node: Element) -> Iterator[Element]:
    for child in node.children:
        if isinstance(child, Element):
            yield child
            yield from elements(child)


def with_id(page: str, element_id: str) -> Element:
    matching = [element for element in elements(parse_html(page)) if dict(element.attributes).get("id") == element_id]
    assert len(matching) == 1, f"{len(matching)} elements with id {element_id}"
    return matching[0]


def attributes(page: str, element_id: str) -> dict[str, str | None]:
    return dict(with_id(page, element_id).attributes)


def classes(page: str, element_id: str) -> list[str]:
    return str(attributes(page, element_id)["class"]).split()


def links(node: Element) -> list[str | None]:
    return [dict(element.attributes).get("href") for element in elements(node) if element.name == "a"]


# --- Field groups and error summaries ---------------------------------------------------------------


def test_it_marks_an_invalid_staff_field_and_links_the_summary_to_it(billing, client_for, patient):
    invoice = issued_invoice(patient)
    form = {"amount": "ten", "payer": "patient", "method": "bank_transfer", "idempotency_key": "not-a-key"}
    page = client_for(billing).post(reverse("frontdesk:invoice-payment", args=[invoice.pk]), form).content.decode()

    assert attributes(page, "id_amount")["aria-invalid"] == "true"
    assert attributes(page, "id_amount")["aria-describedby"] == "id_amount_error"
    assert "invalid-feedback" in classes(page, "id_amount_error")
    assert "aria-invalid" not in attributes(page, "id_reference")
    assert attributes(page, "id_reference")["aria-describedby"] == "id_reference_helptext"
    assert "#id_amount" in links(with_id(page, "error-summary"))


def test_it_marks_invalid_portal_fields_and_links_the_summary_to_each(client_for, patient):
    invoice = issued_invoice(patient)
    dispute_url = reverse("portal:portal-dispute", kwargs={"patient_id": patient.pk, "invoice_id": invoice.pk})
    page = client_for(patient.user).post(dispute_url, {"lines": ["all"]}).content.decode()

    assert attributes(page, "id_category")["aria-describedby"] == "id_category_error"
    assert attributes(page, "id_category_0")["aria-invalid"] == "true"
    assert attributes(page, "id_description")["aria-invalid"] == "true"
    assert attributes(page, "id_description")["aria-describedby"] == "id_description_helptext id_description_error"
    assert "portal-error-message" in classes(page, "id_description_error")
    assert links(with_id(page, "error-summary")) == ["#id_category_0", "#id_description"]


def test_it_marks_a_field_of_a_form_that_includes_the_portal_partial(client: Client, db):
    page = client.post(reverse("portal:portal-login"), {"username": "", "password": "secret"}).content.decode()

    assert attributes(page, "id_username")["aria-invalid"] == "true"
    assert attributes(page, "id_username")["aria-describedby"] == "id_username_error"
    assert links(with_id(page, "error-summary")) == ["#id_username"]


# --- Pagination -------------------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False)
def test_it_keeps_the_filter_in_the_previous_and_next_links(patient, front_desk, manager, client_for, monkeypatch):
    monkeypatch.setattr("disputes.views.PAGE_SIZE", 1)
    for _ in range(3):
        complaint_file(
            patient_id=patient.pk,
            invoice_id=issued_invoice(patient).pk,
            line_ids=[],
            channel="phone",
            category="billing_error",
            description="The bill is wrong.",
            by=front_desk,
        )

    page = client_for(manager).get(reverse("disputes:complaint-list"), {"show": "all", "page": "2"}).content.decode()

    (pagination,) = (node for node in elements(parse_html(page)) if dict(node.attributes).get("class") == "pagination")
    assert links(pagination) == ["?show=all&page=1", "?show=all&page=3"]
