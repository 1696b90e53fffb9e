"""Payment methods read in the reader's language, also when an integration sent them as free text (issue 15)."""

import pytest
from django.utils import translation

from invoices.models import payment_method_label


@pytest.mark.parametrize(
    ("stored", "language", "expected"),
    [
        ("bank_transfer", "nb", "Bankoverføring"),
        ("bank transfer", "nb", "Bankoverføring"),
        ("Bank-Transfer", "fr", "Virement bancaire"),
        ("Карта", "nb", "Kort"),
        ("card", "ru", "Карта"),
        ("kontant", "pt", "Numerário"),
        ("espèces", "en", "Cash"),
    ],
)
def test_it_shows_a_known_method_by_its_translated_label(stored, language, expected) -> None:
    with translation.override(language):
        assert payment_method_label(stored) == expected


def test_it_shows_an_unknown_method_as_it_was_written() -> None:
    with translation.override("nb"):
        assert payment_method_label("Vipps") == "Vipps"
