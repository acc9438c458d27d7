"""What dunner writes out is safe to open: CSV cells that are not formulas, file names without paths."""

import csv
import email
import io
import json
import mailbox
import zipfile
from datetime import date, datetime
from decimal import Decimal
from email import policy
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunner.core.money import Money
from dunner.edges.csvio import neutralise
from helpers import new_ledger

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://x","y")'


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def assert_no_formula(rows: list[dict[str, str]]) -> None:
    """Every text cell a spreadsheet would read as a formula carries the ' prefix; numbers stay numbers."""
    assert rows
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS) or is_number(cell), (column, cell)


@pytest.fixture
def books(dunner, configure):
    configure()
    for code, name, phone in (
        ("HYPER", HYPERLINK, None),
        ("DUPONT", "-Dupont", "+33 1 23 45 67 89"),
        ("AT", "@SUM(A1)", None),
    ):
        dunner(
            "add-client",
            code,
            "--name",
            name,
            "--email",
            f"{code.lower()}@example.com",
            *(["--phone", phone] if phone else []),
        )
    dunner("invoice", "DUPONT", "--line", "=1+2;1;1000;20", "--line", "Remise;1;-180;20", "--issued", "2026-01-05")
    dunner("pay", "F-2026-0001", "100", "--on", "2026-01-20", "--reference", "-VIR 1", "--note", "@note")
    dunner("log-call", "F-2026-0001", "--note", "=cmd|' /C calc'!A0", "--on", "2026-01-21")


# -- 12. CSV formula injection -----------------------------------------------------------------------


def test_exports_neutralise_formula_like_text_but_not_numbers(dunner, books):
    clients = {r["code"]: r for r in cells(dunner("export", "clients").stdout)}
    assert clients["HYPER"]["name"] == "'" + HYPERLINK
    assert clients["DUPONT"]["name"] == "'-Dupont" and clients["DUPONT"]["phone"] == "'+33 1 23 45 67 89"
    assert clients["AT"]["name"] == "'@SUM(A1)"
    assert_no_formula(list(clients.values()))
    lines = cells(dunner("export", "invoices").stdout)
    assert [(r["description"], r["unit_price"]) for r in lines] == [("'=1+2", "1000.00"), ("Remise", "-180.00")]
    assert_no_formula(lines)
    [payment] = cells(dunner("export", "payments").stdout)
    assert (payment["reference"], payment["note"]) == ("'-VIR 1", "'@note")
    assert_no_formula([payment])


def test_listings_in_csv_neutralise_too_and_json_is_unchanged(dunner, books):
    listed = cells(dunner("clients", "--format", "csv").stdout)
    assert "'" + HYPERLINK in {r["name"] for r in listed}
    assert_no_formula(listed)
    history = cells(dunner("history", "F-2026-0001", "--format", "csv").stdout)
    assert "'=cmd|' /C calc'!A0" in [cell for row in history for cell in row.values()]
    assert_no_formula(history)
    statement = cells(dunner("client", "DUPONT", "--as-of", "2026-03-01", "--format", "csv").stdout)
    assert_no_formula(statement)
    names = {r["code"]: r["name"] for r in json.loads(dunner("clients", "--format", "json").stdout)}
    assert names["HYPER"] == HYPERLINK and names["DUPONT"] == "-Dupont"


def test_the_dossier_csvs_neutralise_too(dunner, books, tmp_path):
    dunner("dossier", "DUPONT", "--as-of", "2026-03-10", "-o", str(tmp_path / "d.zip"))
    with zipfile.ZipFile(tmp_path / "d.zip") as archive:
        history = cells(archive.read("historique.csv").decode())
        claim = cells(archive.read("decompte.csv").decode())
    assert "'=cmd|' /C calc'!A0" in [cell for row in history for cell in row.values()]
    assert_no_formula(history)
    assert_no_formula(claim)


def test_an_export_imports_back_exactly(dunner, books, tmp_path, monkeypatch):
    exported = {kind: dunner("export", kind).stdout for kind in ("clients", "invoices", "payments")}
    for kind, text in exported.items():
        (tmp_path / f"{kind}.csv").write_text(text, encoding="utf-8", newline="")
    before = json.loads(dunner("clients", "--format", "json").stdout)
    monkeypatch.setenv("DUNNER_DB", new_ledger(tmp_path, "fresh.db"))
    dunner("init")  # a ledger named by DUNNER_DB is created once, explicitly
    for kind in exported:
        dunner("import", kind, str(tmp_path / f"{kind}.csv"))
    assert {kind: dunner("export", kind).stdout for kind in exported} == exported
    after = json.loads(dunner("clients", "--format", "json").stdout)
    assert [(c["code"], c["name"], c["phone"]) for c in after] == [(c["code"], c["name"], c["phone"]) for c in before]
    assert {c["name"] for c in after} >= {HYPERLINK, "-Dupont", "@SUM(A1)"}


@pytest.mark.parametrize(
    "text", ["=1", "+1a", "-a", "@a", "\ta", "\ra", "'=1", "''-x", "'", "''", "'a", "a=1", "-5", "-180.00", "+3", ""]
)
def test_neutralise_and_restore_round_trip(text):
    from dunner.edges.csvio import neutralise, restore

    assert restore(neutralise(text)) == text
    shown = neutralise(text)
    assert not shown.startswith(FORMULA_STARTS) or is_number(shown)


