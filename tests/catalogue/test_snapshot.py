"""What an invoice line keeps of its service: the words at issue, whatever the catalogue says later; a draft
takes the catalogue's newest words when it is issued, never its newest price."""

from datetime import date
from decimal import Decimal

import pytest

from catalogue import services as catalogue_services
from catalogue.selectors import ServiceWords
from catalogue.services import ServiceInput
from invoices import services
from tests.factories import PatientFactory, catalogue_service

pytestmark = pytest.mark.django_db

SERVICE_DAY, ISSUE_DAY = date(2026, 11, 2), date(2026, 11, 3)


def rename(service, settings, texts: dict[str, ServiceWords]) -> None:
    catalogue_services.service_save(
        service_id=service.pk,
        data=ServiceInput(code=service.code, coding_system=service.coding_system, kind=service.kind),
        texts=texts,
        by=None,
    )


def draft_of(code: str, unit_price: str = "183.00"):
    return services.invoice_create_draft(
        patient_id=PatientFactory(language="nb").pk,
        service_date=SERVICE_DAY,
        lines=[services.LineInput(code, "", Decimal("1"), Decimal(unit_price))],
        by=None,
    )


def test_an_issued_line_keeps_its_words_after_the_catalogue_changes(settings):
    settings.CLINIC_LANGUAGE = "nb"
    service = catalogue_service("S1", "Legetime", "183.00")
    invoice = services.invoice_issue(invoice_id=draft_of("S1").pk, by=None, today=ISSUE_DAY)

    rename(service, settings, {"nb": ServiceWords("Konsultasjon", "Ny tekst."), "ru": ServiceWords("Приём", "")})
    catalogue_services.service_price_set(
        service_id=service.pk, amount=Decimal("250.00"), valid_from=date(2027, 1, 1), by=None
    )

    line = invoice.lines.get()
    assert (line.words_for("nb").name, line.words_for("ru").name) == ("Legetime", "Legetime")
    assert line.unit_price == Decimal("183.00")


def test_issuing_a_draft_takes_the_newest_words_but_keeps_the_drafts_price(settings):
    settings.CLINIC_LANGUAGE = "nb"
    service = catalogue_service("S2", "Legetime", "183.00")
    draft = draft_of("S2", unit_price="150.00")  # the price agreed with the patient

    rename(service, settings, {"nb": ServiceWords("Legetime", "En vanlig time."), "ru": ServiceWords("Приём", "")})
    catalogue_services.service_price_set(service_id=service.pk, amount=Decimal("999.00"), valid_from=ISSUE_DAY, by=None)
    invoice = services.invoice_issue(invoice_id=draft.pk, by=None, today=ISSUE_DAY)

    line = invoice.lines.get()
    assert line.words_for("ru") == ServiceWords("Приём", "")
    assert line.words_for("nb") == ServiceWords("Legetime", "En vanlig time.")
    assert (line.unit_price, line.amount, invoice.total) == (Decimal("150.00"),) * 3


def test_a_line_whose_code_the_catalogue_does_not_know_keeps_its_own_description(settings):
    draft = services.invoice_create_draft(
        patient_id=PatientFactory(language="ru").pk,
        service_date=SERVICE_DAY,
        lines=[services.LineInput("LAB-EXT", "External lab analysis", Decimal("1"), Decimal("80.00"))],
        by=None,
    )

    line = services.invoice_issue(invoice_id=draft.pk, by=None, today=ISSUE_DAY).lines.get()

    assert (line.service_id, line.texts, line.words_for("ru").name) == (None, {}, "External lab analysis")
