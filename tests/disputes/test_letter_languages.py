"""The resolution letter in the patient's language (issue 15, item 2): the text offered to staff before closing
follows the patient's language with the clinic-language fallback, and the letter's fixed parts are translated.

The catalogs must be compiled first (`manage.py compilemessages`, as the Makefile and CI do).
"""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from disputes import letters, services
from disputes.vocabulary import ProposalKind
from tests.factories import complaint_about, issued_invoice, pdf_text, squeezed

pytestmark = pytest.mark.django_db

EXPLAINED = letters.RESOLUTION_TEXT_DEFAULTS[ProposalKind.EXPLANATION]
# Headings of the letter's fixed parts, as the catalogues translate them.
HEADINGS = ("What you told us", "Your contact person", "What we did", "The result", "Completion date")


@pytest.fixture
def catalogue_with(monkeypatch):
    """Pretend the catalogues of some languages translate the suggested texts (as "[xx] …"), the others not."""

    def install(*languages: str) -> None:
        real = translation.gettext

        def gettext(message: str) -> str:
            language = translation.get_language()
            if message in letters.RESOLUTION_TEXT_DEFAULTS.values():
                return f"[{language}] {message}" if language in languages else message
            return real(message)

        monkeypatch.setattr(letters.translation, "gettext", gettext)

    return install


def explained_complaint(patient, by):
    return complaint_about(issued_invoice(patient), category="coverage_misunderstanding", by=by)


@pytest.mark.parametrize(
    ("translated", "expected"),
    [
        (("ru", "nb"), ("[ru] " + EXPLAINED, "ru", False)),  # the patient's language
        (("nb", "fr"), ("[nb] " + EXPLAINED, "nb", True)),  # else the clinic's (nb in the tests)
        (("fr",), (EXPLAINED, "en", True)),  # else English, the language the text is written in
    ],
)
def test_it_offers_the_letter_text_in_the_patients_language_then_the_clinics(
    patient, front_desk, catalogue_with, translated, expected
):
    patient.language = "ru"
    patient.save()
    complaint = explained_complaint(patient, front_desk)
    catalogue_with(*translated)

    suggestion = letters.resolution_text_default(complaint)

    assert suggestion is not None
    assert (suggestion.value, suggestion.language, suggestion.is_fallback) == expected


def test_it_prefills_the_close_form_with_the_suggestion_for_the_patient(client_for, manager, patient, catalogue_with):
    patient.language = "fr"
    patient.save()
    complaint = explained_complaint(patient, manager)
    catalogue_with("fr")

    page = client_for(manager).get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()

    textarea = page[
        page.index('name="resolution_text"') : page.index("</textarea>", page.index('name="resolution_text"'))
    ]
    assert 'lang="fr"' in textarea
    assert html.escape("[fr] " + EXPLAINED) in textarea
    assert 'id="resolution-suggestion"' in page and "Not in the patient" not in page


def test_it_says_when_the_suggestion_is_not_in_the_patients_language(client_for, manager, patient, catalogue_with):
    patient.language = "pt"
    patient.save()
    complaint = explained_complaint(patient, manager)
    catalogue_with()

    page = client_for(manager).get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()

    assert html.escape(EXPLAINED) in page
    assert "Not in the patient" in page


@pytest.mark.parametrize("language", ["fr", "pt", "nb", "ru"])
def test_it_writes_the_letters_fixed_parts_in_the_patients_language(patient, front_desk, manager, language):
    patient.language = language
    patient.save()
    complaint = explained_complaint(patient, front_desk)
    services.complaint_mark_met(complaint_id=complaint.pk, by=front_desk)
    closed = services.complaint_close(
        complaint_id=complaint.pk,
        outcome="explained",
        prevention_note="The card's limits are on the desk poster.",
        resolution_text="—",
        by=manager,
    )

    text = squeezed(pdf_text(letters.resolution_letter_pdf(closed)))

    for heading in HEADINGS:
        with translation.override(language):
            translated = translation.gettext(heading)
        assert translated != heading, f"{heading!r} has no {language} translation"
        assert squeezed(translated) in text
        assert heading not in text
