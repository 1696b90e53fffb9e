"""The lifecycle mechanism (clinic_billing.lifecycle): one table per model, one history row per change."""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Field, Model

from clinic_billing.exceptions import InvalidTransition
from clinic_billing.lifecycle import Lifecycle, StatusChange, lifecycle_of, may_transition, transition, transition_rows
from invoices.models import Invoice, InvoiceStatusChange
from tests.factories import draft_invoice

Status = Invoice.Status


def test_a_table_naming_a_target_without_its_own_row_is_refused_when_declared():
    with pytest.raises(ValueError, match="void"):
        Lifecycle(transitions={"draft": {"void"}}, history="X", subject="x", refusal="%(from)s %(to)s")


@pytest.mark.django_db
def test_a_transition_saves_the_status_and_writes_who_when_from_to_and_why(patient, billing):
    invoice = draft_invoice(patient)

    transition(invoice, Status.VOID, by=billing, reason="  typed twice  ")

    invoice.refresh_from_db()
    assert invoice.status == Status.VOID
    change = InvoiceStatusChange.objects.get(invoice=invoice)
    assert (change.from_status, change.to_status, change.changed_by, change.reason) == (
        Status.DRAFT,
        Status.VOID,
        billing,
        "typed twice",
    )
    assert change.changed_at is not None
    assert str(change) == f"{invoice.pk}: draft → void"


@pytest.mark.django_db
def test_a_transition_the_table_does_not_allow_is_refused_and_changes_nothing(patient, billing):
    invoice = draft_invoice(patient)
    transition(invoice, Status.VOID, by=billing)

    assert not may_transition(invoice, Status.ISSUED)
    with pytest.raises(InvalidTransition, match="cancelled draft invoice cannot become issued"):
        transition(invoice, Status.ISSUED, by=billing)

    invoice.refresh_from_db()
    assert invoice.status == Status.VOID
    assert InvoiceStatusChange.objects.filter(invoice=invoice).count() == 1


@pytest.mark.django_db
def test_a_batch_moves_only_the_rows_whose_table_allows_it_with_one_history_row_each(
    patient, billing, django_assert_num_queries
):
    drafts = [draft_invoice(patient) for _ in range(3)]
    transition(drafts[0], Status.VOID, by=billing)

    # Read, update, history: three; Invoice's audited manager adds its locked read and the audit entries.
    with django_assert_num_queries(5):
        moved = transition_rows(Invoice.objects.filter(patient=patient), Status.VOID, by=billing, reason="batch")

    assert sorted(moved) == sorted(invoice.pk for invoice in drafts[1:])
    assert set(Invoice.objects.filter(patient=patient).values_list("status", flat=True)) == {Status.VOID}
    assert InvoiceStatusChange.objects.filter(reason="batch").count() == 2


# --- Guards: nothing writes a status field but the lifecycle ------------------------------------------------

ROOT = Path(settings.BASE_DIR)
# Every package of the project (the apps, clinic_billing, clinic_calendar, bench): not the tests, not .venv.
SCANNED_PACKAGES = sorted(path.parent for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests")
MECHANISM = Path("clinic_billing/lifecycle.py")


@dataclass(frozen=True)
class StatusWrite:
    path: str
    function: str
    line: int
    what: str


def _constant_strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {element.value for element in node.elts if isinstance(element, ast.Constant)}  # type: ignore[misc]
    return set()


def _dotted(node: ast.AST) -> list[str] | None:
    """`Reminder.Status.QUEUED` as ["Reminder", "Status", "QUEUED"]; None for anything else."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else [*head, node.attr]
    return None


def _models_named(name: str) -> list[type[Model]]:
    return [model for model in apps.get_models() if model.__name__ == name]


def _is_initial_status(call: ast.Call, value: ast.expr) -> bool:
    """Whether `Model(status=value)` creates the row in its model's initial status (the field's default)."""
    constructor = _dotted(call.func)
    models = _models_named(constructor[-1]) if constructor else []
    if len(models) != 1:
        return False
    model = models[0]
    status: object
    if isinstance(value, ast.Constant):
        status = value.value
    else:
        path = _dotted(value)
        if not path or path[0] != model.__name__:
            return False
        status = model
        for name in path[1:]:
            status = getattr(status, name, None)
    field = model._meta.get_field("status")
    return isinstance(field, Field) and status is not None and str(status) == str(field.default)


class _StatusWrites(ast.NodeVisitor):
    """Assignments to `.status`, `setattr(..., "status", ...)`, `update(status=...)`, `bulk_update(...,
    ["status", ...])` and `Model(status=...)` (other than the initial status) inside a `bulk_create(...)`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.scope: list[str] = []
        self.found: list[StatusWrite] = []

    def _add(self, node: ast.AST, what: str) -> None:
        self.found.append(StatusWrite(self.path, ".".join(self.scope) or "<module>", node.lineno, what))  # type: ignore[attr-defined]

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def _targets(self, node: ast.AST, targets: list[ast.expr]) -> None:
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr == "status" and isinstance(part.ctx, ast.Store):
                    self._add(node, "assigns .status")

    def visit_Assign(self, node: ast.Assign) -> None:
        self._targets(node, node.targets)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._targets(node, [node.target])
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._targets(node, [node.target])
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        keywords = {keyword.arg for keyword in node.keywords}
        second = node.args[1] if len(node.args) > 1 else None
        if name == "setattr" and isinstance(second, ast.Constant) and second.value == "status":
            self._add(node, 'setattr(..., "status", ...)')
        if name == "update" and "status" in keywords:
            self._add(node, "update(status=...)")
        if name == "bulk_update":
            fields = [*node.args[1:2], *(keyword.value for keyword in node.keywords if keyword.arg == "fields")]
            if any("status" in _constant_strings(field) for field in fields):
                self._add(node, 'bulk_update(..., ["status", ...])')
        if name == "bulk_create":
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                for inner in ast.walk(argument):
                    if not isinstance(inner, ast.Call):
                        continue
                    for keyword in inner.keywords:
                        if keyword.arg == "status" and not _is_initial_status(inner, keyword.value):
                            self._add(inner, "Model(status=...) in bulk_create")
        self.generic_visit(node)


