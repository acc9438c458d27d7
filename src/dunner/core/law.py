"""Late-payment law as data: reference-rate tables and jurisdiction profiles.

The shipped tables hold the published rates (see RATE_SOURCES); `[law.rates.NAME]` in the config adds
or corrects entries without a new release, and `[law.custom]` describes a jurisdiction of your own.
A table knows the last date it is complete for: asking for a later rate is an error that says which
entry to add, never a silent reuse of an old rate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.numbers import toml_number

D = Decimal


class MissingRate(BadInput):
    """A claim needs a reference rate the tables do not hold yet."""


@dataclass(frozen=True)
class RateTable:
    name: str
    title: str
    changes: tuple[tuple[date, Decimal], ...]  # (effective from, percent a year), in date order
    known_until: date  # the table is complete up to this day
    provisional: frozenset[date] = frozenset()  # entries from a single unofficial source, to confirm

    def rate_on(self, day: date) -> tuple[Decimal, str | None]:
        """The rate in force on `day`, and a warning when it is a provisional figure."""
        last = self.changes[-1][0] if self.changes else date.min
        if not self.changes or day < self.changes[0][0] or day > max(self.known_until, last):
            raise MissingRate(
                f"no {self.title} known for {day}",
                hint=f'check the published rate and add it to the config: [law.rates.{self.name}] "{day}" = "RATE"',
            )
        start, rate = [(start, rate) for start, rate in self.changes if start <= day][-1]
        if start in self.provisional:
            return rate, (
                f"the {self.title} of {rate}% from {start} is provisional (one unofficial source); "
                f'confirm it with [law.rates.{self.name}] "{start}" = "{rate}"'
            )
        return rate, None

    def extended(self, entries: dict[date, Decimal]) -> RateTable:
        """The table with the config's entries added or corrected; those are confirmed by the user."""
        if not entries:
            return self
        changes = tuple(sorted((dict(self.changes) | entries).items()))
        return replace(
            self,
            changes=changes,
            known_until=max(self.known_until, *entries),
            provisional=self.provisional - set(entries),
        )


def _table(name: str, title: str, known_until: str, rows: str, provisional: tuple[str, ...] = ()) -> RateTable:
    changes = tuple(
        (date.fromisoformat(day), D(rate)) for day, rate in (line.split() for line in rows.strip().splitlines())
    )
    return RateTable(
        name,
        title,
        changes,
        date.fromisoformat(known_until),
        frozenset(date.fromisoformat(p) for p in provisional),
    )


# Published values; effective dates are the days a new rate applied from. Where each figure comes from,
# and how sure it is, is in docs/rates.md. Bump known_until only with a new published figure.
TABLES = {
    "ecb": _table(
        "ecb",
        "ECB main refinancing rate",
        "2026-07-01",
        """
        2022-07-27 0.50
        2022-09-14 1.25
        2022-11-02 2.00
        2022-12-21 2.50
        2023-02-08 3.00
        2023-03-22 3.50
        2023-05-10 3.75
        2023-06-21 4.00
        2023-08-02 4.25
        2023-09-20 4.50
        2024-06-12 4.25
        2024-09-18 3.65
        2024-10-23 3.40
        2024-12-18 3.15
        2025-02-05 2.90
        2025-03-12 2.65
        2025-04-23 2.40
        2025-06-11 2.15
        2026-06-17 2.40
    """,
        provisional=("2026-06-17",),
    ),
    "fr-legal-pro": _table(
        "fr-legal-pro",
        "French legal interest rate (other cases)",
        "2026-06-30",
        """
        2023-01-01 2.06
        2023-07-01 4.22
        2024-01-01 5.07
        2024-07-01 4.92
        2025-01-01 3.71
        2025-07-01 2.76
        2026-01-01 2.62
    """,
    ),
    "fr-legal-private": _table(
        "fr-legal-private",
        "French legal interest rate (private creditors)",
        "2026-06-30",
        """
        2023-01-01 4.47
        2023-07-01 6.82
        2024-01-01 8.01
        2024-07-01 8.16
        2025-01-01 7.21
        2025-07-01 6.65
        2026-01-01 6.67
    """,
    ),
    "boe": _table(
        "boe",
        "Bank of England base rate",
        "2026-06-30",
        """
        2022-06-16 1.25
        2022-08-04 1.75
        2022-09-22 2.25
        2022-11-03 3.00
        2022-12-15 3.50
        2023-02-02 4.00
        2023-03-23 4.25
        2023-05-11 4.50
        2023-06-22 5.00
        2023-08-03 5.25
        2024-08-01 5.00
        2024-11-07 4.75
        2025-02-06 4.50
        2025-05-08 4.25
        2025-08-07 4.00
        2025-12-18 3.75
    """,
    ),
    "de-base": _table(
        "de-base",
        "German base rate (Basiszinssatz)",
        "2026-12-31",
        """
        2023-01-01 1.62
        2023-07-01 3.12
        2024-01-01 3.62
        2024-07-01 3.37
        2025-01-01 2.27
        2025-07-01 1.27
        2026-01-01 1.27
        2026-07-01 1.52
    """,
        provisional=("2026-07-01",),
    ),
}


