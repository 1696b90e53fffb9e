"""`id_url` gives the same links as `{% url %}` for one-id URLs, without reversing per row."""

from unittest import mock

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from invoices.templatetags import row_urls

NAMES = [
    "frontdesk:invoice-detail",
    "frontdesk:patient-detail",
    "disputes:complaint-detail",
    "disputes:adjustment-approve",
    "disputes:adjustment-reject",
]


@pytest.mark.parametrize("name", NAMES)
def test_it_gives_the_url_that_reverse_gives(name) -> None:
    for object_id in (1, 7, 40, 918273, 2_000_000_001):
        assert row_urls.id_url(object_id, name) == reverse(name, args=[object_id])


def test_it_follows_the_script_prefix() -> None:
    set_script_prefix("/billing/")
    try:
        assert row_urls.id_url(12, "frontdesk:invoice-detail") == "/billing/invoices/12/"
    finally:
        clear_script_prefix()
    assert row_urls.id_url(12, "frontdesk:invoice-detail") == "/invoices/12/"


def test_it_reverses_once_per_url_name() -> None:
    row_urls._around_id.cache_clear()
    with mock.patch.object(row_urls, "reverse", wraps=reverse) as reversing:
        for object_id in range(1, 101):
            row_urls.id_url(object_id, "frontdesk:invoice-detail")
    assert reversing.call_count == 1


@pytest.mark.parametrize("name", ["portal:portal-bill", "portal:portal-bill-pdf"])
def test_ids_url_gives_the_url_that_reverse_gives_for_several_ids(name) -> None:
    for patient_id, invoice_id in ((1, 2), (7, 7), (918273, 40), (2_000_000_001, 3)):
        ids = {"patient_id": patient_id, "invoice_id": invoice_id}
        assert row_urls.ids_url(name, **ids) == reverse(name, kwargs=ids)
        assert row_urls.ids_url(name, invoice_id=invoice_id, patient_id=patient_id) == reverse(name, kwargs=ids)
