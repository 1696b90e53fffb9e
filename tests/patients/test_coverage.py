from datetime import date

import pytest

from clinic_billing.exceptions import ApplicationError
from patients.models import Coverage
from patients.services import coverage_add
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_it_registers_an_exemption_card_once() -> None:
    patient = PatientFactory()
    card = {
        "patient_id": patient.pk,
        "kind": Coverage.Kind.EXEMPTION_CARD,
        "payer_name": " Helfo ",
        "member_number": "FK-1",
        "valid_from": date(2026, 3, 1),
        "valid_to": date(2026, 12, 31),
    }
    first = coverage_add(**card)
    again = coverage_add(**card)
    assert again.pk == first.pk
    assert (first.payer_name, first.valid_from, first.valid_to) == ("Helfo", date(2026, 3, 1), date(2026, 12, 31))
    assert patient.coverages.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "employer"}, "kind"),
        ({"payer_name": "  "}, "payer_name"),
        ({"valid_to": date(2026, 2, 28)}, "valid_to"),
    ],
)
def test_it_refuses_a_coverage_it_cannot_register(changes: dict[str, object], field: str) -> None:
    patient = PatientFactory()
    values: dict[str, object] = {
        "patient_id": patient.pk,
        "kind": Coverage.Kind.INSURER,
        "payer_name": "Storebrand",
        "valid_from": date(2026, 3, 1),
        **changes,
    }
    with pytest.raises(ApplicationError) as refused:
        coverage_add(**values)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert not patient.coverages.exists()
