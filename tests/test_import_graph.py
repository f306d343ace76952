"""The package order of docs/architecture.md ("As built" table) holds in the code: no module imports a
package listed further down the table, packages sharing a row never import each other, and every
package of src/clipcrowd has its row."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "clipcrowd"
DOC = ROOT / "docs" / "architecture.md"


def layers(doc: str) -> list[list[str]]:
    """The first column of the "As built" table, top to bottom: the names (`domain/`, `cli.py`) of each row."""
    section = doc.split("## As built", 1)[1]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            if rows and not line.startswith("|"):
                break
            continue
        first = line.split("|")[1]
        rows.append([name.rstrip("/").removesuffix(".py") for name in re.findall(r"`([^`]+)`", first)])
    return rows


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "clipcrowd" and len(parts) > 1 else None


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import of `path`, at any depth (inside functions too)."""
    module = ".".join(("clipcrowd", *path.relative_to(SOURCE).with_suffix("").parts))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield node.lineno, f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.lineno, node.module


def violations(rows: list[list[str]]) -> list[str]:
    rank = {name: i for i, row in enumerate(rows) for name in row}
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        own = package_of(".".join(("clipcrowd", *path.relative_to(SOURCE).with_suffix("").parts)))
        if own is None or own == "__init__":
            continue
        for line, target in imports(path):
            other = package_of(target)
            if other is None or other == own or other not in rank:
                continue
            if rank[other] >= rank[own]:
                where = "in its own row" if rank[other] == rank[own] else "further down"
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target} ({other} is {where} than {own})")
    return found


def test_every_package_has_a_row() -> None:
    listed = {name for row in layers(DOC.read_text()) for name in row}
    present = {p.name for p in SOURCE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    present |= {p.stem for p in SOURCE.glob("*.py") if p.stem != "__init__"}
    assert present - listed == set(), f"add these to the 'As built' table of {DOC.name}"


def test_imports_only_point_up_the_table() -> None:
    found = violations(layers(DOC.read_text()))
    assert found == [], "\n".join(found)


def test_the_check_sees_an_arrow_the_wrong_way() -> None:
    """The same check over the table turned upside down must find the arrows that exist today."""
    rows = layers(DOC.read_text())
    assert len(rows) > 8 and ["domain"] in rows
    found = violations(rows[::-1])
    assert any("imports clipcrowd.domain" in f for f in found)
    assert any("src/clipcrowd/services/" in f and "imports clipcrowd.store" in f for f in found)
