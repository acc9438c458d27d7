from pathlib import Path

import pytest

from dunner.core.errors import ConfigError
from dunner.edges.config import SCHEMA, Config, find_config, find_ledger, load
from dunner.edges.resources import example_config

# The dunning engine documents its policy tables in the README (they are arrays of tables).
UNDOCUMENTED_HERE = {
    ("law", "contractual_rate"),
    ("law", "rates"),
    ("dunning", "steps"),
    ("dunning", "profiles"),
    ("dunning", "rules"),
    ("dunning", "group"),
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_example_toml_loads_and_is_documented(tmp_path):
    config = load(write(tmp_path / "dunner.toml", example_config()))
    assert config.business.name == "Atelier Exemple"
    assert config.defaults.currency == "EUR" and config.defaults.terms == 30
    assert config.number_pattern.pattern == "F-{year}-{seq:04}"
    assert config.section("mail")["transport"] == "dry-run"


def test_example_toml_shows_every_key():
    """example.toml documents the whole file: every section and key dunner reads is in it."""
    import re

    text = example_config()
    for section, keys in SCHEMA.items():
        parts = re.split(rf"^\[{section}\]$", text, flags=re.M)
        assert len(parts) == 2, section
        body = re.split(r"^\[(?!{section}\.)".replace("{section}", section), parts[1], flags=re.M)[0]
        for key in keys:
            as_key = re.search(rf"^#? ?{key} = ", body, re.M)
            as_table = re.search(rf"^#? ?\[\[?{section}\.{key}[.\]]", text, re.M)
            assert as_key or as_table, f"[{section}] {key}"


def test_no_file_means_defaults():
    assert load(None) == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[defaults]\nterms = -3\n", "[defaults] terms: must be a whole number from 0 to 3650"),
        ("[defaults]\ncurrency = 'EURO'\n", "[defaults] currency: must be an ISO 4217 code"),
        ("[defaults]\ncurrency = 'ZZZ'\n", "[defaults] currency: 'ZZZ' is not an ISO 4217 currency code"),
        (
            "[defaults]\ntimezone = 'Mars/Olympus'\n",
            "[defaults] timezone: 'Mars/Olympus' is not an IANA time zone",
        ),
        ("[defaults]\nlanguage = 'de'\n", "[defaults] language: must be one of fr, en"),
        ("[defaults]\nterm = 30\n", "[defaults] unknown key 'term'"),
        ("[busines]\nname = 'x'\n", "unknown section [busines]"),
        ("[business]\nemail = 'not-an-email'\n", "[business] email: 'not-an-email' is not an email address"),
        (
            "[invoice]\nnumber_pattern = 'F-{year}'\n",
            "[invoice] number_pattern: invoice number pattern 'F-{year}'",
        ),
        ("[mail]\nport = 'x'\n", "[mail] port: must be a whole number"),
        ("[defaults\n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert err.value.message.startswith(f"{path}: ")
    assert message in err.value.message


def test_resolution_order(tmp_path, monkeypatch):
    app_config = tmp_path / "home" / ".config" / "dunner" / "dunner.toml"
    app_config.parent.mkdir(parents=True)
    write(app_config, "")
    assert find_config(None) == app_config
    local = write(tmp_path / "dunner.toml", "")
    assert find_config(None) == local
    env = write(tmp_path / "env.toml", "")
    monkeypatch.setenv("DUNNER_CONFIG", str(env))
    assert find_config(None) == env
    assert find_config(tmp_path / "cli.toml") == tmp_path / "cli.toml"


def test_ledger_resolution(tmp_path, monkeypatch):
    config = load(write(tmp_path / "conf" / "dunner.toml", "[ledger]\npath = 'books/ledger.db'\n"))
    assert find_ledger("cli.db", config) == "cli.db"
    monkeypatch.setenv("DUNNER_DB", "env.db")
    assert find_ledger(None, config) == "env.db"
    monkeypatch.delenv("DUNNER_DB")
    assert find_ledger(None, config) == str(tmp_path / "conf" / "books" / "ledger.db")
    assert find_ledger(None, Config()).endswith("dunner/ledger.db")
    url = "postgresql+psycopg://dunner@db.example.com/ledger"
    assert find_ledger(None, load(write(tmp_path / "url.toml", f"[ledger]\npath = '{url}'\n"))) == url


def test_bad_config_on_the_command_line(dunner, tmp_path):
    write(tmp_path / "dunner.toml", "[defaults]\nterms = 'thirty'\n")
    result = dunner("clients", code=2)
    assert result.stderr.startswith(f"Error: {tmp_path / 'dunner.toml'}: [defaults] terms:")
    assert "Traceback" not in result.output


def test_missing_explicit_config(dunner, tmp_path):
    result = dunner("--config", str(tmp_path / "nope.toml"), "clients", code=2)
    assert "nope.toml not found" in result.stderr
