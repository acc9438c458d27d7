"""The configuration file: where it is found, what it may hold, and one clear error for a bad value."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dunner.core.errors import ConfigError
from dunner.core.numbering import NumberPattern

if TYPE_CHECKING:  # loaded when asked for: the rate tables cost start-up to every command
    from dunner.core.law import Jurisdiction
    from dunner.core.policy import Policy

CONFIG_ENV = "DUNNER_CONFIG"
DB_ENV = "DUNNER_DB"
CONFIG_NAME = "dunner.toml"
LEDGER_NAME = "ledger.db"
LANGUAGES = ("fr", "en")
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
KINDS = ("business", "consumer")


def app_dir() -> Path:
    """The user's configuration folder for dunner (e.g. ~/.config/dunner on Linux)."""
    import typer

    return Path(typer.get_app_dir("dunner"))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _line(value: Any) -> str:
    if "\n" in _text(value) or "\r" in value:
        raise ValueError("must fit on one line")
    return value


def _shown(check: Callable[[Any], str]) -> Callable[[Any], str]:
    """Text printed on invoices and letters: also no control or invisible format characters (bidi overrides)."""

    def plain(value: Any) -> str:
        from dunner.core.validate import UNSAFE

        found = UNSAFE.search(check(value).replace("\r\n", "").replace("\n", ""))
        if found:
            raise ValueError(f"contains the control or invisible character U+{ord(found[0]):04X}")
        return value

    return plain


