"""Generating a Python client from the API's schema with openapi-python-client, as an integrator does with the
configuration docs/api.md gives: shared by the schema test and the nightly-sync test that drives the client."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

CLIENT_CONFIG = Path(__file__).resolve().parents[2] / "docs" / "openapi-python-client.yaml"


def client_generate(*, schema: dict[str, Any], into: Path, package: str = "client") -> subprocess.CompletedProcess[str]:
    """Run openapi-python-client on `schema`, writing the package `package` into the folder `into`."""
    source = into / "schema.json"
    source.write_text(json.dumps(schema), encoding="utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    return subprocess.run(  # noqa: S603 - the generator beside our interpreter, with fixed arguments
        [
            *(str(generator), "generate", "--path", str(source), "--meta", "none"),
            *("--output-path", str(into / package), "--config", str(CLIENT_CONFIG)),
        ],
        cwd=into,
        # The generator formats what it wrote with ruff, found on the PATH beside it.
        env={**os.environ, "PATH": f"{generator.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def client_import(*, folder: Path, package: str) -> ModuleType:
    """Import a generated package from `folder` (put first on sys.path), with its `models` and `types` as
    attributes; its operations are modules under `<package>.api`. `client_forget` undoes it."""
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    for module in ("models", "types"):
        importlib.import_module(f"{package}.{module}")
    return importlib.import_module(package)


def client_forget(*, folder: Path, package: str) -> None:
    """Take a generated package out of the process again, so that a later test generates and imports afresh."""
    if str(folder) in sys.path:
        sys.path.remove(str(folder))
    for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        del sys.modules[name]
