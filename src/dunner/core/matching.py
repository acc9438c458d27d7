"""Which open invoices a bank credit pays: a pure function of the line, what is owed and what is known.

Most certain first; only certain matches are recorded by themselves:
1. an ISO 11649 RF reference of an invoice (structured, or written in the text);
2. invoice numbers in the remittance text, tolerant of case, spaces, dashes, slashes, a missing prefix and
   leading zeros, never of a different number (and a bare number only with two groups or five digits);
3. without a reference, the debtor's IBAN known for one client, and an amount equal to what that client
   owes on one invoice (or with its early-payment discount, within the window), one instalment, the
   invoices of one consolidated reminder, or all that is due.
Anything else is a proposal with its reason (a name close to a client's, an amount equal to an invoice's,
two invoices of the same amount: a person chooses, never a guess) or stays unmatched. Never across
currencies.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from dunner.core.payment import compact_key, creditor_reference, is_creditor_reference
from dunner.core.statements import Line, plain

MATCHED, PROPOSED, UNMATCHED = "matched", "proposed", "unmatched"
# Legal forms and titles left out when names are compared.
_FORMS = frozenset(("SA", "SAS", "SASU", "SARL", "EURL", "SCI", "SNC", "SCP", "SELARL", "ETS", "STE", "LTD", "LLC",
                    "GMBH", "BV", "SPA", "SRL", "EI", "EIRL", "M", "MR", "MME", "ET", "DE", "DU", "LA", "LE", "LES",
                    "DES"))  # fmt: skip
_TOKEN = re.compile(r"([A-Z]{0,8})[ ./_-]{0,2}(\d+(?:[ ./_-]{1,2}\d+)*)")
_RF = re.compile(r"RF\d{2}(?: ?[A-Z0-9]){1,21}")
_LEAD = re.compile(r"[^0-9]*")
_DIGITS = re.compile(r"\d+")
# Words a payer writes before an invoice number: read as no prefix at all ("FACTURE 2026-0007").
_SAYS_INVOICE = frozenset(("FACT", "FACTURE", "FACTURES", "FAC", "FA", "FCT", "FCTR", "INV", "INVOICE", "REF", "N",
                           "NO", "NR", "NUM", "NUMERO"))  # fmt: skip


@dataclass(slots=True, eq=False)  # compared and hashed by identity: one per invoice
class Due:
    """An invoice with money owing, as matching sees it (amounts in minor units; `owed` goes down as the
    lines of a file are matched)."""

    client_id: int
    number: str
    currency: str
    owed: int
    instalments: tuple[int, ...] = ()  # what each open instalment still owes, oldest due first
    rf_key: str = ""  # what its RF reference carries after RF and the check digits (payment.reference_key)
    discounted: int | None = None  # what settles it with its early-payment discount, until `deadline`
    deadline: date | None = None

    @property
    def rf(self) -> str:
        """Its ISO 11649 RF reference (computed when shown: a book holds every open invoice)."""
        return creditor_reference(self.rf_key) if self.rf_key else ""


@dataclass(frozen=True, slots=True)
class Match:
    status: str  # matched | proposed | unmatched
    client_id: int | None = None
    invoices: tuple[str, ...] = ()  # the invoices it pays; none with a client: all the client's, oldest first
    reason: str = ""


def number_keys(number: str) -> tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]:
    """How a number is recognised: (prefix, digit groups without leading zeros), and (prefix, digits joined)."""
    return _number_keys(number)[0]


def _number_keys(
    number: str,
) -> tuple[tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]], tuple[str, ...]]:
    """`number_keys`, and the number's digit groups as written (zeros kept)."""
    compact = plain(number)
    prefix = compact_key(_LEAD.match(compact).group(0))  # type: ignore[union-attr]
    runs = tuple(_DIGITS.findall(compact))
    keys = (prefix, tuple(g.lstrip("0") or "0" for g in runs)), (prefix, ("".join(runs).lstrip("0") or "0",))
    return keys, runs


