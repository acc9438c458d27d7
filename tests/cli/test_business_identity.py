"""The business's own identity is checked like a client's before anything is issued, printed or sent."""

import pytest

from conftest import BUSINESS
from helpers import query

GOOD_IBAN = "FR76 3000 6000 0112 3456 7890 189"
MAILDIR = '\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n'
COMMANDS = [
    ("invoice", "ACME", "100", "--vat", "20", "--issued", "2026-01-10"),
    ("deposit", "ACME", "100", "--vat", "20", "--issued", "2026-01-10"),
    ("credit-note", "F-2026-0001", "10", "--reason", "Remise", "--on", "2026-01-10"),
    ("import", "invoices", "invoices.csv"),
    ("pdf", "F-2026-0001", "-o", "out.pdf", "--as-of", "2026-01-10"),
    ("send", "F-2026-0001", "--on", "2026-01-10"),
    ("notice", "F-2026-0001", "--as-of", "2026-03-10", "-o", "notice.pdf"),
    ("dossier", "ACME", "--as-of", "2026-03-10", "-o", "dossier.zip"),
    ("remind", "--as-of", "2026-02-10"),
    ("remind", "--as-of", "2026-02-10", "--dry-run"),
]


@pytest.fixture
def books(dunner, configure, tmp_path):
    configure(MAILDIR)
    dunner(
        "add-client",
        "ACME",
        "--name",
        "Acme SARL",
        "--email",
        "compta@acme.fr",
        "--registration",
        "732829320",
        "--vat-number",
        "FR44732829320",
        "--address",
        "5 rue de la Paix\n75002 Paris",
    )
    dunner("invoice", "ACME", "--line", "Conseil;1;1000;20", "--issued", "2026-01-01")
    rows = "number,client,amount,issued\nF-2025-0900,ACME,100,2025-12-10\n"
    (tmp_path / "invoices.csv").write_text(rows, encoding="utf-8")


def counts():
    return [query(f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("invoice", "payment", "reminder", "event")]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
@pytest.mark.parametrize(
    ("key", "bad"),
    [("iban", "FR76 3000 6000 0112 3456 7890 188"), ("registration", "73282932000075"), ("bic", "AGRIFRP")],
)
def test_a_bad_identifier_of_the_business_stops_every_document(dunner, books, tmp_path, args, key, bad):
    good = {"iban": GOOD_IBAN, "registration": "73282932000074", "bic": "AGRIFRPP"}[key]
    (tmp_path / "dunner.toml").write_text(BUSINESS.replace(good, bad) + MAILDIR, encoding="utf-8")
    before = counts()
    result = dunner(*args, code=2)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ") and f"[business] {key}:" in lines[0], result.stderr
    assert all(line.startswith(("Error:", "Hint:")) for line in lines), result.stderr
    assert counts() == before  # the ledger is as it was
    assert not any((tmp_path / name).exists() for name in ("out.pdf", "notice.pdf", "dossier.zip", "outbox"))
