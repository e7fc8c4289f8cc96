"""The app layering contract (pyproject.toml [tool.importlinter], run by `make lint`).

The real tree keeps it, and a forbidden import added to a scratch copy of the tree breaks
it: the contract can fail (docs/decisions/0006-layered-apps.md).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "migrations", "static", "data")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # The tool analyses the packages importable from its working directory first.
    return subprocess.run(  # noqa: S603 - fixed arguments
        [*LINT, "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def contract_config() -> str:
    """The [tool.importlinter] tables of the real pyproject.toml, as a file of their own."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    linter = config["tool"]["importlinter"]
    lines = ["[tool.importlinter]"]
    lines += [f"{key} = {_toml(value)}" for key, value in linter.items() if key != "contracts"]
    for contract in linter["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    return "\n".join(lines) + "\n"


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A copy of the packages the contract reads, with the contract beside them."""
    for package in ("ipms", "config"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=COPY_IGNORE)
    (tmp_path / "pyproject.toml").write_text(contract_config(), encoding="utf-8")
    return tmp_path


def test_the_layer_order_is_declared():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    assert layers["type"] == "layers"
    assert layers["layers"] == [
        "ipms.demo",
        "ipms.reviews",
        "ipms.credentials",
        "ipms.exams",
        "ipms.learning",
        "ipms.content",
        # support sits above accounts, beside enterprises: neither imports the other.
        "ipms.enterprises | ipms.support",
        "ipms.accounts",
        "ipms.core",
    ]


def test_the_real_tree_keeps_the_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_scratch_copy_keeps_them_until_core_imports_accounts(scratch):
    assert lint_imports(scratch).returncode == 0

    phone = scratch / "ipms" / "core" / "phone.py"
    phone.write_text(
        phone.read_text(encoding="utf-8") + "\nfrom ipms.accounts.models import User  # noqa\n",
        encoding="utf-8",
    )
    result = lint_imports(scratch)
    assert result.returncode != 0
    assert "ipms.core is not allowed to import ipms.accounts" in result.stdout
    assert "ipms.core.phone -> ipms.accounts.models" in result.stdout


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("accounts/views.py", "ipms.enterprises.selectors"),
        ("enterprises/views.py", "ipms.content.models"),
        ("content/views.py", "ipms.learning.selectors"),
        ("learning/views.py", "ipms.demo.media"),
    ],
)
def test_each_upward_import_breaks_the_contract(scratch, importer, imported):
    module = scratch / "ipms" / importer
    module.write_text(
        module.read_text(encoding="utf-8") + f"\nimport {imported}  # noqa\n", encoding="utf-8"
    )
    result = lint_imports(scratch)
    assert result.returncode != 0
    lower = "ipms." + importer.split("/")[0]
    higher = ".".join(imported.split(".")[:2])
    assert f"{lower} is not allowed to import {higher}" in result.stdout


def test_tests_may_import_any_app(scratch):
    module = scratch / "ipms" / "core" / "tests" / "test_scratch.py"
    module.write_text("from ipms.demo import media  # noqa\n", encoding="utf-8")
    assert lint_imports(scratch).returncode == 0
