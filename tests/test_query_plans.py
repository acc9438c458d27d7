"""EXPLAIN QUERY PLAN on the hot paths: no big table is read whole where an index can answer.

Each hot path runs for real on the demo ledger while every SELECT it sends is recorded with its
parameters; each is then explained. A `SCAN` of a big table fails the test unless it is listed in
ALLOWED with the reason the job reads that table whole (SQLite has no statistics on a ledger, so
these plans are what users get whatever the size of their ledger).
"""

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dunner.bank import lines as bank_lines
from dunner.bank.importing import import_files
from dunner.core.buckets import Buckets
from dunner.core.payment import invoice_reference
from dunner.dunning import claims, planning
from dunner.dunning import remind as dunning
from dunner.dunning.runs import RunOptions
from dunner.edges.storage import open_ledger
from dunner.edges.storage.ledger import Ledger
from dunner.insight import stats as insight
from dunner.ledger import payments, statement
from dunner.ledger.aging import aging_by_client
from dunner.setup.demo import build_demo
from query_plans import plan, scanned

AS_OF = date(2026, 11, 23)
ALLOWED = {
    ("aging", "instalment"): "the aging of the whole ledger sums every instalment issued by the as-of date",
    ("aging", "payment"): "every client's credit: every payment received by then, from the covering index",
    ("bank import", "instalment"): "the matching book: every instalment issued by the as-of date, to keep the open",
    ("bank lines", "bank_line"): "the list of every line (--status all), in booking order",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build_demo(tmp_path_factory.mktemp("plans") / "demo", AS_OF)


@contextmanager
def recorded(ledger: Ledger) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on `ledger` meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []
    execute = ledger.execute

    def record(sql: str, params: Any = ()) -> Any:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((sql, params))
        return execute(sql, params)

    ledger.execute = record  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del ledger.execute


def camt_statement(folder: Path) -> Path:
    """A camt.053 of the demo business's account: credits by number, by RF reference and from nobody known,
    a debit, and the return of the first credit (its end-to-end id) a few days later."""

    def entry(ref: str, day: str, amount: str, side: str, details: str) -> str:
        return (
            f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt>'
            f"<Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls>{details}</TxDtls>"
            "</NtryDtls></Ntry>"
        )

    payer = "<RltdPties><Dbtr><Pty><Nm>CABINET LEFEVRE</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>DE89370400440532013000"
    payer += "</IBAN></Id></DbtrAcct></RltdPties>"
    rf = invoice_reference("F-2026-0014", 0)
    entries = [
        entry("B1", "2026-11-16", "1650.00", "CRDT", f"<Refs><EndToEndId>E-1</EndToEndId></Refs>{payer}"
              "<RmtInf><Ustrd>Facture F-2026-0013</Ustrd></RmtInf>"),
        entry("B2", "2026-11-17", "2100.00", "CRDT", f"<RmtInf><Strd><CdtrRefInf><Ref>{rf}</Ref>"
              "</CdtrRefInf></Strd></RmtInf>"),
        entry("B3", "2026-11-18", "123.45", "CRDT", "<RltdPties><Dbtr><Pty><Nm>M JEAN MARTIN</Nm></Pty></Dbtr>"
              "</RltdPties><RmtInf><Ustrd>REMBOURSEMENT</Ustrd></RmtInf>"),
        entry("B4", "2026-11-18", "89.90", "DBIT", "<RmtInf><Ustrd>PRLV EDF</Ustrd></RmtInf>"),
        entry("B5", "2026-11-20", "1650.00", "DBIT", "<Refs><EndToEndId>E-1</EndToEndId></Refs>"
              "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>"),
    ]  # fmt: skip
    path = folder / "releve.xml"
    path.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>S1</Id>'
        f"<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>{''.join(entries)}</Stmt>"
        "</BkToCstmrStmt></Document>",
        encoding="utf-8",
    )
    return path


def run_path(demo: Any, tmp_path: Path, path: str) -> tuple[Ledger, list[tuple[str, Any]]]:
    """Run a hot path on a copy of the demo ledger; return the ledger and the statements it ran."""
    copy = tmp_path / "ledger.db"
    shutil.copyfile(demo.ledger_path, copy)
    ledger = open_ledger(str(copy))
    config = demo.config
    client_id = ledger.scalar("SELECT id FROM client WHERE code = 'CABINET'")
    releve = camt_statement(tmp_path)
    if path.startswith("bank ") and path != "bank import":  # the statement imported already
        import_files(ledger, config, [releve], AS_OF)
    hot: dict[str, Callable[[], Any]] = {
        "aging": lambda: list(aging_by_client(ledger, AS_OF, Buckets.parse("30,60,90"))),
        "remind: choosing": lambda: list(
            planning.batches_of_clients(ledger, config, config.policy(), RunOptions(AS_OF))
        ),
        "remind: delivering": lambda: list(dunning.run(ledger, config, RunOptions(AS_OF)).actions),
        "remind: formal notices": lambda: claims.first_notices(ledger, range(1, 30), AS_OF),
        "client statement": lambda: statement.statement(ledger, "CABINET", AS_OF),
        "payment of an invoice": lambda: payments.record_payment(
            ledger, config, "100", received_on=AS_OF, invoice="F-2026-0005"
        ),
        "payment of a client's invoices": lambda: payments.record_payment(
            ledger, config, "100", received_on=AS_OF, client="CABINET"
        ),
        "stats for one client": lambda: list(insight.client_stats(ledger, config, AS_OF, client_id=client_id)),
        "bank import": lambda: import_files(ledger, config, [releve], AS_OF),
        "bank import again": lambda: import_files(ledger, config, [releve], AS_OF),
        "bank lines": lambda: [list(bank_lines.list_lines(ledger, s)) for s in ("all", "proposed")],
        "bank match": lambda: bank_lines.match_line(ledger, config, 3, ["F-2026-0015"], None),
        "bank ignore": lambda: bank_lines.ignore_line(ledger, 3, "a refund"),
        "bank unmatch": lambda: bank_lines.unmatch_line(ledger, 2, AS_OF),
    }
    with recorded(ledger) as seen:
        hot[path]()
    return ledger, seen