@dataclass
class Book:
    """What is owed and known, indexed for matching many lines: build once per import, `settle` as you go."""

    dues: list[Due]
    ibans: dict[str, set[int]] = field(default_factory=dict)  # a debtor's IBAN -> the clients it paid for
    names: dict[int, str] = field(default_factory=dict)  # client id -> name
    groups: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)  # invoices sent in one reminder

    def __post_init__(self) -> None:
        self.by_rf = {d.rf_key: d for d in self.dues if d.rf_key}
        self.by_key: dict[tuple[str, tuple[str, ...]], list[Due]] = defaultdict(list)
        # without a prefix a number is only recognised as written, zeros included ("2026-0011", not "2026-11":
        # that is a month)
        self.by_padded: dict[tuple[str, ...], list[Due]] = defaultdict(list)
        self.by_client: dict[tuple[int, str], list[Due]] = defaultdict(list)
        self.by_amount: dict[tuple[str, int], list[Due]] = defaultdict(list)
        self.prefixes: set[str] = set()
        by_key, by_padded, by_client, by_amount = self.by_key, self.by_padded, self.by_client, self.by_amount
        for due in self.dues:
            (grouped, joined), runs = _number_keys(due.number)
            by_key[grouped].append(due)
            by_key[joined].append(due)
            by_padded[runs].append(due)
            by_padded[("".join(runs),)].append(due)
            self.prefixes.add(grouped[0])
            by_client[(due.client_id, due.currency)].append(due)
            if due.instalments:
                for amount in {due.owed, *due.instalments}:
                    by_amount[(due.currency, amount)].append(due)
            else:
                by_amount[(due.currency, due.owed)].append(due)
        self.prefixes.discard("")
        self.by_word: dict[str, set[int]] = defaultdict(set)
        for client, name in self.names.items():
            for word in _words(name):
                self.by_word[word].add(client)

    def settle(self, match: Match, line: Line) -> None:
        """Take a recorded match's money off what is owed, so later lines of the same file see it paid."""
        if match.client_id is None:
            return
        left = line.amount.minor
        for due in self._paid(match, line.amount.currency):
            taken = min(max(left, 0), due.owed)
            left -= taken
            if taken:
                due.owed -= taken
                due.instalments = ()
                self.by_amount[(due.currency, due.owed)].append(due)

    def _paid(self, match: Match, currency: str) -> list[Due]:
        """What a match pays, in by_client's order: the invoices it names, else all the client's."""
        theirs = self.by_client[(match.client_id, currency)]  # type: ignore[index]
        if not match.invoices:
            return theirs
        named = {  # found through their number's key, as matching found them
            due
            for number in set(match.invoices)
            for due in self.by_key.get(number_keys(number)[0], ())
            if due.number == number and due.client_id == match.client_id and due.currency == currency
        }
        return sorted(named, key=theirs.index) if len(named) > 1 else list(named)


def match(line: Line, book: Book) -> Match:
    """What the credit `line` pays, most certain first (see the module's docstring)."""
    cur = line.amount.currency
    clients = book.ibans.get(line.debtor_iban, set()) if line.debtor_iban else set()
    for found, why in (_by_reference(line, book, cur), _by_number(line, book, cur)):
        if found:
            chosen = _one_client(found, why)
            if chosen.status == MATCHED and clients and chosen.client_id not in clients and not why.startswith("RF"):
                # a number in the text, from an account known to be another client's: a person decides
                others = ", ".join(book.names.get(c, "?") for c in sorted(clients))
                return Match(PROPOSED, chosen.client_id, chosen.invoices, f"{why}, but the debtor's IBAN is {others}'s")
            return chosen
    if len(clients) == 1:
        return _by_amount(line, book, next(iter(clients)))
    if len(clients) > 1:
        return Match(PROPOSED, reason=f"the debtor's IBAN paid for {len(clients)} clients before")
    return _guess(line, book)


def _by_reference(line: Line, book: Book, cur: str) -> tuple[list[Due], str]:
    refs = [*line.references, *(m.group(0) for m in _RF.finditer(plain(line.text)))]
    found = [book.by_rf[key] for key in (_rf_key(r) for r in refs) if key in book.by_rf]
    found = [d for d in dict.fromkeys(found) if d.currency == cur and d.owed > 0]
    return found, f"RF reference {', '.join(d.rf for d in found)}"


def _rf_key(reference: str) -> str:
    """What a well-formed RF reference carries after RF and its check digits, when those are the ones
    `creditor_reference` writes for it ("" otherwise): the key an invoice's RF is found by."""
    if not is_creditor_reference(reference):
        return ""
    compact = compact_key(reference)
    return compact[4:] if creditor_reference(compact[4:]) == compact else ""


