"""The configuration file: where it is found, what it may hold, and one clear error for a bad value."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dunner.core.errors import ConfigError
from dunner.core.numbering import NumberPattern
from dunner.edges.config_schema import SCHEMA

if TYPE_CHECKING:  # loaded when asked for: the rate tables cost start-up to every command
    from dunner.core.law import Jurisdiction
    from dunner.core.policy import Policy

CONFIG_ENV = "DUNNER_CONFIG"
DB_ENV = "DUNNER_DB"
CONFIG_NAME = "dunner.toml"
LEDGER_NAME = "ledger.db"
LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def app_dir() -> Path:
    """The user's configuration folder for dunner (e.g. ~/.config/dunner on Linux)."""
    import typer

    return Path(typer.get_app_dir("dunner"))


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
    vat_on_debits: bool = False  # option pour le paiement de la TVA d'après les débits (services)
    capital: str = ""  # a company's share capital, in the default currency ("10000")
    rcs: str = ""  # the city of the trade register (RCS) the company is registered at


@dataclass(frozen=True)
class Defaults:
    currency: str = "EUR"
    terms: int = 30
    language: str = "fr"
    locale: str = ""
    timezone: str = "Europe/Paris"
    kind: str = "business"
    category: str = "services"  # what invoices are for: goods, services or mixed (both)

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
