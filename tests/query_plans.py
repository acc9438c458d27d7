"""Reading SQLite's EXPLAIN QUERY PLAN: which big tables a statement reads whole (tests/test_query_plans.py,
tests/einvoicing/test_platform_query_plans.py)."""

import re
from collections import Counter
from typing import Any

from dunner.edges.storage.ledger import Ledger

# The tables that grow with the ledger: a plan must not read one whole unless the job needs all of it.
BIG = {"invoice", "instalment", "payment", "allocation", "reminder", "event", "bank_line", "platform_flow",
       "platform_status"}  # fmt: skip
NOT_AN_ALIAS = {"where", "on", "left", "join", "group", "order", "union", "limit", "inner", "cross", "using", "as"}


def tables_of(sql: str) -> dict[str, set[str]]:
    """What each name in FROM and JOIN clauses stands for: alias -> tables (a table stands for itself)."""
    names: dict[str, set[str]] = {}
    for table, alias in re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)(?:\s+(?:AS\s+)?([a-z_]+))?", sql, re.IGNORECASE):
        names.setdefault(table, set()).add(table)
        if alias and alias.lower() not in NOT_AN_ALIAS:
            names.setdefault(alias, set()).add(table)
    return names


def plan(ledger: Ledger, sql: str, params: Any) -> list[str]:
    return [row[3] for row in ledger.all(f"EXPLAIN QUERY PLAN {sql}", params)]


def scanned(sql: str, lines: list[str]) -> set[str]:
    """The big tables a plan reads whole.

    A subquery or a CTE is declared in the plan (MATERIALIZE x, CO-ROUTINE x) before it is scanned:
    such scans are not of a table, even when a table elsewhere in the statement has the same alias.
    A search of an index on nothing but columns the statement asks to be NULL reads the table whole too
    (`reverses_id IS NULL` through payment_reverses is nearly every payment), so it counts as a scan.
    """
    names = tables_of(sql)
    declared = Counter(line.split()[1] for line in lines if line.startswith(("MATERIALIZE ", "CO-ROUTINE ")))
    found = set()
    for line in lines:
        if line.startswith("SCAN "):
            name = line.split()[1]
            if declared[name]:
                declared[name] -= 1
                continue
            found |= names.get(name, set()) & BIG
        elif (searched := _SEARCH.match(line)) and _only_nulls(sql, searched.group(1), searched.group(2)):
            found |= names.get(searched.group(1), set()) & BIG
    return found


_SEARCH = re.compile(r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(([^)]*)\)")


def _only_nulls(sql: str, name: str, constraints: str) -> bool:
    """Whether an index search's constraints ("reverses_id=?") are all equalities with columns `sql` asks to be
    NULL, written unqualified or qualified by the searched table's name (alias) itself."""
    columns = [c.strip().removesuffix("=?") for c in constraints.split(" AND ")]
    return all(c.isidentifier() for c in columns) and all(
        re.search(rf"(?<![\w.])(?:{name}\.)?{c}\s+IS\s+NULL\b", sql, re.IGNORECASE) for c in columns
    )
