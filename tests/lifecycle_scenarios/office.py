"""What the issue-11 scenarios do the same way: a bill made and issued over the API, the office's day of work as a
cron install does it (`run_billing_jobs`, then billing prints the day's letters on the print page), and the
reads an integration makes."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from patient_collections.models import Reminder
from patients.models import Patient
from tests.factories import at

# A Monday; a bill issued today falls due 14 days later, on Monday 16 March 2026.
START = date(2026, 3, 2)
CONSULTATION = {"code": "GP1", "description": "Consultation", "quantity": "1", "unit_price": "500.00"}


def bill(api: APIClient, patient: Patient, *lines: dict[str, str]) -> dict[str, Any]:
    """A bill the patient pays in full (500.00 unless other lines are given), created and issued over the API."""
    body = {
        "patient": patient.pk,
        "service_date": START.isoformat(),
        "lines": [{**line, "coverage": "patient"} for line in (lines or (CONSULTATION,))],
    }
    draft = api.post("/api/v1/invoices/", body, format="json")
    assert draft.status_code == 201, draft.content
    issued = api.post(f"/api/v1/invoices/{draft.json()['id']}/issue/")
    assert issued.status_code == 200, issued.content
    return issued.json()


@dataclass
class Office:
    """The billing office on the pinned clock: `day()` is what a cron install does on a day at `hour`, every
    billing sweep with the notices sent through the patient's channel; then, when letters wait, billing prints the
    day's batch on the print page (signed in afresh: a staff session idles out)."""

    clock: Any
    sign_in: Callable[[], Client]

    def day(self, day: date, *, hour: int = 10) -> None:
        self.clock.move_to(at(day, hour))
        call_command("run_billing_jobs", stdout=io.StringIO())
        if Reminder.objects.filter(status=Reminder.Status.TO_PRINT).exists():
            response = self.sign_in().post(reverse("collections:print-batch-record"))
            assert response.status_code == 302 and "/login/" not in response["Location"], response

    def days(self, first: date, last: date) -> None:
        day = first
        while day <= last:
            self.day(day)
            day += timedelta(days=1)


def reminders(api: APIClient, invoice_id: int) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/reminders/?invoice={invoice_id}")
    assert response.status_code == 200, response.content
    return response.json()


def agency_file(office_manager: Client) -> list[dict[str, str]]:
    """The collection agency's CSV as the office manager downloads it from the cases page, one dict a row."""
    response = office_manager.get(reverse("collections:case-agency-export"))
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def complain(api: APIClient, patient: Patient, invoice_id: int, category: str = "billing_error") -> dict[str, Any]:
    """The patient's objection to the whole bill, logged over the API from a phone call."""
    body = {
        "patient": patient.pk,
        "invoice": invoice_id,
        "lines": [],
        "channel": "phone",
        "category": category,
        "description": "I do not owe this: the consultation was cancelled.",
    }
    response = api.post("/api/v1/complaints/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()
