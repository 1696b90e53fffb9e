"""Issue 19, "Done means": a nightly sync as an EHR vendor runs it, end to end.

The client is generated from the live server's own schema with openapi-python-client and imported, as a vendor
would; the EHR's side below is written against it only. Against pytest-django's live server (real HTTP, real
commits) it pushes a night's patients, invoices (created, then issued) and payments, each POST under a key
derived from the EHR's own id, through a network that loses answers, refuses connections, delivers some
messages twice, and a job that crashes halfway and is rerun from the start. A webhook endpoint points at a
local receiver that is down for the first deliveries. Then the clinic works a day at the desk, and the next
night's resync by `updated_since` (and the events feed by `after`) must find exactly what changed.

It prints the sync's request count and time ("NIGHTLY SYNC:"); nothing here asserts a duration.
"""

import importlib
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

import httpx
import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from api.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from api.models import IdempotencyRecord
from integration_events.models import EventType, WebhookDelivery, WebhookEndpoint
from integration_events.signatures import signature_verify
from integration_events.tasks import sweep_webhook_deliveries
from invoices import services as invoice_services
from invoices.models import Invoice, LedgerEntry
from patients.models import Patient
from patients.services import ContactDetails, patient_update_contact
from tests.api.client_generation import client_forget, client_generate, client_import
from tests.concurrency import run_together
from tests.factories import UserFactory, at
from tests.integration_events.receiver import Receiver, local_receiver

PACKAGE = "clinic_billing_api_client"  # the package name docs/api.md uses for the generated client
SOURCE = "ehr"
VISIT_DAY = date(2026, 11, 19)
NIGHT = at(date(2026, 11, 20), 1)  # the EHR's nightly job starts at 01:00, clinic time
GAP = timedelta(hours=8)  # until the desk opens the next morning
PATIENTS, INVOICES, PAYMENTS = 30, 100, 140

# The faults of the night, by idempotency key. Each fires once, on the first attempt of that request.
LOST_ANSWERS = {  # the request reaches the server and is done; its answer never comes back
    "patient-P-0003",
    "patient-P-0017",
    "invoice-V-0005",
    "invoice-V-0050",
    "issue-V-0007",
    "issue-V-0077",
    "payment-B-0011",
    "payment-B-0090",
    "payment-B-0131",
}
REFUSED_CONNECTIONS = {"patient-P-0020", "invoice-V-0020", "payment-B-0020"}  # never reach the server
DELIVERED_TWICE = {"invoice-V-0060", "invoice-V-0061", "payment-B-0100", "payment-B-0101", "payment-B-0102"}
CRASH_AFTER_CREATING = "V-0040"  # the job dies between creating this invoice and issuing it, then reruns
WEBHOOK_RECEIVER_DOWN_FOR = 2  # the first deliveries get a 503 and are retried by the sweep

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


# --- The EHR's day: what it pushes ----------------------------------------------------------------------------

FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Lars", "Sofie", "Jonas", "Nora", "Emil", "Maja", "Henrik"]
LAST_NAMES = ["Hansen", "Johansen", "Olsen"]


@dataclass(frozen=True)
class EhrPatient:
    ref: str
    name: str
    born: date
    phone: str


