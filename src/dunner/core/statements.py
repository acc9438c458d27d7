"""Bank statement lines as dunner keeps them, whatever the format they came in. Pure.

Every reader (CAMT, OFX, CSV) gives `Line`s: one per transaction (one per `TxDtls` of a batched CAMT
entry). A line is identified by the bank's own reference where it has one, else by its account, booking
date, amount, label and its rank among identical lines of its statement, so that importing the same
statement again, or one that overlaps it, adds nothing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from dunner.core.money import Money


@dataclass(frozen=True, slots=True)
class Line:
    """One transaction of a statement: money in (amount > 0) or out (amount < 0)."""

    account: str  # the business's account: its IBAN, else the bank's account id
    booked_on: date
    amount: Money  # signed: a credit is positive
    text: str = ""  # the remittance information and the label, as the bank gives them
    value_on: date | None = None
    debtor: str = ""  # who paid (or, for a debit, who was paid)
    debtor_iban: str = ""
    references: tuple[str, ...] = ()  # structured references (Strd/CdtrRefInf/Ref, OFX REFNUM)
    bank_ref: str = ""  # the bank's own id of the transaction (AcctSvcrRef, FITID)
    end_to_end: str = ""  # the payer's end-to-end id (EndToEndId)
    return_reason: str = ""  # a returned payment: its ISO reason code (AC04, MD06...)
    reversal: bool = False  # the bank reverses an earlier entry
    statement: str = ""  # the statement's id, for the record
    rank: int = 0  # among identical lines of the same statement (same account, date, amount, text)
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def credit(self) -> bool:
        return self.amount.minor > 0

    @property
    def returned(self) -> bool:
        """A payment coming back: the bank's reversal, or a return with its reason."""
        return self.reversal or bool(self.return_reason)


def plain(text: str) -> str:
    """A label compared as people read it: no accents, capitals, single spaces."""
    if not text.isascii():  # ASCII has no accent to take off (NFKD leaves it as it is)
        folded = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(text.upper().split())  # str.split's whitespace is re's \s: one space between words


# What banks write where they have no reference to give: no reference at all.
PLACEHOLDERS = frozenset({"NONREF", "NOTPROVIDED", "NONE", "N/A", "NA", "0"})


def fingerprint(line: Line) -> str:
    """What identifies a line across imports: the bank's reference with the day and the amount (a bank that
    gives one reference to two lines does not lose the second), else the label; and the rank."""
    money = f"{line.amount.minor}|{line.amount.currency}"
    if line.bank_ref:
        return f"{line.account}|ref|{line.bank_ref}|{line.booked_on}|{money}|{line.rank}"
    return f"{line.account}|{line.booked_on}|{line.amount.minor}|{line.amount.currency}|{plain(line.text)}|{line.rank}"


def ranked(lines: list[Line]) -> list[Line]:
    """The lines with their rank among identical ones (two coffees of 3,50 on one day stay two lines)."""
    seen: dict[tuple[object, ...], int] = {}
    out = []
    for line in lines:
        if line.bank_ref.upper() in PLACEHOLDERS or line.end_to_end.upper() in PLACEHOLDERS:
            line = replace(
                line,
                bank_ref="" if line.bank_ref.upper() in PLACEHOLDERS else line.bank_ref,
                end_to_end="" if line.end_to_end.upper() in PLACEHOLDERS else line.end_to_end,
            )
        told = line.bank_ref or plain(line.text)
        key = (line.account, line.booked_on, line.amount, bool(line.bank_ref), told)
        rank = seen.get(key, 0)
        out.append(line if line.rank == rank else replace(line, rank=rank))
        seen[key] = rank + 1
    return out


@dataclass
class Statement:
    """One statement of a file: the account it is for, and its lines in the order of the file."""

    account: str  # an IBAN (compact), or the bank's account id when it gives no IBAN
    id: str = ""
    lines: list[Line] = field(default_factory=list)
    label: str = ""  # how to name the account to a person (the bank's ids for OFX)
