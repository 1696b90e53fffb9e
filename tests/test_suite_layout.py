"""The test suite's own layout: builders have one home (tests/factories.py) and no test module imports another,
so a helper is found in one place and a test module can be moved or deleted on its own."""

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(), filename=str(path)) for path in sorted(TESTS.rglob("*.py"))}


def _imported_modules(path: Path, tree: ast.Module) -> list[str]:
    package = ".".join(path.relative_to(TESTS.parent).parent.parts)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            names += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return names


def test_no_test_module_imports_another_test_module():
    found = [
        f"{path.relative_to(TESTS.parent)} imports {name}"
        for path, tree in _modules().items()
        for name in _imported_modules(path, tree)
        if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert found == [], "move what they share to tests/factories.py or a conftest fixture"


def test_no_module_declares_a_builder_of_its_own():
    builders = {
        node.name
        for node in ast.parse((TESTS / "factories.py").read_text()).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    found = [
        f"{path.relative_to(TESTS.parent)}:{node.lineno} {node.name}"
        for path, tree in _modules().items()
        if path.name != "factories.py"
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in builders
    ]
    assert found == [], "import these from tests/factories.py instead of declaring them again"