PATHS = [
    "aging",
    "remind: choosing",
    "remind: delivering",
    "remind: formal notices",
    "client statement",
    "payment of an invoice",
    "payment of a client's invoices",
    "stats for one client",
    "bank import",
    "bank import again",
    "bank lines",
    "bank match",
    "bank ignore",
    "bank unmatch",
]


@pytest.mark.parametrize("path", PATHS)
def test_no_full_scan_of_a_big_table(demo, tmp_path, path):
    ledger, seen = run_path(demo, tmp_path, path)
    assert seen, "the path ran no query"
    problems = []
    for sql, params in seen:
        lines = plan(ledger, sql, params)
        for table in sorted(scanned(sql, lines)):
            if (path, table) not in ALLOWED:
                problems.append(f"SCAN of {table} in: {' '.join(sql.split())[:160]}\n  " + "\n  ".join(lines))
    ledger.close()
    assert not problems, "\n".join(problems)


def test_the_allowed_scans_are_still_needed(demo, tmp_path):
    """An entry of ALLOWED that no plan uses any more should go."""
    used = set()
    for path in {path for path, _ in ALLOWED}:
        ledger, seen = run_path(demo, tmp_path, path)
        used |= {(path, table) for sql, params in seen for table in scanned(sql, plan(ledger, sql, params))}
        ledger.close()
    assert used == set(ALLOWED)


@pytest.mark.parametrize("path", ["remind: choosing", "remind: delivering", "remind: formal notices"])
def test_reminders_are_found_by_instalment(demo, tmp_path, path):
    """With no statistics, SQLite would rather use the status index, which holds every sent reminder."""
    ledger, seen = run_path(demo, tmp_path, path)
    searches = [
        line
        for sql, params in seen
        # uncertain sends and open tasks are few: the status index fits them
        if "reminder" in sql and "status = 'sending'" not in sql and "status = 'task'" not in sql
        for line in plan(ledger, sql, params)
        if line.startswith("SEARCH") and "reminder" in line
    ]
    ledger.close()
    assert searches and all("sqlite_autoindex_reminder_1 (instalment_id=" in line for line in searches), searches


def test_a_return_finds_the_credit_it_returns_by_its_ids(demo, tmp_path):
    """By the end-to-end id or the debtor's IBAN, both indexed: not through every line booked before it."""
    ledger, seen = run_path(demo, tmp_path, "bank import")
    plans = [plan(ledger, sql, params) for sql, params in seen if "FROM bank_line b WHERE b.amount_cents = ?" in sql]
    ledger.close()
    assert plans and all(
        "MULTI-INDEX OR" in lines
        and any("USING INDEX bank_line_end_to_end (end_to_end=?)" in line for line in lines)
        and any("USING INDEX bank_line_debtor_iban (debtor_iban=?)" in line for line in lines)
        for lines in plans
    ), plans


def test_scans_are_told_apart_from_searches():
    sql = "SELECT * FROM instalment i JOIN invoice AS v ON v.id = i.invoice_id WHERE i.due_on <= ?"
    assert scanned(sql, ["SCAN i", "SEARCH v USING INTEGER PRIMARY KEY (rowid=?)"]) == {"instalment"}
    assert scanned(sql, ["SCAN v USING COVERING INDEX invoice_client", "SCAN (subquery-1)"]) == {"invoice"}
    assert scanned(sql, ["SEARCH i USING INDEX instalment_due (due_on<?)"]) == set()
    derived = "SELECT * FROM (SELECT client_id FROM invoice) x WHERE EXISTS (SELECT 1 FROM event x WHERE x.id = 1)"
    assert scanned(derived, ["MATERIALIZE x", "SCAN invoice", "SCAN x"]) == {"invoice"}
    assert scanned(derived, ["MATERIALIZE x", "SCAN x", "SCAN x"]) == {"event"}


def test_an_index_search_for_null_reads_the_table_whole():
    sql = "SELECT p.id FROM payment p WHERE p.reverses_id IS NULL AND p.amount_cents > 0"
    assert scanned(sql, ["SEARCH p USING INDEX payment_reverses (reverses_id=?)"]) == {"payment"}
    assert scanned(sql, ["SEARCH p USING INDEX payment_client (client_id=?)"]) == set()
    assert scanned(sql.replace("IS NULL", "= ?"), ["SEARCH p USING INDEX payment_reverses (reverses_id=?)"]) == set()
    other = f"{sql} AND NOT EXISTS (SELECT 1 FROM payment r WHERE r.reverses_id = p.id)"
    assert scanned(other, ["SEARCH p USING INDEX payment_client (client_id=?)", "SEARCH r USING COVERING INDEX"
                           " payment_reverses (reverses_id=?)"]) == set()  # fmt: skip
