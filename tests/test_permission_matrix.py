"""The authorisation matrix, checked cell by cell: every route × method × persona × own / other's object.

The data is in tests/permission_matrix.py. Each cell is its own test on a fresh copy of one shared world (two
patients with one of everything), built once per module inside a transaction and rolled back after every
cell, so a cell that posts a payment or closes a complaint cannot change what the next cell sees.
"""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps as django_apps
from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Count
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clinic_billing import exceptions
from disputes import permissions as dispute_permissions
from disputes import services as dispute_services
from disputes.models import AdjustmentRequest, Complaint, Policy
from invoices.models import Invoice, LedgerEntry
from patient_collections.models import CollectionCase, Deferral, FollowUpCall, PaymentPlan, ReminderStep
from patients.models import AuthorisedProxy, Patient
from portal.models import HelpArticle, PortalInvitation
from tests import permission_matrix as matrix
from tests.factories import complaint_about, overdue_invoice
from tests.permission_matrix import (
    ALLOWED,
    NO_OBJECT,
    NOT_FOUND,
    OTHER,
    OWN,
    REFUSED,
    REFUSED_WITH_MESSAGE,
    ROUTES,
    Outcome,
)

LOGIN_PATHS = ("/login/", "/portal/sign-in/", "/admin/login/")
SIGN_OUT_ROUTES = {"logout", "portal:portal-logout"}  # their normal answer is a redirect to a sign-in page


@dataclass(frozen=True)
class Cell:
    name: str
    method: str
    whose: str
    persona: str
    expected: Outcome

    @property
    def id(self) -> str:
        return f"{self.method} {self.name} {self.whose} {self.persona}"


def matrix_cells() -> Iterator[Cell]:
    for name, route in ROUTES.items():
        for method, expect in route.methods.items():
            for whose in (OWN, OTHER) if route.has_object else (NO_OBJECT,):
                for persona in matrix.PERSONAS:
                    yield Cell(name, method, whose, persona, expect(persona, whose))


CELLS = list(matrix_cells())
CELL_COUNT = len(CELLS)


def _params() -> list[object]:
    params: list[object] = []
    for cell in CELLS:
        reason = ROUTES[cell.name].xfail.get((cell.method, cell.whose, cell.persona))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(cell, id=cell.id, marks=marks))
    return params


# --- Every route is in the matrix ---------------------------------------------------------------------------


