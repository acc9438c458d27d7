"""The folders show the design (DESIGN §1): a pure core, the edges, one package per capability, the CLI on top.

The import graph is read from the source with `ast`: every `import` and `from ... import`, at the top of a
module or inside a function, counts. The tests fail on an import circle anywhere, on an import from the
core to anything but the core, on an import from an edge to a use case or the CLI, and on a module or a
function that grew past the sizes the house style allows.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dunner"
CAPABILITIES = ("ledger", "documents", "dunning", "insight", "bank", "einvoicing", "setup")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# The core takes plain values: no file, network, database, clock or configuration of its own.
IMPURE = {
    "os",
    "io",
    "sys",
    "pathlib",
    "shutil",
    "tempfile",
    "socket",
    "smtplib",
    "ssl",
    "subprocess",
    "sqlite3",
    "psycopg",
    "sqlalchemy",
    "sqlmodel",
    "tomllib",
    "jinja2",
    "fpdf",
    "segno",
    "typer",
    "rich",
    "time",
    "zoneinfo",
    "email",
    "mailbox",
    "urllib",
    "http",
}
CLOCK = ("today", "now", "utcnow", "time", "monotonic")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in SRC.rglob("*.py")}


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def imports(name: str) -> set[str]:
    """The modules `name` imports, anywhere in it, resolved to dunner modules or top-level packages."""
    known, found = modules(), set()
    package = name if modules()[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target not in known and "." in target and target.startswith("dunner."):
                target = target.rpartition(".")[0]
            found.add(target if target.startswith("dunner") else target.split(".")[0])
    return found - {name}


def layer(name: str) -> str:
    parts = name.split(".")
    if len(parts) < 2 or parts[1] == "__main__":
        return "top"
    return parts[1] if parts[1] in ("core", "edges", "cli") else "use case" if parts[1] in CAPABILITIES else "?"


def graph() -> dict[str, set[str]]:
    return {name: {m for m in imports(name) if m in modules()} for name in modules()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_is_in_a_layer():
    assert [n for n in modules() if layer(n) == "?"] == []


def test_no_import_circle_anywhere():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


ALLOWED = {
    "core": {"core"},
    "edges": {"core", "edges"},
    "use case": {"core", "edges", "use case"},
    "cli": {"core", "edges", "use case", "cli", "top"},
    "top": {"top", "cli"},
}


def test_each_layer_imports_only_the_layers_below_it():
    wrong = sorted(
        f"{name} ({layer(name)}) imports {target} ({layer(target)})"
        for name, targets in graph().items()
        for target in targets
        if layer(target) not in ALLOWED[layer(name)] and target != "dunner"
    )
    assert wrong == []


def test_the_core_is_pure():
    impure = []
    for name in (n for n in modules() if layer(n) == "core"):
        impure += [f"{name} imports {m}" for m in sorted(imports(name) & IMPURE)]
        for node in ast.walk(tree(name)):
            if isinstance(node, ast.Attribute) and node.attr in CLOCK and isinstance(node.ctx, ast.Load):
                impure.append(f"{name} reads the clock ({ast.unparse(node)}), line {node.lineno}")
    assert impure == []


def test_no_module_is_too_long():
    long = {n: len(p.read_text().splitlines()) for n, p in modules().items()}
    assert {n: size for n, size in long.items() if size > MAX_MODULE_LINES} == {}


def test_no_function_is_too_long():
    long = [
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for name in modules()
        for node in ast.walk(tree(name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


@pytest.mark.parametrize("package", ["core", "edges", "edges.storage", *CAPABILITIES, "cli"])
def test_each_package_says_what_lives_there_and_what_it_may_import(package):
    doc = ast.get_docstring(tree(f"dunner.{package}")) or ""
    assert len(doc.split()) >= 12 and "import" in doc, doc


# What each capability may build on, as the packages' docstrings say: the ledger on none, the documents and
# the insight on the ledger, the dunning on those three and on the bank and the platform (remind reads them
# first), and getting started on everything.
BUILDS_ON = {
    "ledger": set(),
    "documents": {"ledger"},
    "insight": {"ledger"},
    "bank": {"ledger"},
    "einvoicing": {"ledger", "documents"},
    "dunning": {"ledger", "documents", "insight", "bank", "einvoicing"},
    "setup": {"ledger", "documents", "insight", "bank", "einvoicing", "dunning"},
}


def test_each_capability_builds_only_on_those_below_it():
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        if layer(name) == "use case"
        for target in targets
        if layer(target) == "use case"
        and target.split(".")[1] != name.split(".")[1]
        and target.split(".")[1] not in BUILDS_ON[name.split(".")[1]]
    )
    assert wrong == []