def status_writes(source: str, path: str) -> list[StatusWrite]:
    visitor = _StatusWrites(path)
    visitor.visit(ast.parse(source))
    return visitor.found


def app_status_writes() -> list[StatusWrite]:
    found = []
    for package in SCANNED_PACKAGES:
        for file in sorted(package.rglob("*.py")):
            relative = file.relative_to(ROOT)
            if "migrations" in relative.parts or relative == MECHANISM:
                continue
            found += status_writes(file.read_text(encoding="utf-8"), relative.as_posix())
    return found


@pytest.mark.django_db
def test_it_writes_a_status_field_only_through_the_lifecycle():
    assert app_status_writes() == [], "Move these through clinic_billing.lifecycle.transition() or transition_rows()"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("def f(plan):\n    plan.status = 'broken'", "assigns .status"),
        ("def f(a, b):\n    a.x, b.status = 1, 2", "assigns .status"),
        ("def f(plan):\n    setattr(plan, 'status', 'broken')", 'setattr(..., "status", ...)'),
        ("def f(qs):\n    qs.filter(pk=1).update(status='sent', sent_at=None)", "update(status=...)"),
        ("def f(qs, rows):\n    qs.bulk_update(rows, ['status'])", 'bulk_update(..., ["status", ...])'),
        ("def f(qs, rows):\n    qs.bulk_update(rows, fields=('fee', 'status'))", 'bulk_update(..., ["status", ...])'),
        (
            "def f():\n    Reminder.objects.bulk_create([Reminder(step=1, status=Reminder.Status.SENT)])",
            "Model(status=...) in bulk_create",
        ),
        (
            "def f(rows):\n    Reminder.objects.bulk_create(Reminder(step=n, status='skipped') for n in rows)",
            "Model(status=...) in bulk_create",
        ),
    ],
)
def test_the_scan_finds_every_kind_of_hand_written_status(source, what):
    assert [(write.function, write.what) for write in status_writes(source, "x.py")] == [("f", what)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    Reminder.objects.bulk_create([Reminder(step=1), Reminder(step=2)])",
        "def f():\n    Reminder.objects.bulk_create([Reminder(step=1, status=Reminder.Status.QUEUED)])",
        "def f():\n    Instalment.objects.bulk_create([Instalment(number=1, status='due')])",
        "def f():\n    Complaint.objects.create(status=Complaint.Status.OPEN)",
        "def f(qs):\n    qs.filter(status='sent').update(dispatched_at=None)",
        "def f(request):\n    return Response({}, status=201)",
        "def f(plan):\n    return plan.status == 'active'",
    ],
)
def test_the_scan_allows_reads_and_rows_created_in_their_initial_status(source):
    assert status_writes(source, "x.py") == []


def _project_models_with_a_status() -> list[type[Model]]:
    models = []
    for config in apps.get_app_configs():
        if not Path(config.path).resolve().is_relative_to(ROOT) or ".venv" in Path(config.path).parts:
            continue
        for model in config.get_models():
            field = next((f for f in model._meta.concrete_fields if f.name == "status"), None)
            if field is not None and field.choices:
                models.append(model)
    return models


def test_every_status_field_with_choices_declares_a_lifecycle_over_exactly_its_choices():
    checked = []
    for model in _project_models_with_a_status():
        cycle = lifecycle_of(model)
        field = model._meta.get_field("status")
        assert isinstance(field, Field)
        choices = {str(value) for value, _label in field.flatchoices}
        assert cycle.states == choices, model._meta.label
        history = cycle.history_model(model)
        assert issubclass(history, StatusChange), model._meta.label
        assert history._meta.get_field(cycle.subject).related_model is model, model._meta.label
        checked.append(model._meta.label)
    assert {
        "invoices.Invoice",
        "disputes.Complaint",
        "patient_collections.Reminder",
        "patient_collections.PaymentPlan",
        "patient_collections.Instalment",
        "disputes.AdjustmentRequest",
        "patient_collections.CollectionCase",
    } <= set(checked)