def _by_number(line: Line, book: Book, cur: str) -> tuple[list[Due], str]:
    text = plain(" ".join([line.text, *line.references]))
    found: list[Due] = []
    for prefix, digits in (m.groups() for m in _TOKEN.finditer(text)):
        runs = tuple(_DIGITS.findall(digits))
        known = max((p for p in book.prefixes if prefix.endswith(p)), key=len, default="")
        if known:  # the prefix of an invoice series: leading zeros may be left out ("F 2026 7")
            groups = tuple(g.lstrip("0") or "0" for g in runs)
            keys = [(known, groups), (known, ("".join(runs).lstrip("0") or "0",))]
            candidates = [d for key in keys for d in book.by_key.get(key, [])]
        elif prefix and prefix not in _SAYS_INVOICE:
            continue  # another series (a credit note AV-..., a quote D-...) or a word: never an invoice of ours
        elif len(runs) < 2 and len(runs[0]) < 5:
            continue  # a bare short number: an amount or a day more often than an invoice
        else:
            candidates = [*book.by_padded.get(runs, []), *book.by_padded.get(("".join(runs),), [])]
        hits = [d for d in dict.fromkeys(candidates) if d.currency == cur and d.owed > 0]
        if known or len({d.number for d in hits}) == 1:
            found += hits
    found = list(dict.fromkeys(found))
    return found, f"invoice number{'s' if len(found) > 1 else ''} {', '.join(d.number for d in found)} in the text"


def _one_client(found: list[Due], why: str) -> Match:
    clients = {d.client_id for d in found}
    numbers = tuple(d.number for d in found)
    if len(clients) == 1:
        return Match(MATCHED, found[0].client_id, numbers, why)
    return Match(PROPOSED, None, numbers, f"{why}, of different clients")


def _by_amount(line: Line, book: Book, client: int) -> Match:
    """The debtor's IBAN is known for `client`: a match when the amount is exactly one thing it owes."""
    cur, amount = line.amount.currency, line.amount.minor
    dues = [d for d in book.by_client[(client, cur)] if d.owed > 0]
    options: list[tuple[tuple[str, ...], str]] = []
    for due in dues:
        if due.owed == amount:
            options.append(((due.number,), f"amount equal to {due.number}"))
        elif due.discounted == amount and due.deadline and line.booked_on <= due.deadline:
            options.append(((due.number,), f"amount equal to {due.number} less its early-payment discount"))
        elif amount in due.instalments:
            options.append(((due.number,), f"amount equal to an instalment of {due.number}"))
    open_numbers = {d.number for d in dues}
    for group in book.groups.get(client, []):
        live = tuple(n for n in group if n in open_numbers)
        if len(live) > 1 and sum(d.owed for d in dues if d.number in live) == amount:
            options.append((live, f"amount equal to the invoices of one reminder ({', '.join(live)})"))
    if len(dues) > 1 and sum(d.owed for d in dues) == amount:
        options.append(((), "amount equal to all that is due"))
    known = f"the debtor's IBAN is {book.names.get(client, 'a client')}'s"
    if len({o[0] for o in options}) == 1:
        return Match(MATCHED, client, options[0][0], f"{known}, {options[0][1]}")
    if options:
        numbers = tuple(dict.fromkeys(n for numbers, _ in options for n in numbers))
        return Match(PROPOSED, client, numbers, f"{known}, amount equal to {' or '.join(numbers) or 'several'}")
    return Match(PROPOSED, client, (), f"{known}, but the amount matches nothing it owes (a partial payment?)")


def _guess(line: Line, book: Book) -> Match:
    """No reference and no known IBAN: a proposal from a close name or an equal amount, else unmatched."""
    amount, cur, who = line.amount.minor, line.amount.currency, line.debtor or line.text
    candidates = {c for word in _words(who) for c in book.by_word.get(word, ())}
    named = [c for c in sorted(candidates) if _close(book.names[c], who)]
    found = book.by_amount.get((cur, amount), [])
    equal = list(dict.fromkeys(d for d in found if d.owed > 0 and amount in (d.owed, *d.instalments)))
    if len(named) == 1:
        client = named[0]
        theirs = [d for d in equal if d.client_id == client]
        tail = f", amount equal to {' or '.join(d.number for d in theirs)}" if theirs else ""
        return Match(PROPOSED, client, tuple(d.number for d in theirs), f"name close to {book.names[client]}{tail}")
    if len(equal) == 1:
        due = equal[0]
        return Match(PROPOSED, due.client_id, (due.number,), f"amount equal to {due.number}")
    if len(equal) > 1:
        shown = ", ".join(d.number for d in equal[:5]) + (" ..." if len(equal) > 5 else "")
        return Match(PROPOSED, None, (), f"amount equal to {len(equal)} invoices ({shown}): which one?")
    return Match(UNMATCHED, reason="no reference, no known IBAN, no amount owed")


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^A-Z0-9]+", plain(name)) if len(w) > 1 and w not in _FORMS]


def _close(client_name: str, debtor: str) -> bool:
    """A debtor's name that names the client: all its significant words, or nearly the same letters."""
    theirs, ours = _words(debtor), _words(client_name)
    if not ours or not theirs:
        return False
    if set(ours) <= set(theirs):
        return True
    return SequenceMatcher(None, " ".join(ours), " ".join(theirs)).ratio() >= 0.85
