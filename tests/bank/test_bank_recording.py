"""`dunner bank import` end to end: what each line becomes, the payments it records, and importing again."""

import json
from pathlib import Path

import pytest

from dunner.core.payment import invoice_reference
from helpers import query

OURS = "FR7630006000011234567890189"  # the test business's [business] iban
ACME_IBAN = "DE89370400440532013000"


def tx(ref: str, day: str, amount: str, *, debit: bool = False, name: str = "", iban: str = "", text: str = "",
       rf: str = "") -> str:  # fmt: skip
    side = "Cdtr" if debit else "Dbtr"
    parties = f"<{side}><Pty><Nm>{name}</Nm></Pty></{side}>" if name else ""
    parties += f"<{side}Acct><Id><IBAN>{iban}</IBAN></Id></{side}Acct>" if iban else ""
    remittance = f"<Ustrd>{text}</Ustrd>" if text else ""
    remittance += f"<Strd><CdtrRefInf><Ref>{rf}</Ref></CdtrRefInf></Strd>" if rf else ""
    indicator = "DBIT" if debit else "CRDT"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>{day}</Dt></BookgDt><NtryDtls><TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>"
        f'<Amt Ccy="EUR">{amount}</Amt><RltdPties>{parties}</RltdPties><RmtInf>{remittance}</RmtInf>'
        "</TxDtls></NtryDtls></Ntry>"
    )


def statement(path: Path, *entries: str) -> Path:
    path.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>S</Id>'
        f"<Acct><Id><IBAN>{OURS}</IBAN></Id></Acct>{''.join(entries)}</Stmt></BkToCstmrStmt></Document>",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def owed(dunner, client, configure):
    configure()
    client("ACME")
    client("BETA")
    dunner("invoice", "ACME", "1000", "--issued", "2026-10-01")  # F-2026-0001
    dunner("invoice", "ACME", "500", "--issued", "2026-10-02")  # F-2026-0002
    dunner("invoice", "BETA", "250", "--issued", "2026-10-03")  # F-2026-0003
    dunner("invoice", "BETA", "80", "--issued", "2026-10-04")  # F-2026-0004


def outstanding(dunner) -> dict[str, str]:
    rows = json.loads(dunner("invoices", "--format", "json", "--status", "all", "--as-of", "2026-12-31").stdout)
    return {r["invoice"]: r["outstanding"] for r in rows}


def lines() -> list[tuple]:
    return query("SELECT id, status, client_id, invoices, payment_id, reason FROM bank_line ORDER BY id")


def test_credits_are_matched_recorded_and_importing_again_adds_nothing(dunner, owed, tmp_path):
    rf = invoice_reference("F-2026-0003", 3)
    path = statement(
        tmp_path / "nov.xml",
        tx("T1", "2026-11-05", "1000.00", name="ACME SARL", iban=ACME_IBAN, text="Facture F-2026-0001"),
        tx("T2", "2026-11-04", "250.00", name="BETA SARL", rf=rf),
        tx("T3", "2026-11-06", "300.00", name="ACME SARL", text="F 2026 0002"),
        tx("T4", "2026-11-07", "300.00", name="ACME SARL", text="reste F2026-0002"),
        tx("T5", "2026-11-07", "42.50", debit=True, name="EDF SA", text="PRLV"),
        tx("T6", "2026-11-08", "12.34", name="M JEAN DUPONT", text="REMBOURSEMENT"),
        tx("T7", "2026-11-09", "80.00", name="BETA SARL", text="F-2026-0004 F-2026-0003"),
    )
    done = dunner("bank", "import", str(path), "--as-of", "2026-11-30")
    assert done.stderr.strip() == "nov.xml (camt): 7 lines, 7 new: 5 matched, 1 unmatched, 1 ignored."
    assert lines() == [
        (1, "matched", 1, "F-2026-0001", 2, "invoice number F-2026-0001 in the text"),
        (2, "matched", 2, "F-2026-0003", 1, f"RF reference {rf}"),
        (3, "matched", 1, "F-2026-0002", 3, "invoice number F-2026-0002 in the text"),
        (4, "matched", 1, "F-2026-0002", 4, "invoice number F-2026-0002 in the text"),  # what the line before left
        (5, "ignored", None, None, None, "a debit"),
        (6, "unmatched", None, None, None, "no reference, no known IBAN, no amount owed"),
        (7, "matched", 2, "F-2026-0004", 5, "invoice number F-2026-0004 in the text"),  # F-2026-0003 was paid
    ]
    payments = query(
        "SELECT id, client_id, received_on, amount_cents, method, reference, note FROM payment ORDER BY id"
    )
    assert payments == [
        (1, 2, "2026-11-04", 25000, "transfer", "T2", "bank line 2"),
        (2, 1, "2026-11-05", 100000, "transfer", "T1", "bank line 1"),
        (3, 1, "2026-11-06", 30000, "transfer", "T3", "bank line 3"),
        (4, 1, "2026-11-07", 30000, "transfer", "T4", "bank line 4"),
        (5, 2, "2026-11-09", 8000, "transfer", "T7", "bank line 7"),
    ]
    assert query("SELECT payment_id, instalment_id, amount_cents FROM allocation ORDER BY id") == [
        (1, 3, 25000),
        (2, 1, 100000),
        (3, 2, 30000),
        (4, 2, 20000),  # the other 100.00 stays as ACME's credit
        (5, 4, 8000),
    ]
    assert query("SELECT client_id, iban, source FROM client_iban") == [(1, ACME_IBAN, "learned")]
    assert set(outstanding(dunner).values()) == {"0.00"}
    again = dunner("bank", "import", str(path), "--as-of", "2026-11-30")
    assert again.stderr.strip() == "nov.xml (camt): 7 lines, 0 new (7 already imported)."
    assert len(query("SELECT id FROM payment")) == 5 and len(lines()) == 7