@dataclass(frozen=True)
class EhrInvoice:
    ref: str
    patient: EhrPatient
    lines: tuple[tuple[str, str, str, Decimal], ...]  # code, description, quantity, unit price

    @property
    def total(self) -> Decimal:
        return sum((Decimal(quantity) * price for _c, _d, quantity, price in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class EhrPayment:
    ref: str
    invoice: EhrInvoice
    amount: Decimal


@dataclass(frozen=True)
class EhrDay:
    patients: list[EhrPatient]
    invoices: list[EhrInvoice]
    payments: list[EhrPayment]

    def expected_balance(self, invoice: EhrInvoice) -> Decimal:
        return invoice.total - sum((p.amount for p in self.payments if p.invoice == invoice), Decimal("0.00"))


def ehr_day() -> EhrDay:
    """30 patients, 100 visits, 140 payments: the first 40 visits paid in two parts (settled), every third of
    the others paid in full, the rest partly paid."""
    patients = [
        EhrPatient(
            ref=f"P-{n:04}",
            name=f"{FIRST_NAMES[n % 10]} {LAST_NAMES[n // 10]}",
            born=date(1950 + n, 1 + n % 12, 1 + n % 28),
            phone=f"+47 4{n:02} 00 000",
        )
        for n in range(PATIENTS)
    ]
    invoices = []
    for n in range(INVOICES):
        lines = [("2ad", "Consultation with a general practitioner", "1", Decimal("183.00"))]
        if n % 2 == 0:
            lines.append(("701a", "Blood test", "2", Decimal("61.50")))
        invoices.append(EhrInvoice(ref=f"V-{n:04}", patient=patients[n % PATIENTS], lines=tuple(lines)))
    paid: list[tuple[EhrInvoice, Decimal]] = []
    for n, invoice in enumerate(invoices):
        if n < PAYMENTS - INVOICES:
            paid += [(invoice, Decimal("100.00")), (invoice, invoice.total - Decimal("100.00"))]
        else:
            paid.append((invoice, invoice.total if n % 3 == 0 else Decimal("100.00")))
    payments = [EhrPayment(f"B-{n:04}", invoice, amount) for n, (invoice, amount) in enumerate(paid)]
    return EhrDay(patients=patients, invoices=invoices, payments=payments)


# --- The network between the EHR and the clinic -----------------------------------------------------------------


class FaultyNetwork(httpx.BaseTransport):
    """Real HTTP to the live server, counting every request the client sends, and failing the ones it is told to:
    a refused connection never reaches the server; a lost answer is dropped after the server has done the work."""

    def __init__(self, *, lose_answers: set[str], refuse: set[str]) -> None:
        self.inner = httpx.HTTPTransport()
        self.lose_answers, self.refuse = set(lose_answers), set(refuse)
        self.lock = threading.Lock()  # duplicate deliveries send from two threads at once
        self.sent = 0
        self.methods: Counter[str] = Counter()
        self.lost: list[str] = []
        self.refused: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        with self.lock:
            self.sent += 1
            self.methods[request.method] += 1
            refuse, lose = key in self.refuse, key in self.lose_answers
            self.refuse.discard(key)
            self.lose_answers.discard(key)
        if refuse:
            self.refused.append(key)
            raise httpx.ConnectError("connection refused (injected)", request=request)
        response = self.inner.handle_request(request)
        if lose:
            response.read()
            response.close()
            self.lost.append(key)
            raise httpx.ReadError("connection reset before the answer arrived (injected)", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


# --- The EHR's client, written against the generated package --------------------------------------------------


class EhrCrashed(Exception):
    """The nightly job died (the machine rebooted): it is started again from the beginning."""


@dataclass
class Ehr:
    api: ModuleType
    client: Any  # the generated AuthenticatedClient
    # How the EHR waits when told to (429 Retry-After): the test moves the pinned clock instead of sleeping.
    wait: Callable[[int], None]
    # On PostgreSQL a message delivered twice arrives at the same moment; SQLite's shared in-memory test
    # database serves one request at a time, so there it arrives twice in a row.
    concurrent_duplicates: bool
    duplicated: set[str] = field(default_factory=set)
    # Per key, whether each answer the EHR got was a replay (Idempotent-Replayed: true), in order.
    answers: defaultdict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    retried: Counter[str] = field(default_factory=Counter)
    duplicate_answers: dict[str, list[httpx.Response]] = field(default_factory=dict)
    throttled_seconds: int = 0

    def operation(self, name: str) -> ModuleType:
        """A generated operation module, e.g. "invoices.invoice_issue"."""
        return importlib.import_module(f"{PACKAGE}.api.{name}")

    def send(self, name: str, **arguments: Any) -> Any:
        """One call, retried with the same arguments (so the same key) after a network fault or a 429."""
        key = arguments.get("idempotency_key")
        for _attempt in range(8):
            try:
                response = self.operation(name).sync_detailed(client=self.client, **arguments)
            except httpx.TransportError:
                self.retried[key] += 1
                continue  # the docs' client backs off first; the network here is local
            if response.status_code == 429:
                seconds = int(response.headers["Retry-After"])
                self.throttled_seconds += seconds
                self.wait(seconds)
                continue
            if key:
                self.answers[key].append(response.headers.get(REPLAYED_HEADER) == "true")
            return response
        raise AssertionError(f"gave up on {name} {arguments}")

    def post(self, name: str, *, key: str, **arguments: Any) -> Any:
        """A POST under the EHR's key; a message the EHR's outbox delivers twice is sent twice."""
        if key not in self.duplicated:
            return self.send(name, idempotency_key=key, **arguments)
        calls = [lambda: self.send(name, idempotency_key=key, **arguments)] * 2
        answers = run_together(calls) if self.concurrent_duplicates else [call() for call in calls]
        self.duplicate_answers[key] = answers
        return next(a for a in answers if not isinstance(a, Exception) and a.headers.get(REPLAYED_HEADER) != "true")

    def pages(self, name: str, **filters: Any) -> Iterator[Any]:
        """Every record of a list, following its cursors."""
        cursor = self.api.types.UNSET
        while True:
            page = ok(self.send(name, limit=50, cursor=cursor, **filters), 200)
            yield from page.results
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def events_after(self, after: int) -> tuple[list[Any], int]:
        """The events after `after`, and the `next_after` to keep for the next night."""
        events = []
        while True:
            page = ok(self.send("events.event_list", after=after, limit=100), 200)
            events += page.results
            after = page.next_after
            if not page.has_more:
                return events, after


def night_report(network: FaultyNetwork, ehr: Ehr, *, seconds: float) -> str:
    """What the night cost: requests by method and by fault, and the wall time (printed, never asserted)."""
    replayed = sum(sum(flags) for flags in ehr.answers.values())
    return (
        f"{PATIENTS} patients, {INVOICES} invoices (created + issued), {PAYMENTS} payments on {connection.vendor}: "
        f"{network.sent} requests ({network.methods['POST']} POST, {network.methods['GET']} GET; "
        f"{len(network.refused)} refused before the server, {len(network.lost)} answers lost, {replayed} replayed) "
        f"in {seconds:.1f} s, {1000 * seconds / network.sent:.0f} ms a request; "
        f"{ehr.throttled_seconds} s of Retry-After waited on the pinned clock"
    )


def ok(response: Any, status: int) -> Any:
    assert response.status_code == status, (response.status_code, response.content)
    return response.parsed


# --- The nightly job ----------------------------------------------------------------------------------------------


def push_patients(ehr: Ehr, day: EhrDay) -> dict[str, int]:
    """Register the day's patients; returns the clinic's id of each, by the EHR's id."""
    models = ehr.api.models
    ids = {}
    for p in day.patients:
        body = models.PatientCreateRequest(
            name=p.name,
            date_of_birth=p.born,
            language=models.LanguageEnum.NB,
            preferred_channel=models.PatientChannelEnum.SMS,
            phone=p.phone,
            external_source=SOURCE,
            external_reference=p.ref,
            metadata=models.PatientCreateRequestMetadata.from_dict({"ehr_chart": p.ref}),
        )
        ids[p.ref] = ok(ehr.post("patients.patient_create", key=f"patient-{p.ref}", body=body), 201).id
    return ids


def push_invoices(ehr: Ehr, day: EhrDay, patient_ids: dict[str, int], *, crash_at: str | None) -> dict[str, int]:
    """Create each visit's invoice and issue it at once; returns the clinic's ids by the EHR's visit id."""
    models = ehr.api.models
    ids = {}
    for i in day.invoices:
        body = models.InvoiceCreateRequest(
            patient=patient_ids[i.patient.ref],
            service_date=VISIT_DAY,
            lines=[
                models.InvoiceLineCreateRequest(
                    code=code,
                    description=text,
                    quantity=quantity,
                    unit_price=str(price),
                    coverage=models.CoverageEnum.PATIENT,
                )
                for code, text, quantity, price in i.lines
            ],
            external_source=SOURCE,
            external_reference=i.ref,
            metadata=models.InvoiceCreateRequestMetadata.from_dict({"ehr_visit": i.ref}),
        )
        ids[i.ref] = ok(ehr.post("invoices.invoice_create", key=f"invoice-{i.ref}", body=body), 201).id
        if i.ref == crash_at:
            raise EhrCrashed(i.ref)
        ok(ehr.post("invoices.invoice_issue", key=f"issue-{i.ref}", invoice_id=ids[i.ref]), 200)
    return ids


def post_payments(ehr: Ehr, day: EhrDay, invoice_ids: dict[str, int]) -> dict[str, int]:
    """Book the payments the EHR's cash desk took; returns the ledger entry of each by the EHR's id."""
    models = ehr.api.models
    ids = {}
    for p in day.payments:
        body = models.PaymentCreateRequest(
            amount=str(p.amount), payer=models.PayerEnum.PATIENT, method="card", reference=p.ref
        )
        answer = ehr.post(
            "invoices.invoice_payment_create", key=f"payment-{p.ref}", invoice_id=invoice_ids[p.invoice.ref], body=body
        )
        ids[p.ref] = ok(answer, 201).id
    return ids


@dataclass
class NightOne:
    patient_ids: dict[str, int]
    invoice_ids: dict[str, int]
    payment_ids: dict[str, int]
    balances: dict[int, Decimal]  # read back from /invoices/
    payments_read: set[int]
    events: list[Any]
    next_after: int


def nightly_sync(ehr: Ehr, day: EhrDay) -> NightOne:
    """The whole night as docs/api.md's example runs it: push patients, invoices and payments, then read back."""
    run_started = timezone.now()
    patient_ids = push_patients(ehr, day)
    try:
        invoice_ids = push_invoices(ehr, day, patient_ids, crash_at=CRASH_AFTER_CREATING)
    except EhrCrashed:
        # Restarted from the top, with the same keys: what was done is replayed, nothing is made twice.
        patient_ids = push_patients(ehr, day)
        invoice_ids = push_invoices(ehr, day, patient_ids, crash_at=None)
    payment_ids = post_payments(ehr, day, invoice_ids)
    balances = {i.id: Decimal(i.balance) for i in ehr.pages("invoices.invoice_list", updated_since=run_started)}
    payments_read = {p.id for p in ehr.pages("payments.payment_list", updated_since=run_started)}
    events, next_after = ehr.events_after(0)
    return NightOne(patient_ids, invoice_ids, payment_ids, balances, payments_read, events, next_after)


# --- Fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture
def ehr_token() -> str:
    # An EHR integration is a billing user with a token (README: drf_create_token billing).
    return Token.objects.create(user=UserFactory(username="ehr_integration", roles=["billing"])).key


@pytest.fixture
def generated_client(live_server, ehr_token, tmp_path) -> Iterator[ModuleType]:
    """The client generated from the schema the live server serves, imported as the vendor's package."""
    answer = httpx.get(
        f"{live_server.url}/api/schema/", params={"format": "json"}, headers={"Authorization": f"Token {ehr_token}"}
    )
    assert answer.status_code == 200, answer.text
    generation = client_generate(schema=answer.json(), into=tmp_path, package=PACKAGE)
    assert generation.returncode == 0, generation.stdout + generation.stderr
    yield client_import(folder=tmp_path, package=PACKAGE)
    client_forget(folder=tmp_path, package=PACKAGE)


def verified(receiver: Receiver, secret: str) -> bool:
    """Every request the receiver got is signed with the endpoint's secret, checked when it arrived."""
    return all(
        signature_verify(payload=r.body, header=r.headers["Clinic-Signature"], secret=secret, now=r.received_at)
        for r in receiver.received
    )


def delivered_event_ids(receiver: Receiver) -> Counter[int]:
    return Counter(int(r.headers["Clinic-Event-Id"]) for r in receiver.accepted)


# --- The test -----------------------------------------------------------------------------------------------------


def test_it_runs_a_nightly_sync_through_faults_without_duplicates_and_resyncs_every_change(
    live_server, generated_client, ehr_token
):
    day = ehr_day()
    desk = UserFactory(username="frida_desk", roles=["front_desk"])
    network = FaultyNetwork(lose_answers=LOST_ANSWERS, refuse=REFUSED_CONNECTIONS)
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=ehr_token, prefix="Token", httpx_args={"transport": network}, timeout=30.0
    )

    # The client is closed at the end: the live server's thread serving a kept-alive connection holds a database
    # connection until then, and PostgreSQL will not drop the test database under it.
    with (
        client,
        local_receiver(*([503] * WEBHOOK_RECEIVER_DOWN_FOR), 200) as receiver,
        time_machine.travel(NIGHT, tick=True) as clock,
    ):
        endpoint = WebhookEndpoint.objects.create(url=receiver.url, event_types=list(EventType.values))
        ehr = Ehr(
            api=generated_client,
            client=client,
            wait=lambda seconds: clock.shift(timedelta(seconds=seconds)),
            concurrent_duplicates=connection.vendor == "postgresql",
            duplicated=set(DELIVERED_TWICE),
        )

        # Night one.
        started = time.perf_counter()
        night = nightly_sync(ehr, day)
        print(f"\nNIGHTLY SYNC: {night_report(network, ehr, seconds=time.perf_counter() - started)}")

        # A key reused for another payment, and a patient sent again under a new key (the first one expired).
        reused = ehr.send(
            "invoices.invoice_payment_create",
            idempotency_key="payment-B-0001",
            invoice_id=night.invoice_ids["V-0000"],
            body=generated_client.models.PaymentCreateRequest(
                amount="1.00", payer=generated_client.models.PayerEnum.PATIENT, method="card"
            ),
        )
        again = ehr.send(
            "patients.patient_create",
            idempotency_key="patient-P-0001-next-week",
            body=generated_client.models.PatientCreateRequest(
                name=day.patients[1].name,
                date_of_birth=day.patients[1].born,
                language=generated_client.models.LanguageEnum.NB,
                preferred_channel=generated_client.models.PatientChannelEnum.SMS,
                phone=day.patients[1].phone,
                external_source=SOURCE,
                external_reference="P-0001",
            ),
        )

        # The receiver is back; the sweep (every minute on beat) retries what it refused, after the back-off.
        clock.shift(timedelta(minutes=5))
        sweep_webhook_deliveries()
        night_one_events = {e.id for e in night.events}
        night_one_delivered = delivered_event_ids(receiver)

        # The day at the desk, after a gap: payments taken at the counter, a phone number changed, a new visit.
        clock.shift(GAP)
        gap_started = timezone.now()
        desk_paid = [night.invoice_ids[ref] for ref in ("V-0041", "V-0050", "V-0071")]
        desk_payments = {
            invoice_services.payment_record(
                invoice_id=invoice_id, amount=Decimal("50.00"), payer="patient", method="card", by=desk
            ).entry.pk
            for invoice_id in desk_paid
        }
        recontacted = [night.patient_ids[ref] for ref in ("P-0004", "P-0025")]
        for patient_id in recontacted:
            patient_update_contact(patient_id=patient_id, contact=new_phone(patient_id), by=desk)
        walk_in = invoice_services.invoice_create_draft(
            patient_id=night.patient_ids["P-0009"],
            service_date=timezone.localdate(),
            lines=[invoice_services.LineInput("2ad", "Consultation", Decimal("1"), Decimal("183.00"), "patient")],
            insurance_status=None,
            by=desk,
        )
        invoice_services.invoice_issue(invoice_id=walk_in.pk, by=desk, today=timezone.localdate())

        # Night two: what changed since the gap began, by `updated_since` and by the feed's `after`.
        clock.shift(timedelta(hours=16))
        sent_before, started = network.sent, time.perf_counter()
        changed_patients = {p.id: p.phone for p in ehr.pages("patients.patient_list", updated_since=gap_started)}
        changed_invoices = {
            i.id: Decimal(i.balance) for i in ehr.pages("invoices.invoice_list", updated_since=gap_started)
        }
        changed_payments = {p.id for p in ehr.pages("payments.payment_list", updated_since=gap_started)}
        new_events, _next_after = ehr.events_after(night.next_after)
        print(
            f"NIGHTLY SYNC: resync after the gap: {network.sent - sent_before} requests in "
            f"{time.perf_counter() - started:.2f} s"
        )
        sweep_webhook_deliveries()

    # Every fault was absorbed: lost answers and the crashed job's rerun were replayed, refused connections
    # went through on the retry, and each message delivered twice made one change.
    assert sorted(network.lost) == sorted(LOST_ANSWERS)
    assert all(ehr.answers[key][0] for key in LOST_ANSWERS)  # the first answer that arrived was the replay
    assert sorted(network.refused) == sorted(REFUSED_CONNECTIONS)
    assert not any(ehr.answers[key][0] for key in REFUSED_CONNECTIONS)  # the retry was the first to arrive
    assert all(ehr.answers[f"patient-{p.ref}"][-1] for p in day.patients)  # the rerun sent every patient again
    rerun = [i.ref for i in day.invoices[: int(CRASH_AFTER_CREATING[2:]) + 1]]
    assert all(ehr.answers[f"invoice-{ref}"][-1] for ref in rerun)
    assert all(ehr.answers[f"issue-{ref}"][-1] for ref in rerun[:-1])
    assert ehr.answers[f"issue-{CRASH_AFTER_CREATING}"] == [False]  # it had not been issued before the crash
    for key, answers in ehr.duplicate_answers.items():
        assert [a.status_code for a in answers] == [201, 201], key
        assert sorted(a.headers.get(REPLAYED_HEADER) == "true" for a in answers) == [False, True], key
        assert len({a.parsed.id for a in answers}) == 1, key
    assert set(ehr.duplicate_answers) == DELIVERED_TWICE
    assert (reused.status_code, reused.parsed.code) == (409, "idempotency_key_reused")
    assert (again.status_code, again.parsed.code) == (409, "duplicate_external_reference")
    assert again.parsed.existing_id == night.patient_ids["P-0001"]

    # No duplicates: one record per EHR id, one booked payment per EHR payment, one kept answer per key.
    assert Patient.objects.count() == PATIENTS
    assert Patient.objects.filter(external_source=SOURCE).values("external_reference").distinct().count() == PATIENTS
    assert Invoice.objects.count() == INVOICES + 1  # and the walk-in the desk billed
    assert Invoice.objects.filter(external_source=SOURCE).values("external_reference").distinct().count() == INVOICES
    booked = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PATIENT_PAYMENT)
    assert booked.count() == PAYMENTS + len(desk_payments)
    assert set(booked.filter(posted_by__username="ehr_integration").values_list("reference", flat=True)) == {
        p.ref for p in day.payments
    }
    assert IdempotencyRecord.objects.count() == PATIENTS + 2 * INVOICES + PAYMENTS

    # Balances: what the night read back is what the EHR posted.
    assert night.balances == {night.invoice_ids[i.ref]: day.expected_balance(i) for i in day.invoices}
    assert night.payments_read == set(night.payment_ids.values())
    assert Counter(e.type_.value for e in night.events) == {
        "patient.created": PATIENTS,
        "invoice.issued": INVOICES,
        "payment.received": PAYMENTS,
    }

    # Webhooks: every event of the feed delivered exactly once, each request signed with the endpoint's secret.
    assert night_one_delivered == Counter(night_one_events)
    assert verified(receiver, endpoint.secret)
    assert sum(1 for r in receiver.received if r.status == 503) == WEBHOOK_RECEIVER_DOWN_FOR
    all_events = night_one_events | {e.id for e in new_events}
    assert delivered_event_ids(receiver) == Counter(all_events)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {WebhookDelivery.Status.SUCCEEDED}

    # The resync after the gap found every change made at the desk, and nothing else.
    assert changed_patients == {pid: Patient.objects.get(pk=pid).phone for pid in recontacted}
    assert all(phone.startswith("+47 99") for phone in changed_patients.values())
    by_id = {night.invoice_ids[i.ref]: i for i in day.invoices}
    assert changed_invoices == {
        **{pid: day.expected_balance(by_id[pid]) - Decimal("50.00") for pid in desk_paid},
        walk_in.pk: Decimal("183.00"),
    }
    assert changed_payments == desk_payments
    assert sorted((e.type_.value, e.object_id) for e in new_events) == sorted(
        [("payment.received", entry) for entry in desk_payments] + [("invoice.issued", walk_in.pk)]
    )


def new_phone(patient_id: int) -> ContactDetails:
    """The patient's contact details as they are, with the new phone number the desk was given."""
    patient = Patient.objects.get(pk=patient_id)
    return ContactDetails(
        email=patient.email,
        phone=f"+47 99{patient_id:06}",
        address_line=patient.address_line,
        postal_code=patient.postal_code,
        city=patient.city,
        language=patient.language,
        preferred_channel=patient.preferred_channel,
        opt_out_email=patient.opt_out_email,
        opt_out_sms=patient.opt_out_sms,
        opt_out_phone=patient.opt_out_phone,
    )
