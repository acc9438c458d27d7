"""Clients: adding, finding and listing them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dunner.core import validate
from dunner.core.errors import Conflict, NotFound
from dunner.core.identifiers import electronic_address, registration, vat_number
from dunner.core.money import Money, check_currency, parse_amount
from dunner.edges.clock import utc_now
from dunner.edges.config import Config
from dunner.edges.config_schema import KINDS, LANGUAGES
from dunner.edges.storage.ledger import Ledger

# Client columns in the order `clients`, `export clients` and `import clients` use them.
CLIENT_COLUMNS = (
    "code",
    "name",
    "email",
    "contact",
    "phone",
    "kind",
    "registration",
    "vat_number",
    "address",
    "language",
    "currency",
    "terms",
    "credit_limit",
    "profile",
    "law",
    "end_of_month",
    "country",
    "vat_exemption",
    "electronic_address",
)


# Fields as users name them (CLI options, CSV columns) that are stored under another column name.
COLUMN_OF = {"terms": "terms_days", "credit_limit": "credit_limit_cents", "end_of_month": "terms_eom"}


@dataclass(frozen=True, slots=True)
class Client:
    id: int
    code: str
    name: str
    email: str
    contact: str | None
    phone: str | None
    kind: str
    registration: str | None
    vat_number: str | None
    address: str | None
    language: str
    currency: str
    terms: int | None
    credit_limit: Money | None
    profile: str | None
    law: str | None
    end_of_month: bool = False  # terms count to the end of the month ("45 jours fin de mois")
    country: str = "FR"  # ISO 3166 alpha-2
    vat_exemption: str | None = None  # why their 0 % lines carry no VAT (a key of vat.exemptions)
    electronic_address: str | None = None  # where they receive e-invoices (directory address, BT-49)

    @classmethod
    def from_row(cls, row: Any) -> Client:
        limit = row["credit_limit_cents"]
        return cls(
            id=row["id"],
            code=row["code"],
            name=row["name"],
            email=row["email"],
            contact=row["contact"],
            phone=row["phone"],
            kind=row["kind"],
            registration=row["registration"],
            vat_number=row["vat_number"],
            address=row["address"],
            language=row["language"],
            currency=row["currency"],
            terms=row["terms_days"],
            credit_limit=None if limit is None else Money(limit, row["currency"]),
            profile=row["profile"],
            law=row["law"],
            end_of_month=bool(row["terms_eom"]),
            country=row["country"] or "FR",
            vat_exemption=row["vat_exemption"],
            electronic_address=row["electronic_address"],
        )

    def as_row(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in CLIENT_COLUMNS}

    def stored(self) -> dict[str, Any]:
        """The client's `client` columns as client_values() would write them, for comparisons."""
        values = {COLUMN_OF.get(k, k): v for k, v in self.as_row().items()}
        values["credit_limit_cents"] = self.credit_limit.minor if self.credit_limit else None
        values["terms_eom"] = int(self.end_of_month)
        return values


def client_values(config: Config, raw: dict[str, Any]) -> dict[str, Any]:
    """Check a client's fields as typed (strings, None for absent) and return the `client` columns.

    Every bad field is reported (validate.FieldErrors), each under the name users type it with.
    """
    check = validate.Checker()
    currency = check("currency", check_currency, raw.get("currency") or config.defaults.currency)
    limit, terms = raw.get("credit_limit"), raw.get("terms")
    values = {
        "code": check("code", validate.client_code, raw.get("code") or ""),
        "name": check("name", validate.line, raw.get("name"), "name", required=True),
        "email": check("email", validate.emails, raw.get("email") or ""),
        "contact": check("contact", validate.line, raw.get("contact"), "contact"),
        "phone": check("phone", validate.line, raw.get("phone"), "phone", max_len=40),
        "kind": check("kind", validate.choice, raw.get("kind") or config.defaults.kind, KINDS, "kind"),
        "registration": check("registration", _identifier, raw.get("registration"), "registration", registration),
        "vat_number": check("vat_number", _identifier, raw.get("vat_number"), "VAT number", vat_number),
        "address": check("address", validate.block, raw.get("address"), "address"),
        "language": check(
            "language",
            validate.choice,
            raw.get("language") or config.defaults.language,
            LANGUAGES,
            "language",
        ),
        "currency": currency,
        "terms_days": None if terms in (None, "") else check("terms", validate.whole_days, terms),
        "terms_eom": int(bool(check("end_of_month", validate.yes_no, raw.get("end_of_month"), "end_of_month"))),
        "country": check("country", validate.country, raw.get("country") or config.business.country),
        "credit_limit_cents": None
        if limit in (None, "") or currency is None
        else getattr(check("credit_limit", parse_amount, str(limit), currency, allow_zero=True), "minor", None),
        "profile": check("profile", validate.line, raw.get("profile"), "profile", max_len=40),
        "law": check("law", validate.line, raw.get("law"), "law", max_len=40),
        "vat_exemption": check("vat_exemption", _exemption_key, config, raw.get("vat_exemption")),
    }
    values["electronic_address"] = check(
        "electronic_address", _address, raw.get("electronic_address"), values.get("registration")
    )
    check.done()
    _check_profile_and_law(config, values)
    return values


def _exemption_key(config: Config, value: str | None) -> str | None:
    from dunner.core.vat import chosen

    reason = chosen(config, value)
    return None if reason is None else reason.key


def _address(value: str | None, registration: str | None) -> str | None:
    text = validate.line(value, "electronic address", max_len=125)
    return None if text is None else electronic_address(text, registration)


def _identifier(value: str | None, what: str, check: Callable[[str], str]) -> str | None:
    text = validate.line(value, what, max_len=40)
    return None if text is None else check(text)


def _check_profile_and_law(config: Config, values: dict[str, Any]) -> None:
    """A client's dunning profile and law must be ones the configuration knows."""
    if values.get("profile"):
        config.policy().profile(values["profile"])
    if values.get("law"):
        config.jurisdiction().law(values["law"])


def find_client(ledger: Ledger, code: str) -> Client | None:
    row = ledger.one("SELECT * FROM client WHERE lower(code) = lower(?)", (code.strip(),))
    return None if row is None else Client.from_row(row)


def get_client(ledger: Ledger, code: str) -> Client:
    client = find_client(ledger, code)
    if client is None:
        raise NotFound(f"no client '{code}'", hint="see 'dunner clients' for the codes")
    return client


def insert_client(ledger: Ledger, values: dict[str, Any]) -> int:
    names = [*values, "created_at"]
    return ledger.insert(
        f"INSERT INTO client ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [*values.values(), utc_now()],
    )


def add_client(ledger: Ledger, config: Config, raw: dict[str, Any]) -> Client:
    """Create a client from the fields as typed; the code must be new (case does not matter)."""
    values = client_values(config, raw)
    with ledger.transaction():
        existing = find_client(ledger, values["code"])
        if existing is not None:
            raise Conflict(f"client '{existing.code}' already exists", hint="pick another code")
        insert_client(ledger, values)
    return get_client(ledger, values["code"])


def list_clients(ledger: Ledger) -> Iterator[Client]:
    """Every client, by code, streamed (10,000 clients are never held as a list)."""
    return map(Client.from_row, ledger.rows("SELECT * FROM client ORDER BY lower(code)"))
