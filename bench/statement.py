"""A camt.053.001.08 statement for the bank benchmark, paying invoices of a bench ledger (`ledger.py`).

One statement of `count` lines (one transaction per entry, as banks book SEPA transfers), booked over
the 30 days before `end`, sorted by booking date:

- 10 % debits (direct debits and transfers to suppliers): kept as ignored;
- 5 % credits naming nothing dunner knows (a refund from a stranger, no reference, no digit): unmatched
  or, when the amount happens to equal what some invoice owes, proposed;
- 85 % credits paying open invoices of the ledger, each invoice paid once in the whole file: 30 % by
  the invoice's RF reference in `Strd/CdtrRefInf/Ref`, the others by its number in `Ustrd`, written the
  ways people write it; 5 % pay two invoices of the same client at once, 10 % pay half of the invoice.
  Each is matched and recorded as one payment.

The bench ledger's invoices are numbered F-0000001...; `write_statement` returns what the file holds
(lines, and the payments dunner must record) so the benchmark can check both sides did the whole job.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ACCOUNT = "FR7630006000011234567890189"  # the business's account (the config's [business] iban)
SUPPLIERS = ["EDF SA", "URSSAF ILE DE FRANCE", "ORANGE SA", "LOYER SCI DES LILAS", "OVH SAS", "AXA FRANCE"]
STRANGERS = ["M JEAN DUPONT", "MME CLAIRE MARTIN", "TRESOR PUBLIC", "CPAM DE PARIS", "ASSOCIATION LES AMIS"]
WAYS = ["FACTURE {n}", "{n}", "REGLEMENT FACT. {s}", "Virement facture {l} merci", "PAIEMENT {n} {name}"]


def _iban(country: str, bban: str) -> str:
    """An IBAN with good check digits (ISO 13616: mod 97 of the BBAN, country and 00)."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _rf(number: str) -> str:
    """The invoice's ISO 11649 reference, as dunner prints it on the invoice (from its number)."""
    key = "".join(c for c in number.upper() if c.isalnum())
    digits = "".join(str(int(c, 36)) for c in key + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{key}"


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _tx(ref: str, e2e: str, cents: int, credit: bool, name: str, iban: str, remittance: str) -> str:
    side = "Dbtr" if credit else "Cdtr"
    return (
        f"<NtryDtls><TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>{e2e}</EndToEndId></Refs>"
        f'<Amt Ccy="EUR">{_amount(cents)}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>'
        f"<RltdPties><{side}><Pty><Nm>{escape(name)}</Nm></Pty></{side}>"
        f"<{side}Acct><Id><IBAN>{iban}</IBAN></Id></{side}Acct></RltdPties>"
        f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls>"
    )


def _entry(n: int, day: date, cents: int, credit: bool, details: str) -> str:
    family = ("RCDT", "ESCT") if credit else ("ICDT", "ESCT")
    return (
        f'<Ntry><NtryRef>{n}</NtryRef><Amt Ccy="EUR">{_amount(cents)}</Amt>'
        f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f"<AcctSvcrRef>B{day:%Y%m%d}{n:08}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family[0]}</Cd><SubFmlyCd>{family[1]}</SubFmlyCd></Fmly></Domn>"
        f"</BkTxCd>{details}</Ntry>\n"
    )


class _Invoices:
    """The ledger's open invoices in a random order, each handed out once."""

    def __init__(self, ledger: Path, rng: random.Random) -> None:
        conn = sqlite3.connect(ledger)
        self.rows = conn.execute(
            "SELECT v.id, v.number, v.client_id, c.name, v.total_cents FROM invoice v JOIN client c"
            " ON c.id = v.client_id ORDER BY v.id"
        ).fetchall()
        conn.close()
        rng.shuffle(self.rows)
        self.theirs: dict[int, list[tuple]] = defaultdict(list)
        for row in self.rows:
            self.theirs[row[2]].append(row)
        self.used: set[int] = set()

    def take(self) -> tuple:
        while self.rows[-1][0] in self.used:
            self.rows.pop()
        row = self.rows.pop()
        self.used.add(row[0])
        return row

    def sibling(self, row: tuple) -> tuple | None:
        """Another open invoice of the same client, if it has one left."""
        left = self.theirs[row[2]]
        while left and left[-1][0] in self.used:
            left.pop()
        if not left:
            return None
        other = left.pop()
        self.used.add(other[0])
        return other


def _paying(n: int, invoices: _Invoices, rng: random.Random) -> tuple[int, str, str, str]:
    """A credit paying one or two invoices: (cents, debtor, its IBAN, remittance XML)."""
    first = invoices.take()
    paid = [first]
    if rng.random() < 0.05 and (other := invoices.sibling(first)):
        paid.append(other)
    cents = sum(row[4] for row in paid)
    if len(paid) == 1 and rng.random() < 0.10:
        cents = max(1, cents // 2)
    number, name = first[1], first[3]
    iban = _iban("FR", f"{10000 + first[2] % 90000:05}{first[2]:016}01")
    if len(paid) == 1 and rng.random() < 0.30:
        remittance = f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{_rf(number)}</Ref>"
        return cents, name, iban, remittance + "</CdtrRefInf></Strd>"
    if len(paid) == 2:
        text = f"FACTURES {number} {paid[1][1]}"
    else:
        digits = number.split("-")[1]
        text = rng.choice(WAYS).format(n=number, s=f"F {digits}", l=number.lower(), name=name.upper())
    return cents, name, iban, f"<Ustrd>{escape(text)}</Ustrd>"


def write_statement(path: Path, ledger: Path, count: int, end: date, seed: int = 1) -> dict[str, int]:
    """Write a statement of `count` lines paying invoices of `ledger`; return what it holds."""
    rng = random.Random(seed)
    invoices = _Invoices(ledger, rng)
    days = sorted(end - timedelta(days=rng.randrange(1, 31)) for _ in range(count))
    held = {"lines": count, "payments": 0, "debits": 0, "strangers": 0}
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
            f"<BkToCstmrStmt><GrpHdr><MsgId>BENCH-{end}</MsgId><CreDtTm>{end}T06:00:00</CreDtTm></GrpHdr>\n"
            f"<Stmt><Id>STMT-{end}</Id><CreDtTm>{end}T06:00:00</CreDtTm>"
            f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Dt><Dt>{days[0] if days else end}</Dt></Dt></Bal>\n"
        )
        for n, day in enumerate(days, start=1):
            pick, e2e = rng.random(), f"E2E{n:08}" if rng.random() < 0.7 else "NOTPROVIDED"
            if pick < 0.10:
                held["debits"] += 1
                who = rng.choice(SUPPLIERS)
                cents = int(rng.lognormvariate(10, 1)) + 1
                iban = _iban("FR", f"20041{n:016}02")
                remittance = f"<Ustrd>PRLV SEPA {escape(who)} ECH {n}</Ustrd>"
                out.write(_entry(n, day, cents, False, _tx(f"T{n:09}", e2e, cents, False, who, iban, remittance)))
                continue
            if pick < 0.15:
                held["strangers"] += 1
                who, cents = rng.choice(STRANGERS), int(rng.lognormvariate(9, 1)) + 1
                iban = _iban("FR", f"30003{n:016}03")
                remittance = "<Ustrd>REMBOURSEMENT TROP PERCU</Ustrd>"
            else:
                held["payments"] += 1
                cents, who, iban, remittance = _paying(n, invoices, rng)
            out.write(_entry(n, day, cents, True, _tx(f"T{n:09}", e2e, cents, True, who, iban, remittance)))
        out.write("</Stmt></BkToCstmrStmt></Document>\n")
    return held
