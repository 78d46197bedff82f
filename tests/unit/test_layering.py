"""The packages beside the DAGs know nothing of Airflow (STYLE.md, rule 2), and each
imports only the layers below it: schemas < transforms < feeds < pipeline < dags.

Inside a package the same holds one level down: the modules and sub-packages of any
package import each other without a cycle (imports only a type checker reads are not
counted: they load nothing)."""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

PACKAGES = ("schemas", "transforms", "feeds", "pipeline")
"""Bottom to top: a package may import the ones before it, never the ones after."""


def _imports(path: Path, *, at_runtime: bool = False) -> set[str]:
    """The modules `path` imports, anywhere in it; with `at_runtime`, leaving out those
    under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if at_runtime:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
                node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _packages() -> list[Path]:
    """Every package under the layers, the layers themselves first."""
    return [
        folder
        for layer in PACKAGES
        for folder in [ROOT / layer, *sorted((ROOT / layer).rglob("*"))]
        if (folder / "__init__.py").is_file()
    ]


def _parts_graph(package: Path, root: Path = ROOT) -> dict[str, set[str]]:
    """Which of `package`'s parts (its modules and sub-packages) each part imports."""
    dotted = ".".join(package.relative_to(root).parts) + "."
    parts = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    graph: dict[str, set[str]] = {part: set() for part in parts}
    for path in package.rglob("*.py"):
        part = path.relative_to(package).parts[0].removesuffix(".py")
        if part not in parts:
            continue  # the package's own __init__
        for name in _imports(path, at_runtime=True):
            if name.startswith(dotted):
                other = name.removeprefix(dotted).split(".")[0]
                if other != part and other in parts:
                    graph[part].add(other)
    return graph


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_airflow(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in _imports(path) if n.split(".")[0] == "airflow"
        )
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_module_loads_no_airflow() -> None:
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'airflow'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    above = set(PACKAGES[PACKAGES.index(package) + 1 :]) | {"dags"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _imports(path) if n.split(".")[0] in above)
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_layering_check_sees_an_import_inside_a_function(tmp_path: object) -> None:
    module = tmp_path / "m.py"  # type: ignore[operator]
    module.write_text("def f():\n    from feeds.google import GoogleFeed\n")
    assert "feeds.google" in _imports(module)


@pytest.mark.parametrize(
    "package", _packages(), ids=lambda path: ".".join(path.relative_to(ROOT).parts)
)
def test_the_parts_of_a_package_import_each_other_without_a_cycle(package: Path) -> None:
    try:
        order = list(TopologicalSorter(_parts_graph(package)).static_order())
    except CycleError as error:
        pytest.fail(f"{package.relative_to(ROOT)}: import cycle {' -> '.join(error.args[1])}")
    assert order  # every package has at least one part


def test_the_cycle_check_sees_a_cycle_and_ignores_type_checking_imports(tmp_path: Path) -> None:
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from probe.b import B\nA = 1\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from probe.a import A\nB = 2\n"
    )
    assert _parts_graph(package, tmp_path) == {"a": {"b"}, "b": set()}
    (package / "b.py").write_text("def f():\n    from probe.a import A\n")
    assert _parts_graph(package, tmp_path) == {"a": {"b"}, "b": {"a"}}
    with pytest.raises(CycleError):
        list(TopologicalSorter(_parts_graph(package, tmp_path)).static_order())
