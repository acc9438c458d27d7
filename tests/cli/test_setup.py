import json
import sqlite3
import tomllib

from helpers import POSTGRES, flat, query


def test_demo_covers_every_bucket_and_never_touches_the_real_ledger(dunner, tmp_path, client):
    client("MINE")  # the user's own ledger ($DUNNER_DB)
    before = query("SELECT * FROM client"), not POSTGRES and (tmp_path / "ledger.db").stat().st_mtime_ns
    result = dunner("demo", "--dir", str(tmp_path / "demo"), "--as-of", "2026-11-23")
    table = flat(result.stdout)
    for bucket in ["current", "1-30", "31-60", "61-90", "91+"]:
        assert bucket in table
    assert "HOTEL" in table and "50,00 €" in table  # the overpayment, held as credit
    assert (query("SELECT * FROM client"), not POSTGRES and (tmp_path / "ledger.db").stat().st_mtime_ns) == before
    assert [c["code"] for c in json.loads(dunner("clients", "--format", "json").stdout)] == ["MINE"]
    demo_db = str(tmp_path / "demo" / "ledger.db")
    rows = json.loads(dunner("--db", demo_db, "aging", "--format", "json", "--as-of", "2026-11-23").stdout)
    totals = {r["client"]: r for r in rows}
    for bucket in ["current", "1-30", "31-60", "61-90", "91+"]:
        assert any(r[bucket] != "0.00" for r in rows), bucket
    assert totals["HOTEL"]["credit"] == "50.00"
    assert {r["currency"] for r in rows} == {"EUR", "GBP"}
    partial = json.loads(dunner("--db", demo_db, "invoices", "--format", "json", "--as-of", "2026-11-23").stdout)
    assert any(r["paid"] != "0.00" and r["outstanding"] != "0.00" for r in partial)
    assert "already holds a ledger" in dunner("demo", "--dir", str(tmp_path / "demo"), code=2).stderr


def test_demo_in_a_temporary_folder(dunner, monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("DUNNER_DB", str(tmp_path / "mine.db"))  # a ledger the demo must not create
    result = dunner("demo")
    assert "Demo ledger: " + str(tmp_path / "tmp") in result.stderr
    assert not (tmp_path / "mine.db").exists()


def test_init_writes_a_config_and_an_empty_ledger(dunner, tmp_path, monkeypatch):
    monkeypatch.delenv("DUNNER_DB")
    result = dunner("init")
    config = tmp_path / "home" / ".config" / "dunner" / "dunner.toml"
    assert f"Wrote {config}" in result.stderr
    assert tomllib.loads(config.read_text())["invoice"]["number_pattern"] == "F-{year}-{seq:04}"
    ledger = config.parent / "ledger.db"
    with sqlite3.connect(ledger) as conn:
        assert conn.execute("SELECT COUNT(*) FROM client").fetchone()[0] == 0
    assert f"Kept {config}" in dunner("init").stderr  # an existing config is never overwritten...
    dunner("init", "--force")  # ...unless asked
    # from any folder, the app-folder config and its ledger are found
    dunner("add-client", "ACME", "--name", "Acme", "--email", "a@acme.fr")
    with sqlite3.connect(ledger) as conn:
        assert conn.execute("SELECT code FROM client").fetchall() == [("ACME",)]


def test_init_with_an_explicit_config_path(dunner, tmp_path, monkeypatch):
    monkeypatch.delenv("DUNNER_DB")
    dunner("--config", str(tmp_path / "books" / "dunner.toml"), "init")
    assert (tmp_path / "books" / "ledger.db").exists()
