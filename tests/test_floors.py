"""The platform's floors (STYLE.md §1, issue 19): an import only ever goes down a floor.

    kernel (1)  <  accounts (2)  <  notifications (3)  <  core, the participation pieces (4)
    <  audience, who takes part (5)

Every import in these packages is read, also those inside functions, under TYPE_CHECKING and
in migrations. No import goes up a floor: code a lower floor needs moves down to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {"kernel": 1, "accounts": 2, "notifications": 3, "core": 4, "audience": 5}


def _imported(node: ast.AST) -> list[str]:
    """The platform modules an import statement names (absolute imports: the code uses no
    relative ones across packages)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        if node.module == "civicportal":  # from civicportal import core
            return [f"civicportal.{alias.name}" for alias in node.names]
        return [node.module]
    return []


def upward_imports(root: Path = ROOT) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for package, floor in FLOORS.items():
        for path in sorted((root / "civicportal" / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                for name in _imported(node):
                    parts = name.split(".")
                    if (
                        len(parts) >= 2
                        and parts[0] == "civicportal"
                        and FLOORS.get(parts[1], 0) > floor
                    ):
                        found.add((path.relative_to(root).as_posix(), name))
    return found


def test_no_import_goes_up_a_floor():
    found = upward_imports()
    assert found == set(), f"imports going up a floor (move the code down instead): {sorted(found)}"


def test_the_scan_sees_imports_inside_functions_and_from_the_package(tmp_path):
    accounts = tmp_path / "civicportal" / "accounts"
    accounts.mkdir(parents=True)
    (accounts / "late.py").write_text(
        "def f():\n    from civicportal.core.models import Comment\n",
        encoding="utf-8",
    )
    (accounts / "package.py").write_text("from civicportal import notifications\n")
    (accounts / "down.py").write_text("import civicportal.kernel.audit\n")
    assert upward_imports(tmp_path) == {
        ("civicportal/accounts/late.py", "civicportal.core.models"),
        ("civicportal/accounts/package.py", "civicportal.notifications"),
    }
