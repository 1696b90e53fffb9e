"""Idle timeout (staff 15 minutes, patients 30), absolute lifetime, and the throttled idle clock."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from session_policy.models import UserSession

pytestmark = pytest.mark.django_db


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")]


# --- Defaults -------------------------------------------------------------------------------------------


def test_it_defaults_to_fifteen_minutes_for_staff_thirty_for_patients_and_twelve_hours_in_all():
    assert settings.STAFF_SESSION_IDLE_SECONDS == 15 * 60
    assert settings.PORTAL_SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    assert settings.SESSION_REFRESH_SECONDS == 60


def test_it_gives_a_staff_session_a_fifteen_minute_expiry_in_the_store(client_for, billing):
    client = client_for(billing)
    assert client.session.get_expiry_age() == 15 * 60


def test_it_gives_a_patient_session_a_thirty_minute_expiry_in_the_store(client_for, patient):
    client = client_for(patient.user)
    assert client.session.get_expiry_age() == 30 * 60


# --- Staff: 15 minutes ----------------------------------------------------------------------------------


def test_it_keeps_a_staff_member_signed_in_within_fifteen_minutes(client_for, billing, clock):
    client = client_for(billing)
    clock.advance(minutes=15)
    assert client.get(reverse("frontdesk:home")).status_code == 200


def test_it_signs_a_staff_member_out_after_fifteen_idle_minutes(client_for, billing, clock):
    client = client_for(billing)
    old_key = session_key(client)
    clock.advance(minutes=15, seconds=1)

    response = client.get(reverse("frontdesk:home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"
    assert not Session.objects.filter(session_key=old_key).exists()
    assert not UserSession.objects.filter(session_key=old_key).exists()
    page = client.get(response["Location"])
    assert "You were signed out after 15 minutes without activity." in page.content.decode()


def test_an_admin_account_without_a_role_gets_the_staff_limit_and_the_staff_sign_in(client_for, clock):
    from tests.factories import UserFactory

    admin = UserFactory(username="ada_admin", is_staff=True)
    client = client_for(admin)
    clock.advance(minutes=15, seconds=1)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_counts_idle_time_from_the_last_request_not_from_sign_in(client_for, billing, clock):
    client = client_for(billing)
    clock.advance(minutes=10)
    assert client.get(reverse("frontdesk:home")).status_code == 200
    clock.advance(minutes=10)  # 20 minutes after signing in, 10 after the last page
    assert client.get(reverse("frontdesk:home")).status_code == 200


def test_it_reads_the_staff_idle_limit_from_settings(client_for, billing, clock, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 5 * 60
    client = client_for(billing)
    clock.advance(minutes=5, seconds=1)
    response = client.get(reverse("frontdesk:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Patients: 30 minutes -------------------------------------------------------------------------------


def test_it_keeps_a_patient_signed_in_past_the_staff_limit(client_for, patient, clock):
    client = client_for(patient.user)
    clock.advance(minutes=29)
    response = client.get(reverse("portal:portal-home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:portal-bills", kwargs={"patient_id": patient.pk})


def test_it_signs_a_patient_out_after_thirty_idle_minutes(client_for, patient, clock):
    client = client_for(patient.user)
    old_key = session_key(client)
    clock.advance(minutes=30, seconds=1)

    response = client.get(reverse("portal:portal-home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:portal-login')}?next=/portal/"
    assert not Session.objects.filter(session_key=old_key).exists()
    page = client.get(response["Location"])
    assert "You were signed out after 30 minutes without activity." in page.content.decode()


def test_it_reads_the_portal_idle_limit_from_settings(client_for, patient, clock, settings):
    settings.PORTAL_SESSION_IDLE_SECONDS = 45 * 60
    client = client_for(patient.user)
    clock.advance(minutes=44)
    assert client.get(reverse("portal:portal-home")).status_code == 302  # to the bills, still signed in
    assert "_auth_user_id" in client.session
    clock.advance(minutes=45, seconds=1)
    client.get(reverse("portal:portal-home"))
    assert "_auth_user_id" not in client.session


# --- Absolute lifetime ----------------------------------------------------------------------------------


def test_it_ends_a_busy_session_at_its_absolute_lifetime(client_for, billing, clock, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 3600
    client = client_for(billing)
    for _ in range(6):
        clock.advance(minutes=10)
        assert client.get(reverse("frontdesk:home")).status_code == 200
    clock.advance(minutes=1, seconds=1)  # never idle, but signed in for more than an hour

    response = client.get(reverse("frontdesk:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"])
    assert "You were signed out because you have been signed in for 1 hour." in page.content.decode()


def test_it_ends_a_session_after_twelve_hours_by_default(client_for, patient, clock):
    client = client_for(patient.user)
    for _ in range(12 * 3):  # a page every 20 minutes for twelve hours
        clock.advance(minutes=20)
        client.get(reverse("portal:portal-home"))
        assert "_auth_user_id" in client.session
    clock.advance(seconds=1)
    client.get(reverse("portal:portal-home"))
    assert "_auth_user_id" not in client.session


# --- The idle clock is written at most once a minute ----------------------------------------------------


def test_a_burst_of_pages_writes_no_session(client_for, billing, clock):
    client = client_for(billing)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("frontdesk:home"))
    clock.advance(seconds=59)
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("frontdesk:home"))
    assert len(second) == len(first)
    assert session_writes(first.captured_queries) == []
    assert session_writes(second.captured_queries) == []


def test_it_moves_the_idle_clock_once_the_stamp_is_a_minute_old(client_for, billing, clock):
    client = client_for(billing)
    clock.advance(seconds=61)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("frontdesk:home"))
    assert session_writes(queries.captured_queries) != []
    assert client.session["_session_last_seen"] == int(clock.at)


def test_it_reads_the_refresh_interval_from_settings(client_for, billing, clock, settings):
    settings.SESSION_REFRESH_SECONDS = 300
    client = client_for(billing)
    clock.advance(seconds=200)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("frontdesk:home"))
    assert session_writes(queries.captured_queries) == []


# --- API, htmx and sessions from before these rules -----------------------------------------------------


def test_it_answers_an_api_request_on_an_ended_session_with_401_json(client_for, manager, patient, clock):
    client = client_for(manager)
    url = reverse("api-patient-detail", kwargs={"patient_id": patient.pk})
    assert client.get(url).status_code == 200
    clock.advance(minutes=16)

    response = client.get(url)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "session_expired"
    assert "_auth_user_id" not in client.session


def test_it_sends_htmx_to_the_sign_in_page_as_a_whole_page(client_for, billing, clock):
    client = client_for(billing)
    clock.advance(minutes=16)
    response = client.get(reverse("frontdesk:home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")


def test_it_starts_the_clocks_of_a_session_signed_in_before_the_rules(client_for, billing, clock):
    client = client_for(billing)
    session = client.session
    for key in ("_session_kind", "_session_login_at", "_session_last_seen"):
        del session[key]
    session.save()
    clock.advance(minutes=1)

    assert client.get(reverse("frontdesk:home")).status_code == 200

    assert client.session["_session_kind"] == "staff"
    assert client.session["_session_last_seen"] == int(clock.at)