def _named_routes(patterns: Sequence[object], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace or ""
            yield from _named_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name or ""
            yield prefix + str(pattern.pattern), name


def _routes_to_check() -> list[tuple[str, str]]:
    routes = []
    for route, name in _named_routes(get_resolver().url_patterns):
        if route.startswith(tuple(matrix.EXCLUDED_PREFIXES)):
            continue
        if not name and route in matrix.EXCLUDED_UNNAMED:
            continue
        routes.append((route, name))
    return routes


def test_every_route_of_the_urlconf_is_in_the_matrix():
    missing = sorted(f"{route} ({name or 'unnamed'})" for route, name in _routes_to_check() if name not in ROUTES)
    assert missing == [], "decide who may use these routes in tests/permission_matrix.py"


def test_every_route_in_the_matrix_still_exists():
    names = {name for _route, name in _routes_to_check()}
    assert sorted(set(ROUTES) - names) == []


def test_the_matrix_has_a_cell_for_every_persona_of_every_route_and_method():
    assert (
        sum(len(route.methods) * (2 if route.has_object else 1) * len(matrix.PERSONAS) for route in ROUTES.values())
        == CELL_COUNT
    )
    assert {cell.expected for cell in CELLS} == set(Outcome)


# --- The world ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from matrix.world_in_a_transaction(django_db_blocker)


class _LaidOutDocument:
    """What weasyprint's layout returns, reduced to what the views use."""

    pages: list[object] = [object()]
    metadata = SimpleNamespace(title="")

    def copy(self, pages: list[object]) -> "_LaidOutDocument":
        return self

    def write_pdf(self) -> bytes:
        return b"%PDF-1.7 laid out elsewhere"


class _SkippedLayout:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def render(self) -> _LaidOutDocument:
        return _LaidOutDocument()

    def write_pdf(self) -> bytes:
        return _LaidOutDocument().write_pdf()


@pytest.fixture(autouse=True)
def _skip_pdf_layout(monkeypatch):
    """Who may fetch a PDF is decided before its layout, which costs a second per document and is tested with
    the letters themselves; the templates still render, so the data they read is still fetched."""
    for module in ("invoices.pdf", "disputes.letters", "patient_collections.letters", "portal.estimates"):
        monkeypatch.setattr(f"{module}.pdf_document", _SkippedLayout)


def _state() -> tuple[object, ...]:
    """What a refused request must leave as it was: money, complaints, plans, cases, grants, contact details."""

    def digest(rows: object) -> str:
        return hashlib.sha256(repr(list(rows)).encode()).hexdigest()  # type: ignore[call-overload]

    return (
        LedgerEntry.objects.count(),
        digest(Invoice.objects.order_by("pk").values_list("pk", "status", "insurance_status", "number")),
        digest(Complaint.objects.order_by("pk").values_list("pk", "status", "met_at", "outcome")),
        digest(AdjustmentRequest.objects.order_by("pk").values_list("pk", "status")),
        digest(PaymentPlan.objects.order_by("pk").values_list("pk", "status")),
        Deferral.objects.count(),
        digest(FollowUpCall.objects.order_by("pk").values_list("pk", "attempts", "outcome", "completed_at")),
        digest(CollectionCase.objects.order_by("pk").values_list("pk", "status")),
        digest(AuthorisedProxy.objects.order_by("pk").values_list("pk", "revoked_at")),
        digest(Patient.objects.order_by("pk").values_list("pk", "email", "phone", "language", "preferred_channel")),
        PortalInvitation.objects.count(),
        digest(HelpArticle.objects.order_by("pk").values_list("pk", "updated_at")),
        Policy.objects.count(),
        digest(ReminderStep.objects.values("jurisdiction").annotate(n=Count("pk")).order_by("jurisdiction")),
        User.objects.count(),
        *_two_factor_state(),
    )


def _two_factor_state() -> tuple[object, ...]:
    if not django_apps.is_installed("django_otp.plugins.otp_totp"):
        return ()
    device = django_apps.get_model("otp_totp", "TOTPDevice")
    return (device.objects.count(),)


def _url(cell: Cell, world: matrix.World) -> str:
    route = ROUTES[cell.name]
    side = world.sides[OTHER if cell.whose == OTHER else OWN]
    url = reverse(cell.name, kwargs=route.kwargs(world, side) if route.kwargs else None)
    if route.query:
        url += "?" + urlencode(route.query(world, side))
    return url


def _send(client: Client, cell: Cell, url: str):
    if cell.method == "GET":
        return client.get(url)
    if cell.name.startswith("api-"):
        # An empty JSON object: an allowed caller reaches validation (400), a refused one never gets there.
        return client.generic(cell.method, url, data="{}", content_type="application/json")
    return client.generic(cell.method, url, data="", content_type="application/x-www-form-urlencoded")


@pytest.fixture
def domain_refusals(monkeypatch) -> list[str]:
    """The messages of every PermissionDenied the services raise during the test (the domain's refusals)."""
    refusals: list[str] = []
    make = exceptions.PermissionDenied.__init__

    def recording_init(self, message: str, **kwargs: object) -> None:
        refusals.append(str(message))
        make(self, message, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(exceptions.PermissionDenied, "__init__", recording_init)
    return refusals


def _error_messages(response) -> set[str]:
    return {str(message) for message in messages.get_messages(response.wsgi_request) if message.level >= messages.ERROR}


def outcome_of(cell: Cell, response, refusals: list[str]) -> Outcome:
    """Refused means 403 for a signed-in user; for an anonymous visitor a redirect to a sign-in page (the API,
    which redirects nobody, answers 401 or 403). Refused with a message means the page shows, as an error, the
    message of a PermissionDenied the domain raised (`refusals`); an error message about the input (an empty
    POST) is the view's own validation, so allowed."""
    status = response.status_code
    assert status < 500, f"{cell.id}: server error {status}"
    assert status != 405, f"{cell.id}: the route does not accept {cell.method}; fix the matrix"
    anonymous = cell.persona == matrix.ANONYMOUS
    if status == 404:
        return NOT_FOUND
    if status == 403 or (status == 401 and anonymous):
        assert not anonymous or cell.name.startswith("api-"), f"{cell.id}: anonymous gets {status}, not the sign-in"
        return REFUSED
    if _error_messages(response) & set(refusals):
        assert status < 400, f"{cell.id}: a refusal shown as a message comes with {status}"
        return REFUSED_WITH_MESSAGE
    if 300 <= status < 400:
        to_login = urlsplit(response["Location"]).path.endswith(LOGIN_PATHS)
        if to_login and cell.name not in SIGN_OUT_ROUTES:
            assert anonymous, f"{cell.id}: a signed-in user is sent to sign in again instead of a 403"
            return REFUSED
        return ALLOWED
    # 2xx, or 400/422: the request reached the view's own validation (an empty form, an unknown filter).
    assert status < 300 or status in (400, 422), f"{cell.id}: unexpected {status}"
    return ALLOWED


@pytest.mark.parametrize("cell", _params())
def test_cell(cell: Cell, world: matrix.World, client_for, db, domain_refusals):
    user = world.users[cell.persona]
    client = Client() if user is None else client_for(user)
    url = _url(cell, world)
    before = _state() if cell.expected != ALLOWED else None

    response = _send(client, cell, url)

    assert outcome_of(cell, response, domain_refusals) == cell.expected, f"{cell.id} -> {response.status_code} {url}"
    if before is not None:
        assert _state() == before, f"{cell.id}: a refused request changed data"


def test_every_cell_is_a_test_of_its_own():
    """pytest would run two cells of one id once; a matrix that lost its routes would pass with few cells."""
    ids = [cell.id for cell in CELLS]
    assert len(set(ids)) == len(ids)
    assert CELL_COUNT > 1000


def _billing_approves_the_write_off(world: matrix.World, client_for, refusals: list[str]) -> tuple[Outcome, bool]:
    cell = next(cell for cell in CELLS if cell.id == "POST disputes:adjustment-approve own billing")
    client = client_for(world.users[matrix.BILLING])
    before = _state()
    response = _send(client, cell, _url(cell, world))
    return outcome_of(cell, response, refusals), _state() == before


def test_billing_is_refused_the_write_off_with_a_message(world, client_for, db, domain_refusals):
    assert _billing_approves_the_write_off(world, client_for, domain_refusals) == (REFUSED_WITH_MESSAGE, True)


def test_a_page_that_lets_billing_approve_the_write_off_fails_its_cell(
    world, client_for, db, domain_refusals, monkeypatch
):
    """The cell's expectation can fail: with the approval rule gone, billing's request is allowed and posts."""
    monkeypatch.setattr(dispute_permissions, "adjustment_request_refusal", lambda user, adjustment, **kwargs: None)

    assert _billing_approves_the_write_off(world, client_for, domain_refusals) == (ALLOWED, False)


# --- Lists show only what the caller may see ----------------------------------------------------------------

PORTAL_LISTS = {
    "portal:portal-bills": lambda side: f"/bills/{side.invoice.pk}/",
    "portal:portal-complaints": lambda side: side.complaint.invoice.number,
    "portal:portal-messages": lambda side: side.message.subject,
}


def _other_patients_markers(side: matrix.Side) -> list[str]:
    invoices = [side.invoice, side.plan_invoice, side.deferral_invoice, side.closed_complaint.invoice]
    return [
        side.patient.name,
        side.message.subject,
        *(str(invoice.number) for invoice in invoices),
        *(f"/bills/{invoice.pk}/" for invoice in invoices),
        f"/complaints/{side.complaint.pk}/",
        f"/messages/{side.message.pk}/",
    ]


@pytest.mark.parametrize("persona", [matrix.PATIENT, matrix.PROXY])
@pytest.mark.parametrize("name", sorted(PORTAL_LISTS))
def test_portal_lists_show_the_callers_account_and_nothing_of_another_patient(world, client_for, db, name, persona):
    own, other = world.sides[OWN], world.sides[OTHER]
    response = client_for(world.users[persona]).get(reverse(name, kwargs={"patient_id": own.patient.pk}))
    page = response.content.decode()
    assert response.status_code == 200
    assert PORTAL_LISTS[name](own) in page
    assert [marker for marker in _other_patients_markers(other) if marker in page] == []


def test_the_portal_home_takes_a_proxy_to_the_granted_account_only(world, client_for, db):
    response = client_for(world.users[matrix.PROXY]).get(reverse("portal:portal-home"))
    assert response["Location"] == reverse("portal:portal-bills", kwargs={"patient_id": world.sides[OWN].patient.pk})


@pytest.mark.parametrize("persona", [matrix.PATIENT, matrix.PROXY])
def test_staff_search_results_are_staff_only(world, client_for, db, persona):
    other = world.sides[OTHER].patient
    response = client_for(world.users[persona]).get(
        reverse("frontdesk:patient-search"), {"q": other.name}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert other.name not in response.content.decode()


# --- The Django admin: none of the personas gets in ---------------------------------------------------------


@pytest.mark.parametrize("persona", matrix.PERSONAS)
@pytest.mark.parametrize("path", ["/admin/", "/admin/patients/patient/", "/admin/invoices/ledgerentry/"])
def test_no_persona_gets_into_the_django_admin(world, client_for, db, persona, path):
    user = world.users[persona]
    response = (Client() if user is None else client_for(user)).get(path)
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert urlsplit(response["Location"]).path.endswith(LOGIN_PATHS)


# --- Four eyes: who may approve an adjustment is decided per request, not only per role ----------------------


def _approve(client: Client, via: str, adjustment_id: int):
    if via == "page":
        return client.post(reverse("disputes:adjustment-approve", args=[adjustment_id]), {"note": "ok"})
    url = reverse("api-adjustment-approve", args=[adjustment_id])
    return client.post(url, '{"note": "ok"}', content_type="application/json")


@pytest.mark.parametrize("via", ["page", "api"])
def test_only_the_office_manager_approves_above_the_threshold(world, client_for, db, via):
    """Billing holds the approval permission, but the world's write-off is above the policy's threshold."""
    adjustment = world.sides[OWN].adjustment
    entries = LedgerEntry.objects.count()

    _approve(client_for(world.users[matrix.BILLING]), via, adjustment.pk)
    adjustment.refresh_from_db()
    assert (adjustment.status, LedgerEntry.objects.count()) == (AdjustmentRequest.Status.PENDING, entries)

    _approve(client_for(world.users[matrix.MANAGER]), via, adjustment.pk)
    adjustment.refresh_from_db()
    assert (adjustment.status, LedgerEntry.objects.count()) == (AdjustmentRequest.Status.APPROVED, entries + 1)


@pytest.mark.parametrize("via", ["page", "api"])
def test_nobody_approves_their_own_request(world, client_for, db, via):
    manager = world.users[matrix.MANAGER]
    invoice = overdue_invoice(world.sides[OWN].patient, days=15, lines=matrix.LINES)
    complaint = complaint_about(
        invoice, description="Charged twice for one visit.", category="care_quality", by=manager
    )
    own_request = dispute_services.complaint_accept_proposal(complaint_id=complaint.pk, by=manager)
    entries = LedgerEntry.objects.count()

    _approve(client_for(manager), via, own_request.pk)

    own_request.refresh_from_db()
    assert (own_request.status, LedgerEntry.objects.count()) == (AdjustmentRequest.Status.PENDING, entries)
