"""SQLite's SQL as PostgreSQL runs it: the services write one dialect, translated here once per statement.

Placeholders become psycopg's, a few functions are respelled (two-argument MAX/MIN, julianday,
group_concat, date with a day modifier), `LIMIT -1` is `LIMIT ALL`, subqueries in FROM get a name,
and DDL gets BIGINT identities and "C" collation so that text sorts as in SQLite. Pure text in, text out.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(
    r"""
    (?P<string>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<named>(?<!:):[A-Za-z_][A-Za-z0-9_]*)
  | (?P<qmark>\?)
  | (?P<percent>%)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<other>\s+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_DDL = re.compile(r"^\s*(CREATE\s+TABLE|ALTER\s+TABLE)\b", re.IGNORECASE)


def _rewrite_call(name: str, args: list[str]) -> str | None:
    """The PostgreSQL spelling of a SQLite function call, or None to keep it."""
    lower = name.lower()
    if lower in ("max", "min") and len(args) > 1:
        return f"{'GREATEST' if lower == 'max' else 'LEAST'}({', '.join(args)})"
    if lower == "julianday" and len(args) == 1:
        return f"(CAST({args[0]} AS date) - DATE '1970-01-01' + 2440587.5)"
    if lower == "group_concat":
        separator = args[1] if len(args) > 1 else "','"
        return f"string_agg(CAST({args[0]} AS text), {separator})"
    if lower == "date" and len(args) == 1:
        return f"to_char(CAST({args[0]} AS date), 'YYYY-MM-DD')"
    if lower == "date" and len(args) == 2:
        # Day modifiers ('-5 days') agree with SQLite; month arithmetic does not (SQLite's 31 Jan + 1 month is
        # 3 Mar, PostgreSQL's 28 Feb): the queries use days only.
        return f"to_char(CAST({args[0]} AS date) + CAST({args[1]} AS interval), 'YYYY-MM-DD')"
    return None


_NOT_ALIASES = frozenset(
    {"WHERE", "GROUP", "ORDER", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "ON", "USING", "JOIN"}
    | {"LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "FULL", "NATURAL", "HAVING", "WINDOW"}
)


# Words that end a FROM clause (ON and USING do not: a comma after them starts another table).
_END_FROM = frozenset(
    {"WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "SET", "RETURNING"}
)
_SUBQUERY = re.compile(r"\s*(SELECT|WITH|VALUES)\b", re.IGNORECASE)


def _has_alias(tokens: list[tuple[str, str]], i: int) -> bool:
    """Whether a name follows the parenthesis that ends before token i."""
    while i < len(tokens) and (tokens[i][0] == "comment" or tokens[i][1].isspace()):
        i += 1
    return i < len(tokens) and tokens[i][0] == "word" and tokens[i][1].upper() not in _NOT_ALIASES


def _translate(tokens: list[tuple[str, str]], start: int, bound: bool) -> tuple[str, list[str], int]:
    """Translate from `start` to the closing parenthesis of this level (or the end).

    Returns the text, the text of each top-level comma-separated argument, and the index after the
    closing parenthesis."""
    out: list[str] = []
    args: list[str] = []
    in_from = False  # in this level's FROM clause, where a parenthesis is a subquery to name
    i = start
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "close":
            args.append("".join(out))
            return "".join(out), args, i + 1
        if kind == "comma":
            args.append("".join(out))
            out, i = [], i + 1
            continue
        if kind == "word":
            piece, i, in_from = _word(tokens, i, bound, in_from)
        elif kind == "open":
            piece, i = _group(tokens, i, bound, in_from and not "".join(out).strip())
        else:
            piece, i = _plain(kind, text, bound), i + 1
        out.append(piece)
    args.append("".join(out))
    return ", ".join(args), args, i


def _word(tokens: list[tuple[str, str]], i: int, bound: bool, in_from: bool) -> tuple[str, int, bool]:
    """A word, or a function call with its arguments translated; and whether a FROM clause goes on."""
    text = tokens[i][1]
    j = i + 1
    while j < len(tokens) and tokens[j][0] == "other" and tokens[j][1].isspace():
        j += 1
    upper = text.upper()
    if j < len(tokens) and tokens[j][0] == "open":
        _, inner, after = _translate(tokens, j + 1, bound)
        inner = [a.strip() for a in inner if a.strip()] if inner != [""] else []
        rewritten = _rewrite_call(text, inner)
        piece = rewritten if rewritten is not None else f"{text} ({', '.join(inner)})"
        if upper in ("FROM", "JOIN"):
            in_from = True
            if not _has_alias(tokens, after):
                piece += f" AS _q{after}"  # PostgreSQL (before 16) wants every subquery in FROM named
        return piece, after, in_from
    if upper in ("FROM", "JOIN"):
        in_from = True
    elif upper in _END_FROM:
        in_from = False
    return text, i + 1, in_from


def _group(tokens: list[tuple[str, str]], i: int, bound: bool, first_in_from: bool) -> tuple[str, int]:
    """A parenthesis; named when it is a subquery first after a comma of a FROM clause (FROM t, (SELECT ...))."""
    _, inner, after = _translate(tokens, i + 1, bound)
    piece = f"({', '.join(inner)})"
    if first_in_from and _SUBQUERY.match(inner[0]) and not _has_alias(tokens, after):
        piece += f" AS _q{after}"
    return piece, after


def _plain(kind: str, text: str, bound: bool) -> str:
    """Any other token: placeholders in psycopg's style, '%' doubled where psycopg would read it, no comments."""
    if kind == "named":
        return f"%({text[1:]})s" if bound else text
    if kind == "qmark":
        return "%s" if bound else text
    if kind == "percent" or (kind in ("string", "ident") and bound):
        return text.replace("%", "%%") if bound else text
    if kind == "comment":
        return ""
    return text


@lru_cache(maxsize=1024)
def translate(sql: str, bound: bool = True) -> str:
    """SQLite-flavoured SQL as PostgreSQL runs it (`bound`: the statement has parameters)."""
    tokens = [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(sql)]
    text = _translate(tokens, 0, bound)[0]
    text = re.sub(r"\bLIMIT\s+-1\b", "LIMIT ALL", text)  # SQLite's "no limit" (an optimization fence)
    if _DDL.match(text):
        text = re.sub(r"\bINTEGER\s+PRIMARY\s+KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text)
        text = re.sub(r"\bINTEGER\b", "BIGINT", text)
        text = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', text)
    return text
