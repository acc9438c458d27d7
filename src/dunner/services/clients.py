"""Clients: adding, finding and listing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dunner import validate
from dunner.config import KINDS, LANGUAGES, Config
from dunner.dates import utc_now
from dunner.db import Ledger
from dunner.errors import Conflict, NotFound
from dunner.money import Money, check_currency, parse_amount

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
)


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
        )

    def as_row(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in CLIENT_COLUMNS}


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
        "registration": check("registration", validate.line, raw.get("registration"), "registration", max_len=40),
        "vat_number": check("vat_number", validate.line, raw.get("vat_number"), "VAT number", max_len=40),
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
        "credit_limit_cents": None
        if limit in (None, "") or currency is None
        else getattr(check("credit_limit", parse_amount, str(limit), currency, allow_zero=True), "minor", None),
        "profile": check("profile", validate.line, raw.get("profile"), "profile", max_len=40),
        "law": check("law", validate.line, raw.get("law"), "law", max_len=40),
    }
    check.done()
    _check_profile_and_law(config, values)
    return values


def _check_profile_and_law(config: Config, values: dict[str, Any]) -> None:
    """A client's dunning profile and law must be ones the configuration knows."""
    if values.get("profile"):
        from dunner.services.dunning import policy_of

        policy_of(config).profile(values["profile"])
    if values.get("law"):
        from dunner.services.claims import jurisdiction

        jurisdiction(config).law(values["law"])


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


def list_clients(ledger: Ledger) -> list[Client]:
    return [Client.from_row(r) for r in ledger.all("SELECT * FROM client ORDER BY lower(code)")]
