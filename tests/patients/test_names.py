"""People's names refuse invisible and control characters (bidi overrides, escapes, zero-width spaces)."""

import unicodedata
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clinic_billing.exceptions import ApplicationError
from patients.admin import StaffUserChangeForm
from patients.models import AuthorisedProxy, Patient
from patients.services import ContactDetails, patient_create
from patients.validators import ALLOWED_JOINERS, REFUSED_CATEGORIES, hidden_characters, name_refusal
from tests.factories import ProxyFactory

# "Nora Berg" with a right-to-left override: pages would show "greB aroN" after it.
BIDI_NAME = "Nora \u202egreB"
LETTER = ContactDetails(address_line="Storgata 1", postal_code="0155", city="Oslo")
NEW_PATIENT = {"name": BIDI_NAME, "date_of_birth": "1975-03-09", "language": "nb", "preferred_channel": "portal"}


@pytest.mark.parametrize(
    ("name", "found"),
    [
        (BIDI_NAME, ["U+202E"]),
        ("Nora\u2066 Berg\u2069", ["U+2066", "U+2069"]),
        ("Nora\x1b[31m Berg", ["U+001B"]),
        ("Nora\tBerg\r\n", ["U+0009", "U+000D", "U+000A"]),
        ("No\u200bra", ["U+200B"]),
        ("Nora\u200f Berg\u200f", ["U+200F"]),
        ("Nora\u2028Berg", ["U+2028"]),
    ],
)
def test_it_names_each_hidden_character_once(name, found):
    assert hidden_characters(name) == found
    assert "U+" in (name_refusal(name) or "")


@pytest.mark.parametrize("name", ["Kari Nordmann", "Zoë O'Brien-Lefèvre", "Иван Петров", "João São", "مهر\u200cناز"])
def test_it_accepts_names_in_any_script_with_their_joiners(name):
    assert name_refusal(name) is None


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cf", "Zl", "Zp", "Cs")), min_size=1))
def test_it_accepts_any_text_without_refused_characters(name):
    assert name_refusal(name) is None


@given(
    st.text(alphabet=st.characters(categories=("L", "Zs")), max_size=10),
    st.characters(categories=("Cc", "Cf", "Zl", "Zp")).filter(lambda c: c not in ALLOWED_JOINERS),
    st.text(alphabet=st.characters(categories=("L", "Zs")), max_size=10),
)
def test_it_refuses_any_name_with_one_refused_character(before, hidden, after):
    assert unicodedata.category(hidden) in REFUSED_CATEGORIES
    assert hidden_characters(before + hidden + after) == [f"U+{ord(hidden):04X}"]


@pytest.mark.django_db
def test_the_service_refuses_a_patient_name_with_a_bidi_override():
    with pytest.raises(ApplicationError) as refused:
        patient_create(name=BIDI_NAME, date_of_birth=date(1975, 3, 9), contact=LETTER)
    assert refused.value.field == "name"
    assert "U+202E" in refused.value.message
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_patient_name_with_a_bidi_override(billing, client_for):
    response = client_for(billing).post("/api/v1/patients/", NEW_PATIENT, content_type="application/json")
    assert response.status_code == 400
    assert "U+202E" in response.json()["name"][0]
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_the_models_refuse_hidden_characters_in_names_for_the_admin(patient):
    patient.name = BIDI_NAME
    with pytest.raises(ValidationError) as refused:
        patient.full_clean()
    assert "name" in refused.value.message_dict
    proxy = ProxyFactory.build(patient=patient, name="Ola\x07 Proxy")
    with pytest.raises(ValidationError) as refused:
        proxy.full_clean()
    assert "name" in refused.value.message_dict


@pytest.mark.django_db
def test_the_portal_refuses_a_proxy_name_with_a_bidi_override(client_for, patient):
    response = client_for(patient.user).post(
        reverse("portal:portal-proxy-grant", kwargs={"patient_id": patient.pk}),
        {"name": "Sara \u202eNordmann", "email": "sara@example.org"},
    )
    assert response.status_code == 200
    assert 'href="#id_name"' in response.content.decode()
    assert not AuthorisedProxy.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_staff_name_with_a_bidi_override(billing):
    data = {"username": billing.username, "first_name": "Bjørn\u202e", "last_name": "Berg"}
    form = StaffUserChangeForm(data, instance=billing)
    assert not form.is_valid()
    assert "U+202E" in form.errors["first_name"][0]
    assert User.objects.get(pk=billing.pk).first_name != "Bjørn\u202e"