def test_a_known_iban_paying_what_is_owed(dunner, owed, tmp_path):
    first = statement(tmp_path / "a.xml", tx("T1", "2026-11-05", "1000.00", iban=ACME_IBAN, text="F-2026-0001"))
    dunner("bank", "import", str(first), "--as-of", "2026-11-30")
    second = statement(
        tmp_path / "b.xml",
        tx("T2", "2026-11-10", "500.00", iban=ACME_IBAN, text="VIREMENT"),
        tx("T3", "2026-11-11", "7.00", iban=ACME_IBAN, text="VIREMENT"),
    )
    done = dunner("bank", "import", str(second), "--as-of", "2026-11-30")
    assert done.stderr.strip() == "b.xml (camt): 2 lines, 2 new: 1 matched, 1 proposed."
    assert lines()[1:] == [
        (2, "matched", 1, "F-2026-0002", 2, "the debtor's IBAN is ACME SARL's, amount equal to F-2026-0002"),
        (3, "proposed", 1, None, None,
         "the debtor's IBAN is ACME SARL's, but the amount matches nothing it owes (a partial payment?)"),
    ]  # fmt: skip


def test_a_payment_typed_by_hand_or_with_the_banks_reference(dunner, owed, tmp_path):
    # payment 1, typed by hand: F-2026-0002 paid, 500.00 left as credit, F-2026-0001 still owed
    dunner("pay", "F-2026-0002", "1000", "--on", "2026-11-03")
    # payment 2, with the bank's reference: F-2026-0004 paid, 170.00 left as credit, F-2026-0003 still owed
    dunner("pay", "F-2026-0004", "250", "--on", "2026-11-04", "--reference", "T2")
    path = statement(
        tmp_path / "nov.xml",
        tx("T1", "2026-11-05", "1000.00", text="Facture F-2026-0001"),
        tx("T2", "2026-11-04", "250.00", text="F-2026-0003"),
    )
    dunner("bank", "import", str(path), "--as-of", "2026-11-30")
    assert lines() == [
        (1, "proposed", 1, "F-2026-0001", None, "invoice number F-2026-0001 in the text; but payment #1 of that"
         " amount was recorded by hand: the same money?"),
        (2, "matched", 2, None, 2, "already recorded: #2"),
    ]  # fmt: skip
    assert len(query("SELECT id FROM payment")) == 2


def test_one_transfer_for_two_invoices_settles_the_oldest_due_first(dunner, owed, tmp_path):
    """What later lines of the same file see owed is what the payment left, oldest due first."""
    path = statement(
        tmp_path / "nov.xml",
        tx("T1", "2026-11-05", "1200.00", text="F-2026-0002 et F-2026-0001"),
        tx("T2", "2026-11-06", "300.00", text="solde F-2026-0002"),
        tx("T3", "2026-11-07", "5.00", text="F-2026-0001"),
    )
    done = dunner("bank", "import", str(path), "--as-of", "2026-11-30")
    assert done.stderr.strip() == "nov.xml (camt): 3 lines, 3 new: 2 matched, 1 unmatched."
    assert [line[1:4] for line in lines()] == [
        ("matched", 1, "F-2026-0001 F-2026-0002"),
        ("matched", 1, "F-2026-0002"),
        ("unmatched", None, None),  # F-2026-0001 was paid by the first line
    ]
    assert query("SELECT payment_id, instalment_id, amount_cents FROM allocation ORDER BY id") == [
        (1, 1, 100000),
        (1, 2, 20000),
        (2, 2, 30000),
    ]


