"""`dunner bank import`: every line of a statement stored once, the credits matched to what is owed.

All or nothing per file, like the other imports: a bad file writes nothing. A line already stored (the
same statement again, or one that overlaps it) adds nothing. Only the business's own accounts
(`[business] iban`, `[bank] accounts`) are read: a statement of another account is refused, naming it,
unless it is empty (a card statement beside the current account), which is skipped with a note.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dunner.bank.book import build_book
from dunner.bank.bulk import Bulk
from dunner.bank.recording import ALREADY, Known, handle_return, record, set_line
from dunner.core.errors import BadInput, ConfigError, DunnerError
from dunner.core.matching import MATCHED, PROPOSED, Book, Match, match
from dunner.core.money import Money
from dunner.core.payment import compact_iban
from dunner.core.statements import Line, Statement, fingerprint, ranked
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.runtime import few_collections
from dunner.edges.statements import format_of, read
from dunner.edges.storage.ledger import Ledger, batches


@dataclass
class FileReport:
    """What importing one file did."""

    source: str
    format: str = ""
    lines: int = 0
    new: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # status -> lines
    notes: list[str] = field(default_factory=list)
    error: DunnerError | None = None  # the file was refused: nothing of it was written

    @property
    def duplicates(self) -> int:
        return self.lines - self.new


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def own_accounts(config: Config) -> list[str]:
    """The business's accounts: `[business] iban`, then `[bank] accounts` (compact IBANs or account ids)."""
    accounts = [config.business.iban, *config.section("bank").get("accounts", [])]
    return list(dict.fromkeys(compact_iban(a) for a in accounts if a))


def csv_layout(config: Config, name: str | None) -> dict[str, Any]:
    layouts = config.section("bank").get("csv", {})
    if name is None:
        return {}
    if name not in layouts:
        raise ConfigError(f"no [bank.csv.{name}] in the config", hint=f"known: {', '.join(layouts) or 'none'}")
    return layouts[name]


def import_files(
    ledger: Ledger,
    config: Config,
    paths: list[Path],
    as_of: date,
    *,
    fmt: str | None = None,
    csv_name: str | None = None,
    dry_run: bool = False,
) -> list[FileReport]:
    """Import the files named on the command line, each all or nothing: a refused file is reported (its
    `error` set) and the others go on. A dry run writes none of them."""
    reports: list[FileReport] = []
    for path in paths:
        report = FileReport(path.name)
        try:
            with ledger.transaction(), few_collections():
                report = import_file(ledger, config, path, as_of, fmt=fmt, csv_name=csv_name)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            report.notes.append("dry run: nothing was written")
        except DunnerError as exc:
            report.error = exc
        reports.append(report)
    return reports


def import_file(
    ledger: Ledger,
    config: Config,
    path: Path,
    as_of: date,
    *,
    fmt: str | None = None,
    csv_name: str | None = None,
    bulk: bool = True,
) -> FileReport:
    """Read, store and match one file; nothing is written if any of it is refused. The matched lines are
    recorded together (bank/bulk.py); `bulk=False` records them one at a time as `bank match` does, the
    reference the bulk path is compared with."""
    layout = csv_layout(config, csv_name)
    report = FileReport(path.name, format_of(path, fmt))
    lines = _lines(read(path, report.format, csv_layout=layout), config, layout, report, path)
    later = sum(1 for line in lines if line.booked_on > as_of)
    if later:
        report.notes.append(
            f"{later} line(s) booked after {as_of}: recorded, but not counted in how fresh the bank is until then"
        )
    with ledger.transaction():
        fresh, references, credits = _store(ledger, lines, report)
        del lines  # the file's lines are in the ledger now: matching reads them back, a chunk at a time
        book = build_book(ledger, as_of) if credits else None
        known = Known(ibans={(iban, c) for iban, clients in book.ibans.items() for c in clients}) if book else None
        recorder = Bulk(ledger, config, known) if bulk and known is not None else None
        for line_id, line in _stored(ledger, fresh, references):
            if recorder is not None and line.returned and not line.credit:
                recorder.flush()  # a return reads what the credits before it recorded
            status = _decide(ledger, config, book, line_id, line, known, recorder)
            report.counts[status] = report.counts.get(status, 0) + 1
        if recorder is not None:
            recorder.flush()
    return report


def _lines(
    statements: list[Statement], config: Config, layout: dict[str, Any], report: FileReport, path: Path
) -> list[Line]:
    """The lines of the business's own statements, ranked among identical ones (the statements are dropped)."""
    lines = [line for st in _mine(statements, own_accounts(config), layout, report, path) for line in ranked(st.lines)]
    statements.clear()
    report.lines = len(lines)
    return lines


def _mine(
    statements: list[Statement], accounts: list[str], layout: dict[str, Any], report: FileReport, path: Path
) -> list[Statement]:
    """The statements of the business's own accounts; another account's is refused, or skipped when empty."""
    if not accounts:
        raise ConfigError("no account of yours to read statements for", hint="set [business] iban (or [bank] accounts)")
    kept = []
    for st in statements:
        st.account = compact_iban(st.account) if st.account else compact_iban(layout.get("account", "")) or accounts[0]
        st.lines = [_on(line, st.account) for line in st.lines]
        if st.account in accounts:
            kept.append(st)
        elif not st.lines:
            report.notes.append(
                f"statement {st.id or '?'} of account {st.label or st.account} skipped: empty, not yours"
            )
        else:
            raise BadInput(
                f"{path}: statement {st.id or '?'} is for account {st.label or st.account}, not one of yours",
                hint="add it to [bank] accounts if it is yours",
            )
    return kept


