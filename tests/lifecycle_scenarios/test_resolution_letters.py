"""Issue 11, scenario 9: the letter that closes a complaint. What the patient reads is its own field, previewed on
the staff page before the complaint is closed; the internal prevention note never reaches the patient, not in
the letter, not in the portal and not through the API."""

from datetime import timedelta

import pytest
from django.urls import reverse

from disputes.models import Complaint
from tests.factories import pdf_text, squeezed
from tests.lifecycle_scenarios.office import bill, complain

pytestmark = [pytest.mark.django_db, pytest.mark.clock_sensitive]

FOR_THE_PATIENT = "We checked your visit: the consultation was cancelled in time, so we have taken it off the bill."
INTERNAL = "Reception to log cancellations in the booking system before the day closes."


@pytest.fixture
def complaint(clock, reachable_patient, front_desk, billing, api_as):
    invoice = bill(api_as(billing), reachable_patient)
    filed = complain(api_as(front_desk), reachable_patient, invoice["id"], category="invoice_question")
    clock.shift(timedelta(days=1))
    return Complaint.objects.get(pk=filed["id"])


def close_form(action: str) -> dict[str, str]:
    return {"outcome": "explained", "prevention_note": INTERNAL, "resolution_text": FOR_THE_PATIENT, "action": action}


def test_the_letter_is_previewed_before_the_complaint_is_closed(complaint, billing, client_for):
    staff = client_for(billing)
    detail = staff.get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()
    assert 'value="preview"' in detail and 'value="close"' not in detail  # closing comes after a preview

    preview = staff.post(reverse("disputes:complaint-close", args=[complaint.pk]), close_form("preview"))
    previewed = preview.content.decode()
    letter_part = previewed[
        previewed.index('id="letter-preview"') : previewed.index("</section>", previewed.index('id="letter-preview"'))
    ]

    assert preview.status_code == 200
    assert FOR_THE_PATIENT in letter_part and INTERNAL not in letter_part
    assert 'value="close"' in previewed
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN  # nothing saved by the preview

    closed = staff.post(reverse("disputes:complaint-close", args=[complaint.pk]), close_form("close"))
    assert closed.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution_text, complaint.prevention_note) == (
        Complaint.Status.CLOSED,
        FOR_THE_PATIENT,
        INTERNAL,
    )


def test_the_prevention_note_never_reaches_the_patient(complaint, reachable_patient, billing, api_as, client_for):
    closed = api_as(billing).post(
        f"/api/v1/complaints/{complaint.pk}/close/",
        {"outcome": "explained", "prevention_note": INTERNAL, "resolution_text": FOR_THE_PATIENT},
        format="json",
    )
    assert closed.status_code == 200, closed.content
    assert (closed.json()["resolution_text"], closed.json()["prevention_note"]) == (FOR_THE_PATIENT, INTERNAL)
    portal = client_for(reachable_patient.user)
    kwargs = {"patient_id": reachable_patient.pk, "complaint_id": complaint.pk}

    staff_letter = squeezed(
        pdf_text(client_for(billing).get(reverse("disputes:complaint-letter", args=[complaint.pk])).content)
    )
    portal_letter = squeezed(pdf_text(portal.get(reverse("portal:portal-complaint-letter", kwargs=kwargs)).content))
    portal_pages = [
        portal.get(reverse("portal:portal-complaint", kwargs=kwargs)).content.decode(),
        portal.get(reverse("portal:portal-complaints", kwargs={"patient_id": reachable_patient.pk})).content.decode(),
    ]
    patient_api = api_as(reachable_patient.user).get(f"/api/v1/complaints/{complaint.pk}/")

    for letter in (staff_letter, portal_letter):
        assert squeezed(FOR_THE_PATIENT) in letter and squeezed(INTERNAL) not in letter
    for page in portal_pages:
        assert INTERNAL not in page
    assert patient_api.status_code == 403 and INTERNAL not in patient_api.content.decode()