def sql_work(ledger, path: Path) -> int:
    """The SQLite virtual-machine steps (in tens) of importing a file into `ledger`."""
    from datetime import date

    from dunner.bank.importing import import_files
    from dunner.edges.config import find_config, load

    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    ledger.conn.set_progress_handler(count, 10)
    try:
        import_files(ledger, load(find_config(None)), [path], date(2026, 11, 30))
    finally:
        ledger.conn.set_progress_handler(None, 10)
    return steps[0]


@pytest.mark.sqlite_only  # counts SQLite's virtual-machine steps
def test_recording_a_line_does_not_read_the_clients_whole_history(dunner, owed, ledger, tmp_path):
    """The work of recording one payment is the same whatever the client paid before (the import records
    thousands of payments: reading each client's every payment each time made it quadratic)."""
    old = [(2, f"20{20 + n % 5}-0{1 + n % 9}-1{n % 10}", 100 + n, "EUR", "cash", "2026-01-01T00:00:00Z")
           for n in range(3000)]  # fmt: skip
    with ledger.transaction():
        ledger.executemany(
            "INSERT INTO payment (client_id, received_on, amount_cents, currency, method, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            old,
        )  # 3,000 payments of BETA's, years ago
    acme = sql_work(ledger, statement(tmp_path / "a.xml", tx("T1", "2026-11-05", "1000.00", text="F-2026-0001")))
    beta = sql_work(ledger, statement(tmp_path / "b.xml", tx("T2", "2026-11-05", "250.00", text="F-2026-0003")))
    assert [line[1:4] for line in lines()] == [("matched", 1, "F-2026-0001"), ("matched", 2, "F-2026-0003")]
    assert beta < acme * 1.2, (acme, beta)


def test_the_files_lines_are_let_go_before_the_book_is_built(dunner, owed, tmp_path, monkeypatch):
    """Memory flat in the file's size: the lines are in the ledger, and out of memory, before the book of
    what is owed (which grows with the ledger) is built; matching reads them back a chunk at a time."""
    import gc

    from dunner.bank import importing
    from dunner.core.statements import Line

    alive: list[int] = []
    build_book = importing.build_book

    def counting(ledger, as_of):
        gc.collect()
        alive.append(sum(isinstance(o, Line) for o in gc.get_objects()))
        return build_book(ledger, as_of)

    monkeypatch.setattr(importing, "build_book", counting)
    path = statement(tmp_path / "nov.xml", *(tx(f"T{n}", "2026-11-05", "1.00", text="VIR") for n in range(300)))
    done = dunner("bank", "import", str(path), "--as-of", "2026-11-30")
    assert done.stderr.strip() == "nov.xml (camt): 300 lines, 300 new: 300 unmatched."
    assert alive == [0]


def test_matching_reads_back_the_lines_as_they_were_read(ledger):
    """Every field matching and recording use comes back from the ledger as the reader gave it."""
    from dataclasses import replace
    from datetime import date

    from dunner.bank.importing import FileReport, _store, _stored
    from dunner.core.money import Money
    from dunner.core.statements import Line

    day = date(2026, 11, 5)
    lines = [
        Line(account=OURS, booked_on=day, amount=Money(12345, "EUR"), text="Facture F-1", value_on=date(2026, 11, 6),
             debtor="ACME", debtor_iban=ACME_IBAN, references=("RF18539007547034", "X"), bank_ref="B1",
             end_to_end="E1", statement="S-1"),
        Line(account=OURS, booked_on=date(2026, 11, 4), amount=Money(-500, "USD"), references=("RF18 5390 0754 7034",),
             return_reason="AC04", reversal=True),
        Line(account="CARD-1", booked_on=day, amount=Money(1, "EUR"), references=("", "a  b"), text="CB", rank=1),
        Line(account=OURS, booked_on=day, amount=Money(0, "EUR"), references=()),
    ]  # fmt: skip
    with ledger.transaction():
        ids, references, credits = _store(ledger, lines, FileReport("s.xml", "camt"))
        back = list(_stored(ledger, ids, references))
    assert credits and sorted(references) == [2, 3]  # the references a space-separated column cannot give back
    # booking order, the returns after every credit of the file (a return may come before what it returns)
    assert [line_id for line_id, _ in back] == [1, 3, 4, 2]
    assert [line for _, line in back] == [lines[0], replace(lines[2], rank=0), lines[3], lines[1]]
