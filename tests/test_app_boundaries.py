"""No app writes another app's models: it calls that app's service.

import-linter (`make lint`) holds the apps to their layers; it cannot see *what* a module does with what it
imports. This scan does: a model class imported from another app's `models` (or `interface`) module may be read
(`.objects.filter`, `.objects.get` …) but not written through its manager (`create`, `update`, `delete` …) nor
constructed. Writes go through the owning app's services, which keep its invariants and its audit trail.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "update", "delete"}


def project_apps() -> dict[str, Path]:
    """Our apps (not Django's or a library's): label of the package → its folder."""
    found = {}
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path.parent == ROOT:
            found[path.name] = path
    return found


def is_model(package: str, name: str) -> bool:
    try:
        apps.get_model(package, name)
    except LookupError:
        return False
    return True


def model_names_from_other_apps(tree: ast.Module, own: str, packages: set[str]) -> dict[str, str]:
    """Models bound by `from <other app>.models|interface import X` → that app's package (choices are not models)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            package, _, module = node.module.partition(".")
            if package in packages and package != own and module in {"models", "interface"}:
                for alias in node.names:
                    if is_model(package, alias.name):
                        names[alias.asname or alias.name] = package
    return names


def base_name(node: ast.expr) -> ast.expr:
    """`X.objects.filter(...).update` → the `X.objects` at the root of the chain (or whatever is there)."""
    while True:
        if isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name) and node.attr == "objects"):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return node


def writes_to_other_apps(source: str, where: str, own: str, packages: set[str]) -> list[str]:
    tree = ast.parse(source, filename=where)
    foreign = model_names_from_other_apps(tree, own, packages)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in foreign:
            found.append(f"{where}:{node.lineno} constructs {foreign[func.id]}'s {func.id}")
        if isinstance(func, ast.Attribute) and func.attr in WRITES:
            root = base_name(func.value)
            if (
                isinstance(root, ast.Attribute)
                and root.attr == "objects"
                and isinstance(root.value, ast.Name)
                and root.value.id in foreign
            ):
                found.append(f"{where}:{node.lineno} {func.attr}() on {foreign[root.value.id]}'s {root.value.id}")
    return found


def test_the_scan_sees_a_write_to_another_apps_model() -> None:
    source = (
        "from invoices.models import Invoice, InsuranceStatus, LedgerEntry\n"
        "def f():\n"
        "    Invoice.objects.filter(pk=1).update(status='paid')\n"
        "    LedgerEntry.objects.create(amount=1)\n"
        "    Invoice(patient_id=1)\n"
        "    InsuranceStatus('settled')\n"
        "    return Invoice.objects.filter(pk=1).count()\n"
    )
    assert sorted(writes_to_other_apps(source, "probe.py", "disputes", {"invoices", "disputes"})) == [
        "probe.py:3 update() on invoices's Invoice",
        "probe.py:4 create() on invoices's LedgerEntry",
        "probe.py:5 constructs invoices's Invoice",
    ]


@pytest.mark.parametrize("label", sorted(project_apps()))
def test_no_app_writes_another_apps_models(label: str) -> None:
    packages = set(project_apps())
    folder = project_apps()[label]
    found = []
    for path in sorted(folder.rglob("*.py")):
        if "migrations" not in path.parts:
            found += writes_to_other_apps(path.read_text(), str(path.relative_to(ROOT)), label, packages)
    assert found == [], "Call the owning app's service instead:\n" + "\n".join(found)
