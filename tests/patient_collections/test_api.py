"""Payment plans, deferrals, reminders and collection cases through the REST API (v1)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from disputes.services import complaint_file
from invoices import services as invoice_services
from invoices.models import Invoice, LedgerEntry
from patient_collections import services
from patient_collections.models import CollectionCase, ConciliationNotice, Deferral, PaymentPlan, Reminder
from tests.factories import CONSULTATION, at, draft_invoice, issue, run_day

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def next_year(month: int) -> date:
    return date(timezone.localdate().year + 1, month, 15)


@pytest.fixture
def invoice(letter_patient) -> Invoice:
    return issue(letter_patient)


def plan_body(invoice: Invoice, **overrides) -> dict:
    return {"invoice": invoice.pk, **overrides}


def amounts(plan: dict) -> list[str]:
    return [instalment["amount"] for instalment in plan["instalments"]]


def test_it_spreads_what_is_owed_over_a_count_of_instalments(invoice, billing, client_for):
    response = post(
        client_for(billing), "/api/v1/payment-plans/", plan_body(invoice, instalments=3, first_due=next_year(1))
    )

    assert response.status_code == 201
    plan = response.json()
    assert (plan["invoice"], plan["status"], plan["total"], plan["created_by"]) == (
        invoice.pk,
        "active",
        "500.00",
        billing.username,
    )
    assert plan["instalments"] == [
        {"number": 1, "due_date": next_year(1).isoformat(), "amount": "166.66", "status": "due"},
        {"number": 2, "due_date": next_year(2).isoformat(), "amount": "166.66", "status": "due"},
        {"number": 3, "due_date": next_year(3).isoformat(), "amount": "166.68", "status": "due"},
    ]
    assert sum(Decimal(amount) for amount in amounts(plan)) == invoice.patient_due
    assert PaymentPlan.objects.get().pk == plan["id"]


def test_it_plans_by_monthly_amount_with_the_remainder_last(invoice, front_desk, client_for):
    response = post(client_for(front_desk), "/api/v1/payment-plans/", plan_body(invoice, monthly_amount="150.00"))

    assert response.status_code == 201
    assert amounts(response.json()) == ["150.00", "150.00", "150.00", "50.00"]


def test_it_allows_a_plan_of_exactly_36_months(invoice, billing, client_for):
    response = post(client_for(billing), "/api/v1/payment-plans/", plan_body(invoice, monthly_amount="14.00"))

    assert response.status_code == 201
    assert amounts(response.json()) == ["14.00"] * 35 + ["10.00"]


def test_it_starts_a_plan_a_month_from_today_by_default(invoice, billing, client_for):
    plan = post(client_for(billing), "/api/v1/payment-plans/", plan_body(invoice, instalments=2)).json()

    first_due = date.fromisoformat(plan["instalments"][0]["due_date"])
    assert timezone.localdate() + timedelta(days=27) < first_due <= timezone.localdate() + timedelta(days=31)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"instalments": 3, "monthly_amount": "100.00"}, "instalments"),
        ({}, "instalments"),
        ({"instalments": 1}, "instalments"),
        ({"instalments": 37}, "instalments"),
        ({"instalments": "three"}, "instalments"),
        ({"monthly_amount": "100.005"}, "monthly_amount"),
        ({"monthly_amount": "0.00"}, "monthly_amount"),
        ({"monthly_amount": "-50.00"}, "monthly_amount"),
        ({"monthly_amount": "lots"}, "monthly_amount"),
        ({"monthly_amount": "NaN"}, "monthly_amount"),
        ({"monthly_amount": "99999999999999999999999999.995"}, "monthly_amount"),
        ({"instalments": 10**30}, "instalments"),
        # 500.00 at 13.00 a month takes 39 months; the service names the instalments it would need.
        ({"monthly_amount": "13.00"}, "instalments"),
        ({"instalments": 3, "first_due": "yesterday"}, "first_due"),
    ],
)
def test_it_names_the_field_of_a_bad_plan_and_creates_nothing(invoice, billing, client_for, fields, named):
    response = post(client_for(billing), "/api/v1/payment-plans/", plan_body(invoice, **fields))

    assert response.status_code == 400
    assert named in response.json()
    assert not PaymentPlan.objects.exists()


def test_it_refuses_a_plan_that_starts_in_the_past(invoice, billing, client_for):
    yesterday = timezone.localdate() - timedelta(days=1)

    response = post(
        client_for(billing), "/api/v1/payment-plans/", plan_body(invoice, instalments=3, first_due=yesterday)
    )

    assert response.status_code == 400
    assert "first_due" in response.json()
    assert not PaymentPlan.objects.exists()


def test_it_refuses_a_plan_when_nothing_is_owed(invoice, billing, client_for):
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=None)

    response = post(client_for(billing), "/api/v1/payment-plans/", plan_body(invoice, instalments=3))

    assert response.status_code == 400
    assert "invoice" in response.json()
    assert not PaymentPlan.objects.exists()


def test_it_refuses_a_second_plan_for_an_invoice(invoice, billing, client_for):
    services.payment_plan_create(invoice_id=invoice.pk, instalments=2, by=None)

    response = post(client_for(billing), "/api/v1/payment-plans/", plan_body(invoice, instalments=3))

    assert response.status_code == 409
    assert "invoice" in response.json()
    assert PaymentPlan.objects.count() == 1


def test_it_refuses_a_plan_for_a_draft(letter_patient, billing, client_for):
    draft = draft_invoice(letter_patient, lines=CONSULTATION)

    response = post(client_for(billing), "/api/v1/payment-plans/", plan_body(draft, instalments=3))

    assert response.status_code == 409
    assert "invoice" in response.json()
    assert not PaymentPlan.objects.exists()


@pytest.mark.parametrize(("invoice_id", "status_code"), [(999999, 404), (2**70, 400), ("abc", 400), (None, 400)])
def test_it_names_an_unknown_or_missing_invoice_of_a_plan(db, billing, client_for, invoice_id, status_code):
    body = {"instalments": 3} if invoice_id is None else {"invoice": invoice_id, "instalments": 3}

    response = post(client_for(billing), "/api/v1/payment-plans/", body)

    assert response.status_code == status_code
    assert "invoice" in response.json()


def test_it_lists_the_plans_of_an_invoice_with_their_instalments(letter_patient, invoice, billing, client_for):
    services.payment_plan_create(invoice_id=invoice.pk, instalments=2, first_due=next_year(1), by=billing)
    services.payment_plan_create(invoice_id=issue(letter_patient).pk, instalments=4, by=billing)

    response = client_for(billing).get(f"/api/v1/payment-plans/?invoice={invoice.pk}")

    assert response.status_code == 200
    [plan] = response.json()
    assert (plan["invoice"], plan["total"], plan["created_by"]) == (invoice.pk, "500.00", billing.username)
    assert [(i["number"], i["due_date"], i["amount"]) for i in plan["instalments"]] == [
        (1, next_year(1).isoformat(), "250.00"),
        (2, next_year(2).isoformat(), "250.00"),
    ]


@pytest.mark.parametrize("url", ["/api/v1/payment-plans/", "/api/v1/reminders/"])
@pytest.mark.parametrize(("query", "status_code"), [("", 400), ("?invoice=abc", 400), ("?invoice=999999", 404)])
def test_it_requires_a_known_invoice_to_list(db, billing, client_for, url, query, status_code):
    response = client_for(billing).get(url + query)

    assert response.status_code == status_code
    assert "invoice" in response.json()


def test_it_lists_plans_in_a_fixed_number_of_queries(invoice, billing, client_for, django_assert_num_queries):
    client = client_for(billing)
    for count in (1, 10):
        while PaymentPlan.objects.filter(invoice=invoice).count() < count:
            PaymentPlan.objects.filter(invoice=invoice).update(status=PaymentPlan.Status.CANCELLED)
            services.payment_plan_create(invoice_id=invoice.pk, instalments=12, by=billing)
        # 1. session  2. user  3. the user's staff roles with their own and their groups'
        # permissions  4. the invoice exists  5. its plans with their creators  6. the plans' instalments
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(8):
            response = client.get(f"/api/v1/payment-plans/?invoice={invoice.pk}")
        assert len(response.json()) == count
        assert {len(plan["instalments"]) for plan in response.json()} == {12}


def test_it_defers_an_invoice(invoice, front_desk, client_for):
    until = timezone.localdate() + timedelta(days=30)

    response = post(
        client_for(front_desk), f"/api/v1/invoices/{invoice.pk}/defer/", {"until": until, "reason": "  salary  "}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["invoice"], body["until"], body["reason"], body["created_by"]) == (
        invoice.pk,
        until.isoformat(),
        "salary",
        front_desk.username,
    )
    assert Deferral.objects.get().pk == body["id"]


def test_it_defers_for_up_to_180_days_without_a_reason(invoice, billing, client_for):
    until = timezone.localdate() + timedelta(days=180)

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/defer/", {"until": until})

    assert response.status_code == 201
    assert (response.json()["until"], response.json()["reason"]) == (until.isoformat(), "")


@pytest.mark.parametrize("days", [-1, 0, 181])
def test_it_refuses_a_deferral_to_the_past_today_or_too_far_ahead(invoice, billing, client_for, days):
    until = timezone.localdate() + timedelta(days=days)

    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/defer/", {"until": until})

    assert response.status_code == 400
    assert "until" in response.json()
    assert not Deferral.objects.exists()


@pytest.mark.parametrize("body", [{}, {"until": "soon"}, {"until": "2027-02-30"}])
def test_it_names_a_missing_or_malformed_deferral_date(invoice, billing, client_for, body):
    response = post(client_for(billing), f"/api/v1/invoices/{invoice.pk}/defer/", body)

    assert response.status_code == 400
    assert "until" in response.json()


def test_it_refuses_to_defer_a_draft(letter_patient, billing, client_for):
    draft = draft_invoice(letter_patient, lines=CONSULTATION)

    response = post(client_for(billing), f"/api/v1/invoices/{draft.pk}/defer/", {"until": next_year(1).isoformat()})

    assert response.status_code == 409
    assert not Deferral.objects.exists()


def test_it_lists_the_reminders_of_an_invoice(letter_patient, invoice, billing, client_for):
    other = issue(letter_patient)
    run_day(invoice.due_date + timedelta(days=1))
    invoice_services.payment_record(invoice_id=other.pk, amount="500.00", payer="patient", method="card", by=None)
    queued = services.reminders_sweep(today=invoice.due_date + timedelta(days=16), enqueue=False).reminder_ids
    for reminder_id in queued:
        services.reminder_send(reminder_id=reminder_id, now=at(invoice.due_date + timedelta(days=16)))
    assert Reminder.objects.filter(invoice=other).count() == 1

    response = client_for(billing).get(f"/api/v1/reminders/?invoice={invoice.pk}")

    assert response.status_code == 200
    first, second = response.json()
    assert {key: first[key] for key in ("invoice", "step", "notice_type", "channel", "status", "fee")} == {
        "invoice": invoice.pk,
        "step": 1,
        "notice_type": "reminder",
        "channel": "email",
        "status": "sent",
        "fee": "0.00",
    }
    assert first["sent_at"].startswith((invoice.due_date + timedelta(days=1)).isoformat())
    assert first["deadline"] == (invoice.due_date + timedelta(days=15)).isoformat()
    assert (second["step"], second["fee"], second["skip_reason"]) == (2, "35.00", "")


def test_it_lists_a_skipped_reminder_with_the_reason(invoice, billing, client_for):
    day = invoice.due_date + timedelta(days=1)
    [reminder_id] = services.reminders_sweep(today=day, enqueue=False).reminder_ids
    invoice_services.payment_record(invoice_id=invoice.pk, amount="500.00", payer="patient", method="card", by=None)
    services.reminder_send(reminder_id=reminder_id, now=at(day))

    [reminder] = client_for(billing).get(f"/api/v1/reminders/?invoice={invoice.pk}").json()

    assert (reminder["status"], reminder["skip_reason"], reminder["channel"], reminder["sent_at"]) == (
        "skipped",
        "paid before the notice went out",
        "",
        None,
    )


def test_it_lists_reminders_in_a_fixed_number_of_queries(invoice, front_desk, client_for, django_assert_num_queries):
    client = client_for(front_desk)
    for count in (1, 10):
        while Reminder.objects.filter(invoice=invoice).count() < count:
            step = Reminder.objects.filter(invoice=invoice).count() + 1
            Reminder.objects.create(invoice=invoice, step=step, notice_type="reminder", fee=Decimal("35.00"))
        # 1. session  2. user  3. the user's staff roles with their own and their groups'
        # permissions  4. the invoice exists  5. its reminders
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        with django_assert_num_queries(7):
            response = client.get(f"/api/v1/reminders/?invoice={invoice.pk}")
        assert [reminder["step"] for reminder in response.json()] == list(range(1, count + 1))


def escalated(patient) -> CollectionCase:
    """Run the Norwegian schedule to its end: reminder, fee reminder, inkassovarsel, then a proposed case."""
    invoice = issue(patient)
    for days in (1, 16, 31, 46):
        run_day(invoice.due_date + timedelta(days=days))
    return CollectionCase.objects.get(invoice=invoice)


def proposed_case(patient) -> CollectionCase:
    invoice = issue(patient)
    return CollectionCase.objects.create(invoice=invoice, amount=invoice.patient_due)


def test_it_asks_a_colleague_to_approve_the_credit_and_credits_the_claim_once_approved(
    letter_patient, manager, provider, client_for
):
    case = escalated(letter_patient)
    client = client_for(manager)

    response = post(client, f"/api/v1/collection-cases/{case.pk}/decide/", {"decision": "credited", "note": "Small"})

    assert response.status_code == 200
    body = response.json()
    fields = ("status", "decided_by", "note", "amount", "balance", "ledger_entry")
    assert tuple(body[field] for field in fields) == (
        "credit_pending",
        manager.username,
        "Small",
        "570.00",
        "570.00",
        None,
    )
    # Above the small-claim threshold the credit is a write-off, which the policy has the office manager approve;
    # the sole office manager asked, so the deputy (the provider) decides.
    credit = body["credit_request"]
    assert (credit["kind"], credit["amount"], credit["required_role"], credit["can_approve"]) == (
        "write_off",
        "570.00",
        "office_manager",
        False,
    )
    queue = client_for(provider).get("/api/v1/adjustments/").json()["results"]
    assert [(row["id"], row["collection_case"], row["can_approve"]) for row in queue] == [(credit["id"], case.pk, True)]

    approved = post(client_for(provider), f"/api/v1/adjustments/{credit['id']}/approve/")

    assert approved.status_code == 200
    assert (approved.json()["collection_case"], approved.json()["complaint"]) == (case.pk, None)
    case.refresh_from_db()
    assert case.status == CollectionCase.Status.CREDITED
    assert (case.ledger_entry.kind, case.ledger_entry.amount, case.ledger_entry.invoice_id) == (
        LedgerEntry.Kind.WRITE_OFF,
        Decimal("-570.00"),
        case.invoice_id,
    )
    after = client.get("/api/v1/collection-cases/?status=credited").json()["results"]
    assert [(row["id"], row["ledger_entry"], row["credit_request"]) for row in after] == [
        (case.pk, case.ledger_entry_id, None)
    ]
    assert client.get(f"/api/v1/invoices/{case.invoice_id}/").json()["balance"] == "0.00"


@pytest.mark.parametrize("decision", ["agency", "conciliation", "withdrawn"])
def test_it_records_an_escalation_without_moving_money(letter_patient, manager, client_for, decision):
    case = proposed_case(letter_patient)
    tvistevarsel_deadline_passed(case)

    response = post(client_for(manager), f"/api/v1/collection-cases/{case.pk}/decide/", {"decision": decision})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["ledger_entry"], response.json()["balance"]) == (
        decision,
        None,
        "500.00",
    )
    assert not LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.CHARGE).exists()


def test_it_refuses_a_decision_by_billing(letter_patient, billing, client_for):
    case = proposed_case(letter_patient)

    response = post(client_for(billing), f"/api/v1/collection-cases/{case.pk}/decide/", {"decision": "credited"})

    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.status, case.ledger_entry_id) == ("proposed", None)


def test_it_never_sends_a_disputed_claim_to_an_agency(letter_patient, manager, client_for):
    case = proposed_case(letter_patient)
    complaint_file(
        patient_id=letter_patient.pk,
        invoice_id=case.invoice_id,
        line_ids=[],
        channel="phone",
        category="billing_error",
        description="I was charged twice.",
        by=None,
    )
    client = client_for(manager)
    assert client.get("/api/v1/collection-cases/?status=proposed").json()["results"][0]["disputed"] is True

    response = post(client, f"/api/v1/collection-cases/{case.pk}/decide/", {"decision": "agency"})

    assert response.status_code == 409
    assert "decision" in response.json()
    case.refresh_from_db()
    assert case.status == "proposed"


def test_it_refuses_deciding_a_case_twice(letter_patient, manager, client_for):
    case = proposed_case(letter_patient)
    client = client_for(manager)
    post(client, f"/api/v1/collection-cases/{case.pk}/decide/", {"decision": "withdrawn"})

    response = post(client, f"/api/v1/collection-cases/{case.pk}/decide/", {"decision": "credited"})

    assert response.status_code == 409
    assert not LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.CHARGE).exists()


@pytest.mark.parametrize(
    "body", [{}, {"decision": "proposed"}, {"decision": "forgive"}, {"decision": "agency", "note": "x" * 301}]
)
def test_it_names_a_bad_decision(letter_patient, manager, client_for, body):
    case = proposed_case(letter_patient)

    response = post(client_for(manager), f"/api/v1/collection-cases/{case.pk}/decide/", body)

    assert response.status_code == 400
    assert set(response.json()) & {"decision", "note"}
    case.refresh_from_db()
    assert case.status == "proposed"


def test_it_returns_404_for_an_unknown_case(manager, client_for):
    response = post(client_for(manager), "/api/v1/collection-cases/999999/decide/", {"decision": "withdrawn"})

    assert response.status_code == 404
    assert "detail" in response.json()


def test_it_filters_the_cases_by_status(letter_patient, manager, client_for):
    decided, proposed = proposed_case(letter_patient), proposed_case(letter_patient)
    tvistevarsel_deadline_passed(decided)
    services.collection_case_decide(case_id=decided.pk, decision="conciliation", by=manager)
    client = client_for(manager)

    def ids(query: str) -> list[int]:
        return [case["id"] for case in client.get(f"/api/v1/collection-cases/{query}").json()["results"]]

    assert ids("?status=proposed") == [proposed.pk]
    assert ids("?status=conciliation") == [decided.pk]
    assert ids("") == [decided.pk, proposed.pk]
    listed = client.get("/api/v1/collection-cases/?status=proposed").json()["results"][0]
    assert (listed["patient_name"], listed["invoice_number"], listed["disputed"]) == (
        letter_patient.name,
        proposed.invoice.number,
        False,
    )
    assert client.get("/api/v1/collection-cases/?status=maybe").status_code == 400


def test_it_lists_cases_in_a_fixed_number_of_queries(letter_patient, manager, client_for, django_assert_num_queries):
    client = client_for(manager)
    for count in (1, 10):
        while CollectionCase.objects.count() < count:
            proposed_case(letter_patient)
        # 1. session  2. user  3. the user's staff roles with their own and their groups'
        # permissions  4. count of the cases  5. the page, with invoices, patients, deciders and disputes
        # +1: the two-factor device that verified this staff session (django-otp, mfa)
        # +1: the audit rows of the records shown, in one insert
        # +1: the collection state and holds of the page's invoices, in one query (collection_state)
        # +1: the page's credit requests waiting for approval, in one prefetch (none here, so the approval
        #     settings are not read)
        with django_assert_num_queries(9):
            response = client.get("/api/v1/collection-cases/?status=proposed")
        assert len(response.json()["results"]) == count


def tvistevarsel_deadline_passed(case: CollectionCase) -> None:
    """A tvistevarsel sent three weeks ago: its 14-day deadline has passed, so the board may be chosen."""
    sent_on = timezone.localdate() - timedelta(days=21)
    ConciliationNotice.objects.create(case=case, sent_on=sent_on, answer_by=sent_on + timedelta(days=14))


@pytest.fixture
def endpoints(letter_patient, billing) -> list[tuple[str, str, dict]]:
    """Every collections endpoint with a body a permitted user could send, on records that exist."""
    invoice = issue(letter_patient)
    other = issue(letter_patient)
    Reminder.objects.create(invoice=invoice, step=1, notice_type="reminder")
    services.payment_plan_create(invoice_id=invoice.pk, instalments=3, by=billing)
    case = CollectionCase.objects.create(invoice=other, amount=Decimal("500.00"))
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    return [
        ("post", "/api/v1/payment-plans/", {"invoice": other.pk, "instalments": 3}),
        ("get", f"/api/v1/payment-plans/?invoice={invoice.pk}", {}),
        # The plan posted just before holds `other`: the deferral replaces it (otherwise 409, one arrangement).
        ("post", f"/api/v1/invoices/{other.pk}/defer/", {"until": until, "replace_arrangement": True}),
        ("get", f"/api/v1/reminders/?invoice={invoice.pk}", {}),
        ("get", "/api/v1/collection-cases/?status=proposed", {}),
        ("post", f"/api/v1/collection-cases/{case.pk}/decide/", {"decision": "credited"}),
    ]


def _assert_refused_everywhere(client: Client, endpoints, statuses: tuple[int, ...], patient) -> None:
    for method, url, body in endpoints:
        response = client.get(url) if method == "get" else post(client, url, body)
        assert response.status_code in statuses, (method, url, response.status_code)
        assert patient.name not in response.content.decode()
    assert PaymentPlan.objects.count() == 1
    assert not Deferral.objects.exists()
    assert CollectionCase.objects.get().status == "proposed"
    assert not LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.CHARGE).exists()


def test_it_refuses_every_endpoint_to_a_patient_user(letter_patient, patient, endpoints, client_for):
    _assert_refused_everywhere(client_for(patient.user), endpoints, (403, 404), letter_patient)


def test_it_refuses_every_endpoint_to_anonymous_requests(letter_patient, endpoints):
    _assert_refused_everywhere(Client(), endpoints, (401, 403), letter_patient)


def test_it_refuses_every_endpoint_to_a_provider_but_credit_or_conciliation(
    letter_patient, provider, endpoints, client_for
):
    # A provider decides credit or the conciliation board on a case (tests/patient_collections/
    # test_lifecycle_guards.py); sending it to the agency stays the office manager's.
    *others, (method, url, _body) = endpoints
    _assert_refused_everywhere(
        client_for(provider), [*others, (method, url, {"decision": "agency"})], (403,), letter_patient
    )


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("front_desk", [True, True, True, True, False, False]),
        ("billing", [True, True, True, True, True, False]),
        ("manager", [True, True, True, True, True, True]),
    ],
)
def test_it_gives_each_role_its_own_endpoints(request, endpoints, provider, client_for, persona, allowed):
    # The provider is there as the policy's deputy approver: the sole office manager's credit needs one.
    client = client_for(request.getfixturevalue(persona))

    for (method, url, body), expected in zip(endpoints, allowed, strict=True):
        response = client.get(url) if method == "get" else post(client, url, body)
        assert (response.status_code < 300) is expected, (persona, method, url, response.status_code)


@pytest.mark.parametrize("url", ["/api/v1/collection-cases/?status=", "/api/v1/follow-up-calls/?patient="])
def test_it_refuses_an_empty_filter(db, manager, client_for, url):
    response = client_for(manager).get(url)

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(("endpoint", "field"), [("payment-plans", "first_due"), ("defer", "until")])
def test_it_answers_a_date_in_the_year_9999_with_a_field_error(invoice, billing, client_for, endpoint, field):
    url = "/api/v1/payment-plans/" if endpoint == "payment-plans" else f"/api/v1/invoices/{invoice.pk}/defer/"
    body = plan_body(invoice, instalments=3) if endpoint == "payment-plans" else {}

    response = post(client_for(billing), url, {**body, field: "9999-12-31"})

    assert response.status_code == 400
    assert response.json()[field] == ["Give a date between 1900-01-01 and 2199-12-31."]
