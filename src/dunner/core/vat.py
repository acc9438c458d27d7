"""Why a line carries no VAT: the exemption mention an invoice with 0 % lines must print. Pure.

A French invoice without VAT on a line must say why (CGI annexe II art. 242 nonies A): reverse
charge ("Autoliquidation"), an intra-EU supply of goods, an export, or an exemption article. Each
reason has its EN 16931 VAT category (BT-118/BT-151) and, when there is one, its VATEX code (BT-121),
so the Factur-X XML says the same as the PDF. The three common cases are built in; `[vat] exemptions`
adds others (or rewords these): `KEY = { category = "E", code = "VATEX-...", fr = "...", en = "..." }`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dunner.core.errors import BadInput, ConfigError

# EN 16931 categories of a 0 % line that needs a reason: reverse charge, intra-Community supply,
# export outside the EU, exempt. (O, outside the scope of VAT, has rules of its own: no seller VAT
# number, no rate, not mixed with other categories; dunner does not write it.)
CATEGORIES = ("AE", "K", "G", "E")
LANGUAGES = ("fr", "en")
# How an invoice keeps the reason it was issued with (migration m005).
COLUMNS = ("vat_exemption", "vat_exemption_category", "vat_exemption_code", "vat_exemption_text")


@dataclass(frozen=True)
class Exemption:
    key: str
    category: str
    code: str | None  # VATEX code, e.g. VATEX-EU-AE
    text: dict[str, str]  # the mention, by language ("fr" always)

    def mention(self, language: str) -> str:
        return self.text.get(language) or self.text["fr"]


def stored(reason: Exemption | None) -> tuple[str | None, ...]:
    """The reason as an invoice keeps it (COLUMNS): key, category, code and the mentions by language as
    JSON, so the invoice prints the same words in whichever language it is printed."""
    if reason is None:
        return (None, None, None, None)
    return (reason.key, reason.category, reason.code, json.dumps(reason.text, ensure_ascii=False))


def from_row(row: Any) -> Exemption | None:
    """The reason an invoice was issued with, from its COLUMNS (None if it has none)."""
    if not row["vat_exemption"]:
        return None
    return Exemption(
        row["vat_exemption"],
        row["vat_exemption_category"],
        row["vat_exemption_code"],
        json.loads(row["vat_exemption_text"]),
    )


BUILTIN = {
    "reverse-charge": Exemption(
        "reverse-charge", "AE", "VATEX-EU-AE", {"fr": "Autoliquidation", "en": "Reverse charge (autoliquidation)"}
    ),
    "intra-eu": Exemption(
        "intra-eu",
        "K",
        "VATEX-EU-IC",
        {
            "fr": "Exonération de TVA, article 262 ter I du CGI",
            "en": "VAT exempt intra-Community supply, article 262 ter I du CGI (article 138 of Directive 2006/112/EC)",
        },
    ),
    "export": Exemption(
        "export",
        "G",
        "VATEX-EU-G",
        {
            "fr": "Exonération de TVA, article 262 I du CGI",
            "en": "VAT exempt export outside the EU, article 262 I du CGI (article 146 of Directive 2006/112/EC)",
        },
    ),
}


def exemptions(config: Any) -> dict[str, Exemption]:
    """The built-in reasons with those of `[vat] exemptions` (which may reword a built-in one)."""
    found = dict(BUILTIN)
    for key, table in config.section("vat").get("exemptions", {}).items():
        name = key.strip().lower()  # keys are typed in any case, like client codes
        if name == "none":
            raise ConfigError("[vat] exemptions.none: 'none' means no reason; name the reason otherwise")
        found[name] = _exemption(name, table)
    return found


def _exemption(key: str, table: Any) -> Exemption:
    where = f"[vat] exemptions.{key}"
    if not isinstance(table, dict):
        raise ConfigError(f'{where} must be a table: {{ category = "E", fr = "...", en = "..." }}')
    unknown = sorted(set(table) - {"category", "code", "fr", "en"})
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'", hint="known keys: category, code, fr, en")
    category = str(table.get("category", ""))
    if category not in CATEGORIES:
        raise ConfigError(f"{where}: category must be one of {', '.join(CATEGORIES)} (EN 16931), not '{category}'")
    for lang in LANGUAGES:
        if lang in table and not isinstance(table[lang], str):
            raise ConfigError(f"{where}: {lang} must be text (the mention printed on the invoice)")
    text = {lang: table[lang].strip() for lang in LANGUAGES if table.get(lang, "").strip()}
    if "fr" not in text:
        raise ConfigError(f"{where}: fr is required (the mention printed on French invoices)")
    code = str(table["code"]).strip() if table.get("code") else None
    if code is not None and not code.upper().startswith(("VATEX-EU-", "VATEX-FR-")):
        raise ConfigError(f"{where}: code must be a VATEX code (e.g. VATEX-EU-132-1I), not '{code}'")
    return Exemption(key, category, code.upper() if code else None, text)


def chosen(config: Any, key: str | None) -> Exemption | None:
    """The reason a user named; None for a blank or "none" (no reason)."""
    if key is None or not key.strip() or key.strip().lower() == "none":
        return None
    return exemption(config, key)


def exemption(config: Any, key: str) -> Exemption:
    """The reason named `key`, or a clear error listing the known ones."""
    known = exemptions(config)
    found = known.get(key.strip().lower())
    if found is None:
        raise BadInput(f"unknown VAT exemption '{key}'", hint=f"known: {', '.join(known)} ([vat] exemptions adds more)")
    return found