def _int_range(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return check


def _amount(value: Any) -> Decimal:
    """An amount in any currency's major units (a threshold), written as a number or a string."""
    from dunner.core.errors import BadInput
    from dunner.core.numbers import toml_number

    try:
        amount = toml_number(value, "amount", decimals=4)
    except BadInput:
        amount = Decimal(-1)
    if amount < 0:
        raise ValueError(f"'{value}' is not an amount such as 5000 or 5000.00 (no exponent)")
    return amount


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    return check


def _email(value: Any) -> str:
    if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", _line(value)):
        raise ValueError(f"'{value}' is not an email address")
    return value


def _currency(value: Any) -> str:
    from dunner.core.errors import BadInput
    from dunner.core.money import check_currency

    code = _line(value)
    if code != code.upper() or len(code) != 3:
        raise ValueError("must be an ISO 4217 code in capitals, like EUR")
    try:
        return check_currency(code)
    except BadInput:
        raise ValueError(f"'{code}' is not an ISO 4217 currency code") from None


def _timezone(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(_line(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone such as Europe/Paris") from None
    return value


def _pattern(value: Any) -> NumberPattern:
    from dunner.core.errors import BadInput

    try:
        return NumberPattern(_line(value))
    except BadInput as exc:
        raise ValueError(exc.message) from None


def _country(value: Any) -> str:
    from dunner.core.validate import is_country

    if not isinstance(value, str) or not is_country(value):
        raise ValueError("must be an ISO 3166 country code in capitals, like FR")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _rate(value: Any) -> str:
    """A percentage written as a string ("12.5") or a number (12.5)."""
    from dunner.core.errors import BadInput
    from dunner.core.numbers import toml_number

    try:
        return str(toml_number(value, "rate", decimals=4))
    except BadInput:
        raise ValueError(f"'{value}' is not a percentage such as 12.5 (at most 4 decimals, no exponent)") from None


def _list(value: Any) -> Any:
    if not isinstance(value, list):
        raise ValueError('must be a list, such as ["D", "E"]')
    return value


def _table(value: Any) -> Any:
    if not isinstance(value, dict | list):
        raise ValueError("must be a table")
    return value


# Every section and key the file may hold, with its check. An unknown key is an error: a typo in a
# key must not silently fall back to a default.
SCHEMA: dict[str, dict[str, Callable[[Any], Any]]] = {
    "business": {
        "name": _shown(_line),
        "legal_form": _shown(_line),
        "address": _shown(_text),
        "registration": _shown(_line),
        "vat_number": _shown(_line),
        "iban": _shown(_line),
        "bic": _shown(_line),
        "email": _email,
        "phone": _shown(_line),
        "website": _shown(_line),
        "payment_link": _shown(_line),
        "vat_franchise": _bool,
        "country": _country,
    },
    "defaults": {
        "currency": _currency,
        "terms": _int_range(0, 3650),
        "language": _choice(*LANGUAGES),
        "locale": _line,
        "timezone": _timezone,
        "kind": _choice(*KINDS),
    },
    "ledger": {"path": _line},
    "invoice": {"number_pattern": _pattern, "credit_note_pattern": _pattern, "discount": _line},
    # Reasons for 0 % VAT lines, checked in depth by vat.py, which names the key.
    "vat": {"exemptions": _table},
    "templates": {"dir": _line},
    "mail": {
        "transport": _choice("smtp", "maildir", "dry-run"),
        "host": _line,
        "port": _int_range(1, 65535),
        "security": _choice("none", "starttls", "ssl"),
        "username": _line,
        "password_env": _line,
        "password_command": _line,
        "from": _email,
        "bcc": _email,
        "maildir": _line,
        "timeout": _int_range(1, 600),
        "ca_file": _line,
    },
    # The tables of [law] and [dunning] are checked in depth by law.py and policy.py, which name the key.
    "law": {
        "profile": _line,
        "contractual_rate": _rate,
        "rates": _table,
        "custom": _table,
        "rounding": _choice("end", "daily"),
    },
    "dunning": {
        "steps": _table,
        "profiles": _table,
        "rules": _table,
        "min_days_between": _int_range(0, 365),
        "group": _choice("client", "invoice"),
        "notice_days": _int_range(1, 90),
        "attach_pdf": _bool,
    },
    "stats": {"window": _int_range(7, 3650), "trend_tolerance": _int_range(0, 365)},
    # The rules of [grades] are checked in depth by grades.py, which names the key.
    "grades": {"rules": _list, "min_history": _int_range(0, 1000), "risky": _list},
    "forecast": {"at_risk_days": _int_range(1, 3650)},
    "agenda": {"call_amount": _amount, "call_days_before": _int_range(0, 90)},
}


@dataclass(frozen=True)
class Business:
    name: str = ""
    legal_form: str = ""
    address: str = ""
    registration: str = ""
    vat_number: str = ""
    iban: str = ""
    bic: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    payment_link: str = ""
    vat_franchise: bool = False  # franchise en base de TVA (art. 293 B du CGI): no VAT on invoices
    country: str = "FR"  # ISO 3166 alpha-2; also the default of clients'


@dataclass(frozen=True)
class Defaults:
    currency: str = "EUR"
    terms: int = 30
    language: str = "fr"
    locale: str = ""
    timezone: str = "Europe/Paris"
    kind: str = "business"

    @property
    def babel_locale(self) -> str:
        return self.locale or LOCALES[self.language]


@dataclass(frozen=True)
class Config:
    """What a command needs from the configuration file, with defaults for what it leaves out."""

    path: Path | None = None
    business: Business = field(default_factory=Business)
    defaults: Defaults = field(default_factory=Defaults)
    ledger_path: str | None = None
    number_pattern: NumberPattern = field(default_factory=lambda: NumberPattern("F-{year}-{seq:04}"))
    credit_note_pattern: NumberPattern = field(default_factory=lambda: NumberPattern("AV-{year}-{seq:04}"))
    templates_dir: Path | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """A section as checked against SCHEMA, for the parts of dunner that own it (mail, law, dunning)."""
        return self.sections.get(name, {})

    def jurisdiction(self) -> Jurisdiction:
        """The late-payment laws and rate tables of `[law]` (core/law.py checks the section, naming the key)."""
        from dunner.core.law import load_jurisdiction

        return load_jurisdiction(self.section("law"), str(self.path or "config"))

    def policy(self) -> Policy:
        """The dunning policy of `[dunning]` (core/policy.py checks the section, naming the key)."""
        from dunner.core.policy import load_policy

        return load_policy(self.section("dunning"), str(self.path or "config"))

    def resolve(self, path: str) -> Path:
        """A path from the file, relative to the file's own folder, with ~ expanded."""
        resolved = Path(path).expanduser()
        if not resolved.is_absolute() and self.path is not None:
            resolved = self.path.parent / resolved
        return resolved


def _check(path: Path, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    checked: dict[str, dict[str, Any]] = {}
    for section, values in data.items():
        if section not in SCHEMA:
            raise ConfigError(f"{path}: unknown section [{section}]", hint=f"known: {', '.join(SCHEMA)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: {section} must be a [{section}] table")
        checked[section] = {}
        for key, value in values.items():
            check = SCHEMA[section].get(key)
            if check is None:
                raise ConfigError(
                    f"{path}: [{section}] unknown key '{key}'",
                    hint=f"known keys: {', '.join(SCHEMA[section])}",
                )
            try:
                checked[section][key] = check(value)
            except ValueError as exc:
                raise ConfigError(f"{path}: [{section}] {key}: {exc}") from None
    return checked


def load(path: Path | None) -> Config:
    """Read and check the file at `path`; None gives the built-in defaults."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found", hint="create one with 'dunner init'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    sections = _check(path, data)
    invoice = sections.get("invoice", {})
    ledger = sections.get("ledger", {})
    config = Config(
        path=path.resolve(),
        business=Business(**sections.get("business", {})),
        defaults=Defaults(**sections.get("defaults", {})),
        ledger_path=ledger.get("path"),
        number_pattern=invoice.get("number_pattern", NumberPattern("F-{year}-{seq:04}")),
        credit_note_pattern=invoice.get("credit_note_pattern", NumberPattern("AV-{year}-{seq:04}")),
        sections=sections,
    )
    templates = sections.get("templates", {}).get("dir")
    return replace(config, templates_dir=config.resolve(templates)) if templates else config


def find_config(option: Path | None) -> Path | None:
    """--config, then $DUNNER_CONFIG, then ./dunner.toml, then the app folder's dunner.toml (DESIGN §6)."""
    if option is not None:
        return option
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    for candidate in (Path.cwd() / CONFIG_NAME, app_dir() / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def uses_default_ledger(option: str | None, config: Config) -> bool:
    """Whether `find_ledger` falls back to the app folder's ledger (nothing names another)."""
    return not option and not os.environ.get(DB_ENV) and not config.ledger_path


def find_ledger(option: str | None, config: Config) -> str:
    """--db, then $DUNNER_DB, then [ledger] path from the config, then the app folder's ledger.db."""
    if option:
        return option
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    if config.ledger_path:
        if "://" in config.ledger_path:  # a database URL, not a file next to the config
            return config.ledger_path
        return str(config.resolve(config.ledger_path))
    return str(app_dir() / LEDGER_NAME)


def check_business(config: Config) -> None:
    """The business's own identity is checked like a client's, before anything is issued, printed or sent:
    a registration (SIREN/SIRET), VAT number, IBAN or BIC that fails its checksum is an error naming the key."""
    from dunner.core.errors import BadInput
    from dunner.core.identifiers import bic, iban, registration, vat_number

    business = config.business
    for key, check in (("registration", registration), ("vat_number", vat_number), ("iban", iban), ("bic", bic)):
        value = getattr(business, key)
        if value:
            try:
                check(value)
            except BadInput as exc:
                raise ConfigError(
                    f"{config.path or 'config'}: [business] {key}: {exc.message}",
                    hint=f"correct [business] {key}: nothing is issued, printed or sent with it as it is",
                ) from None
