"""Every third-party module the portal imports is a declared runtime dependency.

The image installs ``[project] dependencies`` only (``uv sync --no-dev``), so a module that
arrives in the development environment through the ``dev`` extra, or only as another
package's dependency, works in every test and fails in production. These tests read the
runtime code's imports (and the dotted paths settings hand to Django) and map each one to
the distribution that installs it.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Top-level packages that are not shipped: they may import the dev extra.
NOT_SHIPPED = {"tests"}
FIRST_PARTY = {path.parent.name for path in ROOT.glob("*/__init__.py")}
RUNTIME_PACKAGES = sorted(FIRST_PARTY - NOT_SHIPPED)
DOTTED_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def normalise(name: str) -> str:
    """A distribution's name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r).group()) for r in requirements}


RUNTIME_DEPENDENCIES = requirement_names(PYPROJECT["project"]["dependencies"])
DISTRIBUTIONS = {
    module: {normalise(name) for name in names}
    for module, names in importlib.metadata.packages_distributions().items()
}


def runtime_files() -> list[Path]:
    files = [ROOT / "manage.py"]
    for package in RUNTIME_PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class ImportCollector(ast.NodeVisitor):
    """Absolute imports anywhere in a module (functions too), minus ``if TYPE_CHECKING:``."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.names.update(alias.name.partition(".")[0] for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self.names.add(node.module.partition(".")[0])


def third_party(names: set[str]) -> set[str]:
    return {n for n in names if n not in sys.stdlib_module_names and n not in FIRST_PARTY}


def imported_modules() -> dict[str, set[str]]:
    """Each third-party top-level module imported by runtime code, with the files importing it."""
    found: dict[str, set[str]] = {}
    for path in runtime_files():
        collector = ImportCollector()
        collector.visit(ast.parse(path.read_text(), filename=str(path)))
        for name in third_party(collector.names):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def settings_dotted_paths() -> dict[str, set[str]]:
    """Modules that settings name as strings (apps, middleware, backends) for Django to load."""
    found: dict[str, set[str]] = {}
    path = ROOT / "civicportal" / "settings.py"
    for node in ast.walk(ast.parse(path.read_text())):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and DOTTED_PATH.fullmatch(node.value):
            module = node.value.partition(".")[0]
            # Only names some installed distribution provides: "htmx.org" is a file name.
            if module in DISTRIBUTIONS and module in third_party({module}):
                found.setdefault(module, set()).add(node.value)
    return found


def undeclared(modules: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, where in sorted(modules.items()):
        distributions = DISTRIBUTIONS.get(module)
        if not distributions:
            problems.append(f"{module}: no installed distribution provides it ({sorted(where)})")
        elif not distributions & RUNTIME_DEPENDENCIES:
            problems.append(
                f"{module} (from {'/'.join(sorted(distributions))}) is used by {sorted(where)} "
                "but is not in [project] dependencies"
            )
    return problems


def test_runtime_packages_are_the_shipped_apps():
    assert {"civicportal", "proposals", "consultations", "budgeting", "alerts", "community"} <= set(
        RUNTIME_PACKAGES
    )
    assert len(runtime_files()) > 100


def test_every_runtime_import_is_a_declared_runtime_dependency():
    modules = imported_modules()
    assert {"django", "celery", "lxml"} <= set(modules)  # the walk sees the code
    assert not undeclared(modules), "\n".join(undeclared(modules))


def test_every_module_settings_name_is_a_declared_runtime_dependency():
    modules = settings_dotted_paths()
    assert {"allauth", "whitenoise", "csp"} <= set(modules)
    assert not undeclared(modules), "\n".join(undeclared(modules))


def test_the_dev_extra_repeats_no_runtime_dependency():
    """A package in both lists would look optional to one reader and required to the other."""
    dev = requirement_names(PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert not dev & RUNTIME_DEPENDENCIES
