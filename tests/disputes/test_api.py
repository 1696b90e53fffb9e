"""Complaints, approvals and follow-up calls through the REST API (v1)."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client

from disputes import services
from disputes.models import AdjustmentRequest, Complaint
from invoices.models import LedgerEntry
from patient_collections.models import FollowUpCall
from tests.factories import (
    COMPLAINT_WORDS,
    OWED_BY_PATIENT,
    ProxyFactory,
    UserFactory,
    complaint_about,
    issued_invoice,
    write_off_pending,
)

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def complaint_body(patient, invoice, /, **overrides) -> dict:
    return {
        "patient": patient.pk,
        "invoice": invoice.pk,
        "lines": [],
        "channel": "desk",
        "category": "care_quality",
        "description": COMPLAINT_WORDS,
        **overrides,
    }


def posted_adjustments() -> int:
    return LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.CHARGE).count()


def test_it_runs_the_whole_path_from_complaint_to_follow_up_call(patient, front_desk, billing, manager, client_for):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)

    filed = post(client_for(front_desk), "/api/v1/complaints/", complaint_body(patient, invoice))
    assert filed.status_code == 201
    complaint = filed.json()
    assert (complaint["status"], complaint["route_to"], complaint["disputed_amount"]) == ("open", "provider", "700.00")
    assert complaint["lines"] == []
    decision = complaint["decision"]
    assert decision["route_to"] == "provider"
    assert decision["proposal"] == {"kind": "write_off", "amount": "700.00"}
    assert decision["approval_role"] == "office_manager"
    assert decision["meeting_due_at"] == complaint["meeting_due_at"]
    assert decision["policy_version"] == 1
    assert decision["rule"] and decision["script"]
    complaint_url = f"/api/v1/complaints/{complaint['id']}/"

    assert post(client_for(front_desk), complaint_url + "met/").json()["status"] == "met"
    accepted = post(client_for(billing), complaint_url + "accept-proposal/")
    assert accepted.status_code == 201
    adjustment = accepted.json()
    assert (adjustment["kind"], adjustment["amount"], adjustment["status"]) == ("write_off", "700.00", "pending")
    assert (adjustment["required_role"], adjustment["requested_by"]) == ("office_manager", billing.username)
    assert (adjustment["invoice_number"], adjustment["patient"]) == (invoice.number, patient.pk)

    manager_client = client_for(manager)
    assert manager_client.get(f"/api/v1/invoices/{invoice.pk}/").json()["balance"] == "700.00"
    queue = manager_client.get("/api/v1/adjustments/?status=pending").json()
    assert [item["id"] for item in queue["results"]] == [adjustment["id"]]
    approved = post(manager_client, f"/api/v1/adjustments/{adjustment['id']}/approve/", {"note": "agreed"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", manager.username)
    entry = LedgerEntry.objects.get(pk=approved.json()["ledger_entry"])
    assert (entry.kind, entry.amount) == (LedgerEntry.Kind.WRITE_OFF, Decimal("-700.00"))
    assert manager_client.get(f"/api/v1/invoices/{invoice.pk}/").json()["balance"] == "0.00"

    closed = post(manager_client, complaint_url + "close/", {"outcome": "adjusted", "prevention_note": "Briefed"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    [call] = closed.json()["follow_up_calls"]
    assert call["due_at"] > closed.json()["closed_at"]

    front_desk_client = client_for(front_desk)
    worklist = front_desk_client.get(f"/api/v1/follow-up-calls/?patient={patient.pk}").json()
    assert [(c["id"], c["complaint"], c["reason"]) for c in worklist["results"]] == [
        (call["id"], complaint["id"], "complaint_follow_up")
    ]
    recorded = post(front_desk_client, f"/api/v1/follow-up-calls/{call['id']}/outcome/", {"outcome": "satisfied"})
    assert recorded.status_code == 200
    assert (recorded.json()["outcome"], recorded.json()["completed_by"]) == ("satisfied", front_desk.username)
    assert front_desk_client.get(f"/api/v1/follow-up-calls/?patient={patient.pk}").json()["results"] == []
    everything = front_desk_client.get(f"/api/v1/follow-up-calls/?patient={patient.pk}&include_completed=1")
    assert [c["outcome"] for c in everything.json()["results"]] == ["satisfied"]
    detail = manager_client.get(complaint_url).json()
    assert [a["status"] for a in detail["adjustments"]] == ["approved"]
    assert detail["follow_up_calls"][0]["outcome"] == "satisfied"


def test_it_disputes_only_the_chosen_lines(patient, front_desk, client_for):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)
    material = invoice.lines.get(code="MAT")

    response = post(
        client_for(front_desk),
        "/api/v1/complaints/",
        complaint_body(patient, invoice, category="billing_error", lines=[material.pk]),
    )

    assert response.status_code == 201
    assert response.json()["lines"] == [material.pk]
    assert response.json()["disputed_amount"] == "60.00"
    assert response.json()["decision"]["proposal"] == {"kind": "small_claim_credit", "amount": "60.00"}


def test_it_shows_no_approver_for_a_proposal_that_moves_no_money(patient, front_desk, client_for):
    invoice = issued_invoice(patient)

    body = post(
        client_for(front_desk),
        "/api/v1/complaints/",
        complaint_body(patient, invoice, category="coverage_misunderstanding"),
    ).json()

    assert body["decision"]["proposal"] == {"kind": "explanation", "amount": "0.00"}
    assert body["decision"]["approval_role"] is None


def test_it_refuses_approval_by_the_requester(patient, manager, provider, client_for):
    adjustment = write_off_pending(patient, requested_by=manager)

    response = post(client_for(manager), f"/api/v1/adjustments/{adjustment.pk}/approve/")

    assert response.status_code == 403
    assert "own request" in response.json()["detail"]
    assert posted_adjustments() == 0


def test_it_refuses_approval_by_a_role_below_the_required_one(patient, front_desk, billing, manager, client_for):
    adjustment = write_off_pending(patient, requested_by=front_desk)

    response = post(client_for(billing), f"/api/v1/adjustments/{adjustment.pk}/approve/")

    assert response.status_code == 403
    assert "office manager" in response.json()["detail"]
    assert posted_adjustments() == 0


def test_it_refuses_approval_by_a_role_without_the_permission(patient, billing, front_desk, manager, client_for):
    adjustment = write_off_pending(patient, requested_by=billing)

    response = post(client_for(front_desk), f"/api/v1/adjustments/{adjustment.pk}/approve/")

    assert response.status_code == 403
    assert posted_adjustments() == 0


def test_it_refuses_a_second_approval(patient, billing, manager, client_for):
    adjustment = write_off_pending(patient, requested_by=billing)
    client = client_for(manager)
    assert post(client, f"/api/v1/adjustments/{adjustment.pk}/approve/").status_code == 200

    response = post(client, f"/api/v1/adjustments/{adjustment.pk}/approve/")

    assert response.status_code == 409
    assert posted_adjustments() == 1


def test_it_lets_billing_approve_a_small_credit_a_colleague_requested(patient, front_desk, billing, client_for):
    invoice = issued_invoice(patient, lines=[("MAT", "Dressing", "1", "80.00", "patient")])
    complaint = complaint_about(invoice, by=front_desk, category="billing_error")
    adjustment = services.complaint_accept_proposal(complaint_id=complaint.pk, by=front_desk)

    response = post(client_for(billing), f"/api/v1/adjustments/{adjustment.pk}/approve/")

    assert response.status_code == 200
    assert invoice.entries.filter(kind=LedgerEntry.Kind.SMALL_CLAIM_CREDIT, amount=Decimal("-80.00")).exists()


@pytest.mark.parametrize("body", [{}, {"note": "   "}])
def test_it_refuses_a_rejection_without_a_note(patient, billing, manager, client_for, body):
    adjustment = write_off_pending(patient, requested_by=billing)

    response = post(client_for(manager), f"/api/v1/adjustments/{adjustment.pk}/reject/", body)

    assert response.status_code == 400
    assert "note" in response.json()
    assert AdjustmentRequest.objects.get(pk=adjustment.pk).status == AdjustmentRequest.Status.PENDING


def test_it_rejects_with_a_note_and_posts_nothing(patient, billing, manager, client_for):
    adjustment = write_off_pending(patient, requested_by=billing)

    response = post(client_for(manager), f"/api/v1/adjustments/{adjustment.pk}/reject/", {"note": "Care was fine"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_note"]) == ("rejected", "Care was fine")
    assert response.json()["ledger_entry"] is None
    assert posted_adjustments() == 0


def test_it_refuses_a_complaint_about_another_patients_invoice(patient, other_patient, front_desk, client_for):
    invoice = issued_invoice(other_patient)

    response = post(client_for(front_desk), "/api/v1/complaints/", complaint_body(patient, invoice))

    assert response.status_code == 404
    assert "invoice" in response.json()
    assert other_patient.name not in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "rudeness"),
        ("channel", "fax"),
        ("description", ""),
        ("description", "   "),
        ("invoice", "abc"),
        ("invoice", 0),
        ("patient", "abc"),
        ("patient", 999999),
        ("lines", "all"),
        ("lines", ["abc"]),
        ("lines", [2**70]),
        ("proxy", "abc"),
    ],
)
def test_it_names_the_field_of_bad_input(patient, front_desk, client_for, field, value):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)

    response = post(client_for(front_desk), "/api/v1/complaints/", complaint_body(patient, invoice, **{field: value}))

    assert response.status_code == 400
    assert field in response.json()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("missing", ["patient", "invoice", "channel", "category", "description"])
def test_it_names_a_missing_field(patient, front_desk, client_for, missing):
    body = complaint_body(patient, issued_invoice(patient))
    del body[missing]

    response = post(client_for(front_desk), "/api/v1/complaints/", body)

    assert response.status_code == 400
    assert missing in response.json()


def test_it_refuses_lines_of_another_invoice(patient, front_desk, client_for):
    invoice, other = issued_invoice(patient), issued_invoice(patient)

    response = post(
        client_for(front_desk),
        "/api/v1/complaints/",
        complaint_body(patient, invoice, lines=[other.lines.first().pk]),
    )

    assert response.status_code == 400
    assert "lines" in response.json()


def test_it_returns_404_naming_an_unknown_invoice(patient, front_desk, client_for):
    body = complaint_body(patient, issued_invoice(patient), invoice=2**62)

    response = post(client_for(front_desk), "/api/v1/complaints/", body)

    assert response.status_code == 404
    assert "invoice" in response.json()


def test_it_tells_an_unauthorised_proxy_how_to_get_authorisation_and_nothing_else(
    patient, other_patient, front_desk, client_for
):
    invoice = issued_invoice(patient, lines=OWED_BY_PATIENT)
    someone_elses = ProxyFactory(patient=other_patient)

    response = post(
        client_for(front_desk), "/api/v1/complaints/", complaint_body(patient, invoice, proxy=someone_elses.pk)
    )

    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"detail", "code", "proxy"}
    assert "authorisation" in body["detail"]
    assert patient.name not in response.content.decode()
    assert not Complaint.objects.exists()
    assert posted_adjustments() == 0


def test_it_records_who_spoke_for_the_patient(patient, proxy, front_desk, client_for):
    invoice = issued_invoice(patient)

    response = post(client_for(front_desk), "/api/v1/complaints/", complaint_body(patient, invoice, proxy=proxy.pk))

    assert response.status_code == 201
    assert response.json()["proxy"] == proxy.pk


def test_it_refuses_to_accept_a_proposal_that_moves_no_money(patient, front_desk, billing, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="coverage_misunderstanding")

    response = post(client_for(billing), f"/api/v1/complaints/{complaint.pk}/accept-proposal/")

    assert response.status_code == 409
    assert not AdjustmentRequest.objects.exists()


def test_it_refuses_to_accept_a_proposal_twice(patient, front_desk, billing, manager, client_for):
    complaint = complaint_about(issued_invoice(patient, lines=OWED_BY_PATIENT), by=front_desk)
    client = client_for(billing)
    assert post(client, f"/api/v1/complaints/{complaint.pk}/accept-proposal/").status_code == 201

    assert post(client, f"/api/v1/complaints/{complaint.pk}/accept-proposal/").status_code == 409
    assert AdjustmentRequest.objects.count() == 1


def test_it_refuses_to_close_while_an_adjustment_waits(patient, billing, manager, client_for):
    adjustment = write_off_pending(patient, requested_by=billing)

    response = post(
        client_for(manager),
        f"/api/v1/complaints/{adjustment.complaint_id}/close/",
        {"outcome": "adjusted", "prevention_note": "Briefed"},
    )

    assert response.status_code == 409
    assert not FollowUpCall.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "explained", "prevention_note": ""}, "prevention_note"),
        ({"outcome": "explained"}, "prevention_note"),
        ({"outcome": "happy", "prevention_note": "Clearer text"}, "outcome"),
    ],
)
def test_it_names_the_field_missing_to_close(patient, front_desk, manager, client_for, body, field):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="invoice_question")

    response = post(client_for(manager), f"/api/v1/complaints/{complaint.pk}/close/", body)

    assert response.status_code == 400
    assert field in response.json()
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.OPEN


def test_it_refuses_closing_to_front_desk(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="invoice_question")

    response = post(
        client_for(front_desk),
        f"/api/v1/complaints/{complaint.pk}/close/",
        {"outcome": "explained", "prevention_note": "Clearer text"},
    )

    assert response.status_code == 403


def test_it_refuses_meeting_twice(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="invoice_question")
    client = client_for(front_desk)
    assert post(client, f"/api/v1/complaints/{complaint.pk}/met/").status_code == 200

    assert post(client, f"/api/v1/complaints/{complaint.pk}/met/").status_code == 409


def test_it_refuses_a_second_call_outcome(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="invoice_question")
    services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer", by=None)
    call = FollowUpCall.objects.get()
    client = client_for(front_desk)
    assert post(client, f"/api/v1/follow-up-calls/{call.pk}/outcome/", {"outcome": "done"}).status_code == 200

    response = post(client, f"/api/v1/follow-up-calls/{call.pk}/outcome/", {"outcome": "satisfied"})

    assert response.status_code == 409


def test_it_names_an_unknown_call_outcome(patient, front_desk, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk, category="invoice_question")
    services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer", by=None)
    call = FollowUpCall.objects.get()

    response = post(client_for(front_desk), f"/api/v1/follow-up-calls/{call.pk}/outcome/", {"outcome": "angry"})

    assert response.status_code == 400
    assert "outcome" in response.json()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/adjustments/?status=maybe", "status"),
        ("/api/v1/follow-up-calls/?patient=abc", "patient"),
        ("/api/v1/follow-up-calls/?include_completed=perhaps", "include_completed"),
    ],
)
def test_it_names_a_bad_filter(manager, client_for, url, field):
    response = client_for(manager).get(url)

    assert response.status_code == 400
    assert field in response.json()


def test_it_filters_the_queue_by_status(patient, billing, manager, client_for):
    approved = write_off_pending(patient, requested_by=billing)
    services.adjustment_approve(adjustment_id=approved.pk, by=manager)
    pending = write_off_pending(patient, requested_by=billing)
    client = client_for(manager)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"/api/v1/adjustments/{query}").json()["results"]]

    assert ids("?status=pending") == [pending.pk]
    assert ids("?status=approved") == [approved.pk]
    assert ids("?status=rejected") == []
    assert ids("") == [approved.pk, pending.pk]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/complaints/999999/", None),
        ("get", f"/api/v1/complaints/{2**70}/", None),
        ("post", "/api/v1/complaints/999999/met/", {}),
        ("post", "/api/v1/complaints/999999/accept-proposal/", {}),
        ("post", "/api/v1/complaints/999999/close/", {"outcome": "explained", "prevention_note": "x"}),
        ("post", "/api/v1/adjustments/999999/approve/", {}),
        ("post", "/api/v1/adjustments/999999/reject/", {"note": "x"}),
        ("post", "/api/v1/follow-up-calls/999999/outcome/", {"outcome": "done"}),
    ],
)
def test_it_returns_404_for_an_unknown_record(manager, client_for, method, url, body):
    client = client_for(manager)

    response = client.get(url) if method == "get" else post(client, url, body)

    assert response.status_code == 404
    assert "detail" in response.json()


def _every_endpoint(complaint: Complaint, adjustment: AdjustmentRequest, call: FollowUpCall) -> list[tuple[str, str]]:
    return [
        ("post", "/api/v1/complaints/"),
        ("get", f"/api/v1/complaints/{complaint.pk}/"),
        ("post", f"/api/v1/complaints/{complaint.pk}/met/"),
        ("post", f"/api/v1/complaints/{complaint.pk}/accept-proposal/"),
        ("post", f"/api/v1/complaints/{complaint.pk}/close/"),
        ("get", "/api/v1/adjustments/"),
        ("get", "/api/v1/adjustments/?status=pending"),
        ("post", f"/api/v1/adjustments/{adjustment.pk}/approve/"),
        ("post", f"/api/v1/adjustments/{adjustment.pk}/reject/"),
        ("get", f"/api/v1/follow-up-calls/?patient={complaint.patient_id}"),
        ("post", f"/api/v1/follow-up-calls/{call.pk}/outcome/"),
    ]


@pytest.fixture
def records(patient, billing, manager):
    """One complaint with a pending adjustment, and a closed one with its follow-up call."""
    adjustment = write_off_pending(patient, requested_by=billing)
    closed = complaint_about(issued_invoice(patient), by=billing, category="invoice_question")
    services.complaint_close(complaint_id=closed.pk, outcome="explained", prevention_note="Clearer", by=None)
    return adjustment.complaint, adjustment, FollowUpCall.objects.get()


def _assert_refused_everywhere(client: Client, records, statuses: tuple[int, ...]) -> None:
    complaint, adjustment, call = records
    body = {
        **complaint_body(complaint.patient, complaint.invoice),
        "outcome": "satisfied",
        "prevention_note": "x",
        "note": "x",
    }
    for method, url in _every_endpoint(complaint, adjustment, call):
        response = client.get(url) if method == "get" else post(client, url, body)
        assert response.status_code in statuses, (method, url, response.status_code)
        assert complaint.patient.name not in response.content.decode()
    assert Complaint.objects.count() == 2
    assert AdjustmentRequest.objects.get().status == AdjustmentRequest.Status.PENDING
    assert FollowUpCall.objects.get().completed_at is None
    assert posted_adjustments() == 0


def test_it_refuses_every_endpoint_to_a_patient_user(patient, records, client_for):
    _assert_refused_everywhere(client_for(patient.user), records, (403, 404))


def test_it_refuses_every_endpoint_to_a_proxy_user(proxy, records, client_for):
    _assert_refused_everywhere(client_for(proxy.user), records, (403, 404))


def test_it_refuses_every_endpoint_to_anonymous_requests(records):
    _assert_refused_everywhere(Client(), records, (401, 403))


def test_it_refuses_a_user_without_a_staff_role_even_with_the_permissions(records, client_for):
    user = UserFactory(username="no_role")
    user.user_permissions.add(*Permission.objects.all())
    _assert_refused_everywhere(client_for(user), records, (403,))


def test_it_logs_each_read_of_a_complaint(patient, front_desk, provider, client_for):
    complaint = complaint_about(issued_invoice(patient), by=front_desk)

    client_for(provider).get(f"/api/v1/complaints/{complaint.pk}/")

    entry = LogEntry.objects.get_for_object(complaint).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == provider


def _complaint_with(patient, count: int, *, manager) -> Complaint:
    """A closed complaint with `count` disputed lines, adjustment requests, status changes and follow-up calls."""
    lines = [(f"L{n}", f"Service {n}", "1", "100.00", "patient") for n in range(count)]
    invoice = issued_invoice(patient, lines=lines)
    complaint = complaint_about(
        invoice, by=None, category="billing_error", lines=invoice.lines.values_list("pk", flat=True)
    )
    for _ in range(count):
        adjustment = services.complaint_accept_proposal(complaint_id=complaint.pk, by=None)
        services.adjustment_reject(adjustment_id=adjustment.pk, by=manager, note="Not this time")
    closed = services.complaint_close(
        complaint_id=complaint.pk, outcome="explained", prevention_note="Clearer", by=None
    )
    for n in range(1, count):
        FollowUpCall.objects.create(
            patient=patient,
            complaint=complaint,
            reason=FollowUpCall.Reason.COMPLAINT_FOLLOW_UP,
            role="billing",
            due_at=closed.closed_at,
            idempotency_key=f"test-{complaint.pk}-{n}",
        )
    return complaint


def test_it_reads_a_complaint_in_a_fixed_number_of_queries(patient, manager, client_for, django_assert_num_queries):
    small, large = _complaint_with(patient, 1, manager=manager), _complaint_with(patient, 10, manager=manager)
    assert (large.lines.count(), large.adjustments.count(), large.follow_up_calls.count()) == (10, 10, 10)
    client = client_for(manager)

    for complaint in (small, large):
        # 1. session  2. user  3. the user's staff roles with their own and their groups'
        # permissions  4. complaint with patient, invoice, decision, proxy and users  5. its lines
        # 6. its adjustment requests  7. its status changes  8. its follow-up calls  9. the audit log entry
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        with django_assert_num_queries(10):
            response = client.get(f"/api/v1/complaints/{complaint.pk}/")
        assert response.status_code == 200
        assert len(response.json()["adjustments"]) == complaint.adjustments.count()


def test_it_lists_the_approval_queue_in_a_fixed_number_of_queries(
    patient, billing, manager, client_for, django_assert_num_queries
):
    client = client_for(manager)
    for count in (1, 10):
        while AdjustmentRequest.objects.filter(status=AdjustmentRequest.Status.PENDING).count() < count:
            write_off_pending(patient, requested_by=billing)
        # 1. session  2. user  3. the user's staff roles with their own and their groups'
        # permissions  4. count of the pending requests  5. the page, with complaint, invoice and requester
        # 6. the active policy's approval settings  7. the active staff by role (each row's can_approve)
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(9):
            response = client.get("/api/v1/adjustments/?status=pending")
        assert len(response.json()["results"]) == count


def test_it_lists_follow_up_calls_in_a_fixed_number_of_queries(
    patient, manager, front_desk, client_for, django_assert_num_queries
):
    client = client_for(front_desk)
    for count in (1, 10):
        while FollowUpCall.objects.count() < count:
            complaint = complaint_about(issued_invoice(patient), by=None, category="invoice_question")
            services.complaint_close(complaint_id=complaint.pk, outcome="explained", prevention_note="x", by=manager)
        # 1. session  2. user  3. the user's staff roles with their own and their groups'
        # permissions  4. count of the open calls  5. the page, with patients
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(7):
            response = client.get(f"/api/v1/follow-up-calls/?patient={patient.pk}")
        assert len(response.json()["results"]) == count


def test_it_refuses_an_empty_status_filter_of_the_approval_queue(billing, client_for):
    response = client_for(billing).get("/api/v1/adjustments/?status=")

    assert response.status_code == 400
    assert "status" in response.json()