@dataclass(frozen=True)
class Law:
    """A jurisdiction's late-payment rules."""

    name: str
    title: str
    table: str | None  # reference-rate table; None: no statutory interest
    margin: Decimal = Decimal(0)  # points added to the reference rate
    eve: bool = False  # True: the rate in force the day before the half-year (UK), else on its first day
    indemnity: tuple[tuple[Decimal | None, Decimal], ...] = ()  # (debts below this, amount); None = any
    currency: str | None = None  # the indemnity's currency
    floor: tuple[str, Decimal] | None = None  # a contractual rate must be >= factor x this table's rate
    consumer: str | None = None  # the profile that applies to consumer clients
    titles: tuple[tuple[str, str], ...] = ()  # (language, how a letter names the law)

    def named(self, language: str) -> str:
        return dict(self.titles).get(language, self.title)

    def reference_day(self, half_year: date) -> date:
        return half_year - timedelta(days=1) if self.eve else half_year

    def indemnity_for(self, debt: Decimal) -> Decimal:
        for below, amount in self.indemnity:
            if below is None or debt < below:
                return amount
        return D(0)


LAWS = {
    "fr-b2b": Law(
        "fr-b2b",
        "France, between businesses (Code de commerce L441-10)",
        "ecb",
        D(10),
        indemnity=((None, D(40)),),
        currency="EUR",
        floor=("fr-legal-pro", D(3)),
        consumer="fr-b2c",
        titles=(
            ("fr", "l'article L441-10 du Code de commerce (taux de la BCE majoré de 10 points)"),
            ("en", "article L441-10 of the French Commercial Code (ECB rate plus 10 points)"),
        ),
    ),
    "fr-b2c": Law(
        "fr-b2c",
        "France, consumer (taux de l'intérêt légal)",
        "fr-legal-pro",
        titles=(("fr", "le taux de l'intérêt légal"), ("en", "the French legal interest rate")),
    ),
    "uk": Law(
        "uk",
        "United Kingdom (Late Payment of Commercial Debts (Interest) Act 1998)",
        "boe",
        D(8),
        eve=True,
        indemnity=((D(1000), D(40)), (D(10000), D(70)), (None, D(100))),
        currency="GBP",
        consumer="uk-b2c",
        titles=(
            ("en", "the Late Payment of Commercial Debts (Interest) Act 1998 (base rate plus 8%)"),
            (
                "fr",
                "la loi britannique de 1998 sur les retards de paiement (taux de base majoré de 8 points)",
            ),
        ),
    ),
    "uk-b2c": Law("uk-b2c", "United Kingdom, consumer (no statutory interest)", None),
    "de-b2b": Law(
        "de-b2b",
        "Germany, between businesses (BGB §288 (2), (5))",
        "de-base",
        D(9),
        indemnity=((None, D(40)),),
        currency="EUR",
        consumer="de-b2c",
        titles=(
            ("en", "§288 of the German Civil Code (base rate plus 9 points)"),
            ("fr", "l'article 288 du Code civil allemand (taux de base majoré de 9 points)"),
        ),
    ),
    "de-b2c": Law(
        "de-b2c",
        "Germany, consumer (BGB §288 (1))",
        "de-base",
        D(5),
        titles=(
            ("en", "§288 of the German Civil Code (base rate plus 5 points)"),
            ("fr", "l'article 288 du Code civil allemand (taux de base majoré de 5 points)"),
        ),
    ),
}


@dataclass(frozen=True)
class Jurisdiction:
    """The laws and rate tables in effect for this configuration."""

    laws: dict[str, Law]
    tables: dict[str, RateTable]
    default: str = "fr-b2b"
    contractual_rate: Decimal | None = None
    daily_rounding: bool = False  # round each day's interest to the cent first (the gov.uk illustration)

    def law_for(self, client_law: str | None, kind: str) -> Law:
        law = self.law(client_law or self.default)
        if kind == "consumer" and law.consumer and not client_law:
            return self.law(law.consumer)
        return law

    def law(self, name: str) -> Law:
        if name not in self.laws:
            raise BadInput(f"no law profile '{name}'", hint=f"known: {', '.join(self.laws)}")
        return self.laws[name]

    def rate_for(self, law: Law, half_year: date) -> tuple[Decimal, str | None]:
        """The annual rate in percent for one half-year (contractual, else reference + margin), and a warning."""
        if self.contractual_rate is not None:
            return self.contractual_rate, self.check_contractual(law, half_year)
        if law.table is None:
            return D(0), None
        rate, warning = self.tables[law.table].rate_on(law.reference_day(half_year))
        return rate + law.margin, warning

    def check_contractual(self, law: Law, half_year: date) -> str | None:
        """Refuse a contractual rate below the legal floor (France: three times the legal rate)."""
        if law.floor is None or self.contractual_rate is None:
            return None
        table, factor = law.floor
        legal, warning = self.tables[table].rate_on(half_year)
        minimum = legal * factor
        if self.contractual_rate < minimum:
            raise BadInput(
                f"the contractual rate {self.contractual_rate}% is below {factor} times the legal interest rate "
                f"({minimum}% for the half-year from {half_year}); {law.name} law does not allow it",
                hint="raise [law] contractual_rate or remove it to use the statutory rate",
            )
        return warning


