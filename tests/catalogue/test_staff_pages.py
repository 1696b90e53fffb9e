"""The staff's catalogue pages: everyone who bills reads the list with its missing-translation indicator; the
office manager adds a service, edits its texts and sets a price, every write through catalogue.services."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from catalogue import services
from catalogue.models import Service, ServicePrice
from catalogue.selectors import ServiceWords
from catalogue.services import ServiceInput
from tests.factories import catalogue_service

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 2)
LIST = reverse("catalogue:service-list")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def nb_clinic(settings):
    settings.CLINIC_LANGUAGE = "nb"


def half_translated() -> Service:
    """A service with names in Norwegian and English only."""
    return services.service_save(
        service_id=None,
        data=ServiceInput(code="HALF", coding_system="local", kind="certificate"),
        texts={"nb": ServiceWords("Legeattest", ""), "en": ServiceWords("Medical certificate", "")},
        by=None,
    )


def form_data(code: str = "NEW1", **overrides: str) -> dict[str, str]:
    data = {
        "code": code,
        "coding_system": "local",
        "kind": "procedure",
        "default_coverage": "patient",
        "exemption_card_applies": "on",
        "estimable": "on",
        "is_available": "on",
        "position": "10",
        "name_nb": "Sårstell",
        "explanation_nb": "Rens og nytt plaster.",
        "name_en": "Wound care",
    }
    return {**data, **overrides}


def test_the_list_names_the_languages_a_service_lacks_and_filters_on_them(nb_clinic, billing, client_for):
    half_translated()
    client = client_for(billing)

    everything = client.get(LIST).content.decode()
    missing_only = client.get(LIST, {"missing": "1"})

    assert "Missing</span> French, Portuguese, Russian" in everything
    assert [row["entry"].code for row in missing_only.context["rows"]] == ["HALF"]


def test_the_list_shows_todays_price_and_the_name_in_the_readers_language(nb_clinic, front_desk, client_for):
    catalogue_service("CHEAP", "Cheap thing", "10.00", valid_from=date(2026, 1, 1))
    services.service_price_set(
        service_id=Service.objects.get(code="CHEAP").pk, amount=Decimal("12.50"), valid_from=TODAY, by=None
    )

    rows = {row["entry"].code: row["entry"] for row in client_for(front_desk).get(LIST).context["rows"]}

    assert rows["CHEAP"].price == Decimal("12.50")
    assert rows["2ad"].name == "GP consultation"  # the reader's English, not the clinic's Norwegian


def test_the_list_costs_the_same_queries_however_long_the_catalogue(manager, client_for, django_assert_num_queries):
    client = client_for(manager)
    client.get(LIST)
    for number in range(15):
        catalogue_service(f"N{number}", f"Service {number}")

    # The session, the user, the second factor's device, the user's roles with every permission (one query), the
    # catalogue (3).
    with django_assert_num_queries(7):
        response = client.get(LIST)

    assert response.status_code == 200


def test_the_office_manager_adds_a_service_with_its_texts(nb_clinic, manager, client_for):
    response = client_for(manager).post(reverse("catalogue:service-new"), form_data())

    service = Service.objects.get(code="NEW1")
    assert response.status_code == 302
    assert dict(service.texts.values_list("language", "name")) == {"nb": "Sårstell", "en": "Wound care"}
    assert LogEntry.objects.get_for_object(service).get().actor == manager


def test_a_refused_service_shows_the_error_at_the_top_and_on_the_field(nb_clinic, manager, client_for):
    response = client_for(manager).post(reverse("catalogue:service-new"), form_data(name_nb="", explanation_nb=""))

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in html
    assert 'href="#id_name_nb"' in html
    assert 'id="id_name_nb_error"' in html
    assert not Service.objects.filter(code="NEW1").exists()


def test_a_duplicate_code_is_refused_on_the_code_field(nb_clinic, manager, client_for):
    response = client_for(manager).post(reverse("catalogue:service-new"), form_data(code="2ad"))

    assert "Another service already has this code." in str(response.context["form"].errors["code"])


def test_the_office_manager_renames_a_service_and_an_empty_language_is_removed(nb_clinic, manager, client_for):
    service = half_translated()
    url = reverse("catalogue:service-detail", args=[service.pk])
    data = form_data("HALF", kind="certificate", name_nb="Legeerklæring", explanation_nb="", name_en="")

    response = client_for(manager).post(url, data)

    assert response.status_code == 302
    assert dict(service.texts.values_list("language", "name")) == {"nb": "Legeerklæring"}


def test_the_office_manager_sets_a_new_price_from_a_date(nb_clinic, manager, client_for):
    service = catalogue_service("P1", "Priced", "100.00", valid_from=date(2026, 1, 1))
    url = reverse("catalogue:service-price-new", args=[service.pk])

    response = client_for(manager).post(url, {"price-amount": "120.50", "price-valid_from": "2026-12-01"})

    assert response.status_code == 302
    assert list(ServicePrice.objects.filter(service=service).values_list("amount", "valid_until")) == [
        (Decimal("100.00"), date(2026, 11, 30)),
        (Decimal("120.50"), None),
    ]
    assert ServicePrice.objects.get(service=service, valid_until=None).created_by == manager


def test_a_price_before_the_latest_is_refused_on_its_field(nb_clinic, manager, client_for):
    service = catalogue_service("P2", "Priced", "100.00", valid_from=date(2026, 6, 1))
    url = reverse("catalogue:service-price-new", args=[service.pk])

    response = client_for(manager).post(url, {"price-amount": "90.00", "price-valid_from": "2026-05-01"})

    assert response.status_code == 400
    assert "valid_from" in response.context["price_form"].errors
    assert ServicePrice.objects.filter(service=service).count() == 1


def test_billing_reads_a_service_without_the_forms(nb_clinic, billing, client_for):
    service = half_translated()

    html = client_for(billing).get(reverse("catalogue:service-detail", args=[service.pk])).content.decode()

    assert "Legeattest" in html
    assert 'name="price-amount"' not in html
    assert 'name="name_nb"' not in html


def test_the_edit_page_marks_the_clinic_language_required_and_lists_the_price_history(nb_clinic, manager, client_for):
    service = catalogue_service("P3", "Priced", "100.00", valid_from=date(2026, 1, 1))
    services.service_price_set(service_id=service.pk, amount=Decimal("110.00"), valid_from=TODAY, by=manager)

    response = client_for(manager).get(reverse("catalogue:service-detail", args=[service.pk]))

    html = response.content.decode()
    assert "required: the clinic's language" in html
    assert response.context["form"].fields["name_nb"].required
    assert not response.context["form"].fields["name_en"].required
    assert [(price.amount, is_current) for price, is_current in response.context["prices"]] == [
        (Decimal("110.00"), True),
        (Decimal("100.00"), False),
    ]
