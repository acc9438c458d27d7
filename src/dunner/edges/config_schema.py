"""Every section and key the configuration file may hold, each with the check of its value."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from dunner.core.numbering import NumberPattern

LANGUAGES = ("fr", "en")
KINDS = ("business", "consumer")
CATEGORIES = ("goods", "services", "mixed")  # the nature of an operation (French e-invoicing, BT-23)


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


def _capital(value: Any) -> str:
    """A share capital, as a number (10000) or a string ("10 000,00"), kept as a plain decimal string."""
    from dunner.core.errors import BadInput
    from dunner.core.numbers import toml_number

    try:
        amount = toml_number(value, "capital", decimals=2)
    except BadInput:
        amount = Decimal(0)
    if amount <= 0:
        raise ValueError(f"'{value}' is not an amount such as 10000 or 1500.50 (no exponent)")
    return format(amount, "f")


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


def _accounts(value: Any) -> list[str]:
    """[bank] accounts: the business's other accounts, as IBANs (checked) or a bank's account ids."""
    from dunner.core.errors import BadInput
    from dunner.core.identifiers import iban

    for account in _list(value):
        if not isinstance(account, str) or not account.strip():
            raise ValueError("must be a list of IBANs or account ids, as strings")
        if account[:2].isalpha() and account[2:4].isdigit():
            try:
                iban(account)
            except BadInput as exc:
                raise ValueError(f"'{account}': {exc.message}") from None
    return value


def _layouts(value: Any) -> dict[str, dict[str, Any]]:
    """[bank.csv.NAME] tables: the columns of a CSV layout dunner does not recognise by itself."""
    from dunner.edges.statements.tables import MAPPING_KEYS

    if not isinstance(value, dict):
        raise ValueError("must hold [bank.csv.NAME] tables")
    for name, layout in value.items():
        if not isinstance(layout, dict):
            raise ValueError(f"{name} must be a [bank.csv.{name}] table")
        unknown = sorted(set(layout) - MAPPING_KEYS)
        if unknown:
            raise ValueError(f"[bank.csv.{name}] unknown key '{unknown[0]}' (known: {', '.join(sorted(MAPPING_KEYS))})")
        if "date" not in layout or not ({"amount", "debit", "credit"} & set(layout)):
            raise ValueError(f"[bank.csv.{name}] needs date, and amount or debit and credit")
        for key, column in layout.items():
            if key == "skip":
                _int_range(0, 1000)(column)
            elif key == "text" and isinstance(column, list):
                for one in column:
                    _line(one)
            else:
                _line(column)
    return value


def _url(value: Any) -> str:
    """An http(s) URL; plain http only to this machine (a test platform on 127.0.0.1)."""
    from urllib.parse import urlsplit

    parts = urlsplit(_line(value))
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and not local):
        raise ValueError(f"'{value}' is not an https:// URL")
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
        "vat_on_debits": _bool,
        "capital": _capital,
        "rcs": _shown(_line),
    },
    "defaults": {
        "currency": _currency,
        "terms": _int_range(0, 3650),
        "language": _choice(*LANGUAGES),
        "locale": _line,
        "timezone": _timezone,
        "kind": _choice(*KINDS),
        "category": _choice(*CATEGORIES),
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
    "bank": {
        "inbox": _line,
        "accounts": _accounts,
        "hold_after_days": _int_range(0, 365),
        "csv": _layouts,
    },
    # The approved platform of the French e-invoicing reform (AFNOR XP Z12-013 Flow and Directory Services).
    "einvoicing": {
        "flow_url": _url,
        "directory_url": _url,
        "token_url": _url,
        "client_id": _line,
        "client_secret_env": _line,
        "client_secret_command": _line,
        "timeout": _int_range(1, 600),
        "token_auth": _choice("basic", "form"),
        "scope": _line,
        "ca_file": _line,
        "send": _choice("email", "platform"),
        "payment_sent_days": _int_range(0, 90),
    },
    "agenda": {"call_amount": _amount, "call_days_before": _int_range(0, 90)},
}