def _on(line: Line, account: str) -> Line:
    from dataclasses import replace

    return line if line.account == account else replace(line, account=account)


def _store(ledger: Ledger, lines: list[Line], report: FileReport) -> tuple[list[int], dict[int, tuple[str, ...]], bool]:
    """Insert the lines not stored yet; return their ids in booking order, the structured references the
    ledger's `reference` column cannot give back (see `_stored`), and whether any of them is a credit."""
    keys = [fingerprint(line) for line in lines]
    known: set[str] = set()
    for chunk in batches(list(dict.fromkeys(keys))):
        known |= {
            r[0]
            for r in ledger.all(
                f"SELECT fingerprint FROM bank_line WHERE fingerprint IN ({', '.join('?' * len(chunk))})", chunk
            )
        }
    fresh, references, credits, now = [], {}, False, utc_now()
    for key, line in zip(keys, lines, strict=True):
        if key in known:
            continue
        known.add(key)
        line_id = _insert(ledger, key, line, report, now)
        fresh.append((line.returned and not line.credit, line.booked_on, line_id))  # returns after the credits
        if _references(" ".join(line.references)) != line.references:
            references[line_id] = line.references
        credits = credits or line.credit
    report.new = len(fresh)
    return [line_id for *_, line_id in sorted(fresh)], references, credits


def _references(stored: str | None) -> tuple[str, ...]:
    return tuple(stored.split(" ")) if stored else ()


def _stored(ledger: Ledger, ids: list[int], references: dict[int, tuple[str, ...]]) -> Iterator[tuple[int, Line]]:
    """The lines `ids` as they were read, from the ledger (what matching and recording use of them)."""
    for chunk in batches(ids):
        rows = {
            r["id"]: r
            for r in ledger.all(f"SELECT * FROM bank_line WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
        }
        for line_id in chunk:
            row = rows[line_id]
            yield (
                line_id,
                Line(
                    account=row["account"],
                    booked_on=date.fromisoformat(row["booked_on"]),
                    amount=Money(row["amount_cents"], row["currency"]),
                    text=row["text"] or "",
                    value_on=date.fromisoformat(row["value_on"]) if row["value_on"] else None,
                    debtor=row["debtor"] or "",
                    debtor_iban=row["debtor_iban"] or "",
                    references=references[line_id] if line_id in references else _references(row["reference"]),
                    bank_ref=row["bank_ref"] or "",
                    end_to_end=row["end_to_end"] or "",
                    return_reason=row["return_reason"] or "",
                    reversal=bool(row["reversal"]),
                    statement=row["statement"] or "",
                ),
            )


def _insert(ledger: Ledger, key: str, line: Line, report: FileReport, now: str) -> int:
    return ledger.insert(
        "INSERT INTO bank_line (fingerprint, source, format, account, statement, booked_on, value_on, amount_cents,"
        " currency, debtor, debtor_iban, reference, text, bank_ref, end_to_end, return_reason, reversal, status,"
        " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'unmatched', ?)",
        (
            key,
            report.source,
            report.format,
            line.account,
            line.statement or None,
            line.booked_on.isoformat(),
            line.value_on.isoformat() if line.value_on else None,
            line.amount.minor,
            line.amount.currency,
            line.debtor or None,
            line.debtor_iban or None,
            " ".join(line.references) or None,
            line.text or None,
            line.bank_ref or None,
            line.end_to_end or None,
            line.return_reason or None,
            int(line.reversal),
            now,
        ),
    )


def _decide(
    ledger: Ledger,
    config: Config,
    book: Book | None,
    line_id: int,
    line: Line,
    known: Known | None,
    recorder: Bulk | None = None,
) -> str:
    """What a new line becomes: a debit is kept as ignored (a return reverses what it returns); a credit is
    matched and recorded, proposed, or left unmatched."""
    if not line.credit:
        if line.returned:
            status, why = handle_return(ledger, line_id, line)
        else:
            status, why = "ignored", "a debit" if line.amount.minor else "no amount"
        set_line(ledger, line_id, status, reason=why)
        return status
    if line.returned:  # money of ours coming back (a refund returned, a debit reversed): no client paid it
        set_line(ledger, line_id, "ignored", reason="money of yours coming back (a return or reversal), not a payment")
        return "ignored"
    assert book is not None
    found = match(line, book)
    if found.status == MATCHED:
        try:
            if recorder is not None:
                found = recorder.record(line_id, line, found)
            else:
                with ledger.savepoint():
                    found = record(ledger, config, line_id, line, found, known=known)
        except BadInput as exc:  # this line cannot be recorded as it is: a person decides, the file goes on
            found = Match(PROPOSED, found.client_id, found.invoices, f"{found.reason}; not recorded: {exc.message}")
        if found.status == MATCHED:
            if not found.reason.startswith(ALREADY):  # the book already counted a payment typed by hand
                book.settle(found, line)
            if line.debtor_iban and found.client_id is not None:
                book.ibans.setdefault(line.debtor_iban, set()).add(found.client_id)
            return MATCHED
    set_line(
        ledger, line_id, found.status, client_id=found.client_id, invoices=" ".join(found.invoices) or None,
        reason=found.reason,
    )  # fmt: skip
    return found.status
