"""The bulk recording of `bank import` (bank/bulk.py) writes what recording a line at a time writes.

Two ledgers are built alike; one imports through the bulk path, the other through `record` line by line
(`import_file(..., bulk=False)`, what `bank match` does), and every table is compared row for row, the
timestamps of the moment aside. The statements hold each case where the two could part: several invoices
of one client paid in one file, instalments, a payment larger than what it names (client credit), the bank's
reference already on a payment typed by hand, the same amount typed by hand (a proposal), a reference a
reversed payment holds (a suffix), an early-payment discount (recorded alone), a learnt IBAN used later in
the same file, a return of a credit recorded earlier in the file, debits, another currency.
"""

import random
from datetime import date
from pathlib import Path

import pytest
from test_bank_recording import ACME_IBAN, statement, tx

from dunner.bank import bulk as bulk_module
from dunner.bank.importing import import_file
from dunner.core.payment import invoice_reference
from dunner.edges.config import load
from dunner.edges.storage import open_ledger
from dunner.setup.init import create_ledger
from helpers import new_ledger

BETA_IBAN = "FR1420041010050500013M02606"
MOMENT = {"created_at", "imported_at", "applied_at"}  # when the rows were written, not what they say
TABLES = ("payment", "allocation", "bank_line", "client_iban", "invoice", "instalment", "invoice_line", "event")


def build(dunner, db: str) -> None:
    """The same ledger, whatever its location."""

    def run(*args: str):
        return dunner("--db", db, *args)

    for code in ("ACME", "BETA", "GAMA"):
        run("add-client", code, "--name", f"{code} SARL", "--email", f"{code.lower()}@example.com")
    run("invoice", "ACME", "1000", "--issued", "2026-10-01")  # F-2026-0001
    run("invoice", "ACME", "500", "--issued", "2026-10-02")  # F-2026-0002
    run("invoice", "ACME", "300", "--issued", "2026-10-03", "--instalments", "3", "--every", "15")  # F-2026-0003
    run("invoice", "BETA", "250", "--issued", "2026-10-03")  # F-2026-0004
    run("invoice", "BETA", "80", "--issued", "2026-10-04")  # F-2026-0005
    run("invoice", "GAMA", "700", "--issued", "2026-10-05")  # F-2026-0006
    run("invoice", "GAMA", "90", "--issued", "2026-10-06", "--currency", "USD")  # F-2026-0007
    run("invoice", "BETA", "120", "--issued", "2026-11-02", "--discount", "2/10")  # F-2026-0008
    run("pay", "F-2026-0002", "100", "--on", "2026-10-20", "--reference", "BANK-HAND")
    run("pay", "F-2026-0006", "300", "--on", "2026-11-10", "--method", "cheque")  # the same money as line N8?


def first(path: Path) -> Path:
    """A statement whose line R1 is undone by hand before the second one comes (its reference is then a
    reversed payment's)."""
    return statement(path, tx("R1", "2026-11-01", "10.00", name="ACME SARL", text="F-2026-0001"))


def second(path: Path) -> Path:
    rf = invoice_reference("F-2026-0006", 6)
    return statement(
        path,
        tx("N1", "2026-11-05", "1200.00", name="ACME SARL", iban=ACME_IBAN, text="FACT F-2026-0001 F-2026-0002"),
        tx("BANK-HAND", "2026-11-05", "100.00", name="ACME SARL", text="F-2026-0002"),  # typed by hand already
        tx("R1", "2026-11-06", "40.00", name="ACME SARL", text="F 2026 3"),  # held by the reversed payment
        tx("N4", "2026-11-07", "200.00", name="ACME", iban=ACME_IBAN),  # by the IBAN learnt from N1
        tx("N5", "2026-11-07", "117.60", name="BETA", iban=BETA_IBAN, text="F-2026-0008"),  # with its discount
        tx("N6", "2026-11-09", "250.00", name="BETA SARL", text="2026-0004"),
        tx("N7", "2026-11-10", "95.00", name="BETA SARL", text="F-2026-0005"),  # 15 more: credit
        tx("N8", "2026-11-11", "300.00", name="GAMA", rf=rf),  # a cheque of that amount was typed
        tx("N9", "2026-11-12", "55.00", name="Someone"),
        tx("D1", "2026-11-12", "42.00", debit=True, name="Fournisseur"),
        tx("N10", "2026-11-13", "400.00", name="GAMA", iban="BE68539007547034", text="F-2026-0006"),
        tx("N11", "2026-11-14", "400.00", debit=True, name="GAMA", iban="BE68539007547034").replace(
            "</TxDtls>", "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls>"
        ),  # N10 comes back
        tx("N12", "2026-11-15", "100.00", name="ACME", iban=ACME_IBAN, text="F-2026-0003"),
    )