# -- 17. file names derived from invoice numbers and client codes ------------------------------------


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("2026/0042", "2026-0042.pdf"),
        ("F\\2026\\1", "F-2026-1.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf"),
        ("..", "document.pdf"),
        (".hidden", "hidden.pdf"),
        ("a..b", "a.b.pdf"),
        ("F\x00-1\n", "F-1.pdf"),
        ("F\u202e-1", "F-1.pdf"),
        ("C:F|1?", "C-F-1-.pdf"),
        ("", "document.pdf"),
        ("x" * 300, "x" * 120 + ".pdf"),
    ],
)
def test_safe_filename(stem, name):
    from dunner.core.filenames import safe_filename

    assert safe_filename(stem, ".pdf") == name


@pytest.fixture
def slashed(dunner, configure):
    """Invoices numbered the French way, 2026/0001, and a maildir outbox."""
    configure('\n[invoice]\nnumber_pattern = "{year}/{seq:04}"\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n')
    dunner(
        "add-client",
        "ACME",
        "--name",
        "Acme SARL",
        "--email",
        "compta@acme.fr",
        "--address",
        "1 rue A\n75001 Paris",
        "--registration",
        "732 829 320",
        "--vat-number",
        "FR44732829320",
    )
    number = dunner("invoice", "ACME", "--line", "Conseil;1;1000;20", "--issued", "2026-01-05").stdout.strip()
    assert number == "2026/0001"
    return number


def written(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "outbox" not in p.parts}


def test_pdf_notice_and_dossier_names_of_a_slashed_number(dunner, slashed, tmp_path):
    dunner("pdf", slashed)
    assert "2026-0001.pdf" in written(tmp_path) and not (tmp_path / "2026").exists()
    assert (tmp_path / "2026-0001.pdf").read_bytes().startswith(b"%PDF")
    dunner("notice", slashed, "--as-of", "2026-03-01")
    dunner("dossier", "acme", "--as-of", "2026-03-02")
    assert {"mise-en-demeure-ACME-2026-03-01.pdf", "dossier-acme-2026-03-02.zip"} <= written(tmp_path)
    with zipfile.ZipFile(tmp_path / "dossier-acme-2026-03-02.zip") as archive:
        names = archive.namelist()
    assert "factures/2026-0001.pdf" in names
    assert all(name.count("/") <= 1 and ".." not in name and not name.startswith("/") for name in names), names
    dunner("pdf", slashed, "-o", str(tmp_path / "mine.pdf"))  # a path the user gives is used as given
    assert (tmp_path / "mine.pdf").is_file()


def test_mail_attachments_of_a_slashed_number(dunner, slashed, tmp_path):
    dunner("send", slashed, "--on", "2026-01-05")
    dunner("remind", "--as-of", "2026-02-11")
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    messages = [email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    assert len(messages) == 2
    for message in messages:
        [attachment] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert attachment.get_filename() == "2026-0001.pdf"


def test_two_numbers_that_make_the_same_file_name_stay_two_files(dunner, slashed, tmp_path):
    dunner("invoice", "ACME", "--line", "Suite;1;500;20", "--issued", "2026-01-06", "--number", "2026-0001")
    dunner("dossier", "ACME", "--as-of", "2026-03-02", "-o", "d.zip")
    with zipfile.ZipFile(tmp_path / "d.zip") as archive:
        pdfs = sorted(n for n in archive.namelist() if n.startswith("factures/"))
    assert pdfs == ["factures/2026-0001-2.pdf", "factures/2026-0001.pdf"]


def test_distinct_filenames():
    from dunner.core.filenames import distinct_filenames

    assert distinct_filenames(["2026/1", "2026-1", "2026 1", "A"], ".pdf") == [
        "2026-1.pdf",
        "2026-1-2.pdf",
        "2026 1.pdf",
        "A.pdf",
    ]


@given(st.text(alphabet="'=+-@\t\r0123456789.aZ é", max_size=8))
def test_the_quick_look_at_the_first_character_changes_no_cell(text):
    """`neutralise` looks at the first character before anything else: what it writes is what the full check
    writes."""
    from dunner.edges.csvio import _formula_like

    assert neutralise(text) == ("'" + text if _formula_like(text) else text)


@pytest.mark.parametrize(
    "value",
    [True, 0, -3, "=1+1", "", None, Decimal("-1.50"), Money(-5, "EUR"), Money(150, "JPY"), date(2026, 1, 2),
     datetime(2026, 1, 2, 3, 4), Path("x")],
)  # fmt: skip
def test_cells_by_type_are_what_the_isinstance_rules_make(value):
    """CSV and JSON cells are converted through a table of exact types; subclasses (datetime) and other types
    still go through the general rules."""
    from dunner.edges.output import _as_machine, csv_cell, machine

    expected = _as_machine(value)
    assert machine(value) == expected
    assert csv_cell(value) == (neutralise(value) if isinstance(value, str) else "" if expected is None else expected)