def _decimal(where: str, value: Any) -> Decimal:
    number = toml_number(value, f"{where}:", decimals=4)
    if number < 0 or number > 100:
        raise BadInput(f"{where}: '{value}' is not a rate between 0 and 100")
    return number


def _rates(raw: Any) -> dict[str, dict[date, Decimal]]:
    if not isinstance(raw, dict):
        raise BadInput('[law] rates: must be tables such as [law.rates.ecb] with "YYYY-MM-DD" = "RATE" lines')
    extra: dict[str, dict[date, Decimal]] = {}
    for name, entries in raw.items():
        if not isinstance(entries, dict):
            raise BadInput(f'[law.rates.{name}]: must map dates to rates, like "2026-07-01" = "2.15"')
        try:
            extra[name] = {date.fromisoformat(k): _decimal(f"[law.rates.{name}] {k}", v) for k, v in entries.items()}
        except ValueError:
            raise BadInput(f"[law.rates.{name}]: keys must be ISO dates (YYYY-MM-DD)") from None
    return extra


def _indemnity(raw: dict[str, Any]) -> tuple[Decimal, str | None]:
    """The custom fixed indemnity, exact in its currency (never rounded or truncated)."""
    from dunner.core.money import check_currency, minor_units

    amount = _decimal("[law.custom] indemnity", raw.get("indemnity", 0))
    currency = raw.get("currency")
    if currency is None:
        if amount:
            raise BadInput('[law.custom] indemnity: give its currency too (currency = "EUR")')
        return amount, None
    if not isinstance(currency, str):
        raise BadInput('[law.custom] currency: must be an ISO 4217 code such as "EUR"')
    currency = check_currency(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-minor_units(currency))):
        raise BadInput(f"[law.custom] indemnity: {amount} has more decimals than {currency} has")
    return amount, currency


def _custom(raw: Any, tables: dict[str, RateTable]) -> Law:
    if not isinstance(raw, dict):
        raise BadInput("[law.custom]: must be a table with rates, margin, indemnity, currency or fixed_rate")
    unknown = sorted(set(raw) - {"rates", "margin", "indemnity", "currency", "fixed_rate"})
    if unknown:
        raise BadInput(f"[law.custom]: unknown key '{unknown[0]}'")
    table = raw.get("rates")
    if table is not None and (not isinstance(table, str) or table not in tables):
        raise BadInput(f"[law.custom] rates: no rate table '{table}'", hint=f"known: {', '.join(tables)}")
    indemnity, currency = _indemnity(raw)
    law = Law(
        "custom",
        "Custom",
        table,
        _decimal("[law.custom] margin", raw.get("margin", 0)),
        indemnity=((None, indemnity),) if indemnity else (),
        currency=currency,
    )
    if "fixed_rate" in raw:
        fixed = _decimal("[law.custom] fixed_rate", raw["fixed_rate"])
        name = "custom-fixed"
        tables[name] = RateTable(name, "fixed rate", ((date(1900, 1, 1), fixed),), date.max)
        law = replace(law, table=name, margin=D(0))
    return law


def load_jurisdiction(section: dict[str, Any], source: str = "config") -> Jurisdiction:
    """The laws in effect for a checked [law] section; errors name the file and key."""
    try:
        tables = dict(TABLES)
        for name, entries in _rates(section.get("rates", {})).items():
            base = tables.get(name) or RateTable(name, f"'{name}' rate", (), date.min)
            tables[name] = base.extended(entries)
        laws = dict(LAWS)
        if "custom" in section:
            laws["custom"] = _custom(section["custom"], tables)
        default = section.get("profile", "fr-b2b")
        if default not in laws:
            raise BadInput(f"[law] profile: no profile '{default}'", hint=f"known: {', '.join(laws)}")
        contractual = section.get("contractual_rate")
        rate = None if contractual is None else _decimal("[law] contractual_rate", contractual)
    except BadInput as exc:
        raise BadInput(f"{source}: {exc.message}", hint=exc.hint) from None
    return Jurisdiction(laws, tables, default, rate, section.get("rounding", "end") == "daily")