def tables(location: str) -> dict[str, list[tuple]]:
    ledger = open_ledger(location)
    try:
        seen = {}
        for table in TABLES:
            columns = [c for c in ledger.columns(table) if c not in MOMENT]
            seen[table] = [tuple(r) for r in ledger.all(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")]
        return seen
    finally:
        ledger.close()


def import_(location: str, path: Path, config: Path, *, bulk: bool) -> dict[str, int]:
    ledger = open_ledger(location)
    try:
        with ledger.transaction():
            report = import_file(ledger, load(config), path, date(2026, 11, 30), bulk=bulk)
        return report.counts
    finally:
        ledger.close()


def two_ledgers(dunner, configure, tmp_path: Path) -> tuple[str, str, Path]:
    config = configure()
    locations = []
    for name in ("bulk.db", "alone.db"):
        location = new_ledger(tmp_path, name)
        create_ledger(location)
        build(dunner, location)
        locations.append(location)
    return locations[0], locations[1], config


@pytest.mark.parametrize("one_by_one", [32, 1, 0])  # clients read one at a time; then the rest in one pass
def test_the_bulk_path_writes_what_recording_line_by_line_writes(dunner, configure, tmp_path, monkeypatch, one_by_one):
    monkeypatch.setattr(bulk_module, "ONE_BY_ONE", one_by_one)
    bulk, alone, config = two_ledgers(dunner, configure, tmp_path)
    for location in (bulk, alone):
        import_(location, first(tmp_path / "first.xml"), config, bulk=True)
        line = open_ledger(location).scalar("SELECT id FROM bank_line WHERE bank_ref = 'R1'")
        dunner("--db", location, "bank", "unmatch", str(line), "--on", "2026-11-02")
    counts = import_(bulk, second(tmp_path / "second.xml"), config, bulk=True)
    assert counts == import_(alone, second(tmp_path / "second.xml"), config, bulk=False)
    assert counts == {"matched": 10, "proposed": 1, "unmatched": 1, "ignored": 1}  # each case above happened
    ours, theirs = tables(bulk), tables(alone)
    for table in TABLES:
        assert ours[table] == theirs[table], table
    ledger = open_ledger(bulk)
    methods = dict(ledger.all("SELECT reference, method FROM payment"))
    reasons = [r[0] for r in ledger.all("SELECT reason FROM bank_line ORDER BY id")]
    ledger.close()
    assert methods["R1 (2)"] == "transfer" and "discount" in methods.values()  # a suffix, N5's discount
    assert "already recorded: #1" in reasons and any("recorded by hand" in r for r in reasons)
    assert any(r.startswith("return (AC04)") for r in reasons)


def test_a_random_statement_is_recorded_alike(dunner, configure, tmp_path, monkeypatch):
    """Many lines over the same invoices (partial, whole, several at once, too much, by IBAN), in both paths;
    the first client paid is read alone, the others in one pass."""
    monkeypatch.setattr(bulk_module, "ONE_BY_ONE", 1)
    bulk, alone, config = two_ledgers(dunner, configure, tmp_path)
    rng = random.Random(7)
    numbers = {f"F-2026-{n:04}": ("ACME" if n <= 3 else "BETA" if n <= 5 else "GAMA") for n in (1, 2, 3, 4, 5, 6)}
    entries = []
    for n in range(120):
        payer = rng.choice(("ACME", "BETA", "GAMA"))
        theirs = sorted(number for number, client in numbers.items() if client == payer)
        chosen = rng.sample(theirs, min(len(theirs), rng.choice((1, 1, 1, 2, 3))))
        iban = {"ACME": ACME_IBAN, "BETA": BETA_IBAN}.get(payer, "") if rng.random() < 0.5 else ""
        text = " ".join(chosen) if rng.random() < 0.9 else ""
        cents = rng.choice((500, 1000, 1333, 2000, 2500, 2500, 120000)) + n  # no two alike: none by hand
        amount = f"{cents // 100}.{cents % 100:02}"
        day = f"2026-11-{rng.randint(1, 28):02}"
        entries.append(tx(f"X{n}", day, amount, name=f"{payer} SARL", iban=iban, text=text))
    path = statement(tmp_path / "random.xml", *entries)
    counts = import_(bulk, path, config, bulk=True)
    assert counts == import_(alone, path, config, bulk=False)
    ours, theirs = tables(bulk), tables(alone)
    for table in TABLES:
        assert ours[table] == theirs[table], table
    assert counts["matched"] > 30 and len(ours["allocation"]) > 25  # invoices paid, and then client credit
