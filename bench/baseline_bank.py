"""The baselines (the limits) of the `bank import` rows: the same camt file read with lxml alone.

    python bench/baseline_bank.py parse STATEMENT             # the parse alone
    python bench/baseline_bank.py lookup STATEMENT LEDGER     # the parse, and one indexed SELECT a line

Both stream the file with `lxml.etree.iterparse` and clear each entry once read, as dunner's reader
does, and take from each transaction what dunner takes (amount and side, booking date, the bank's and
the end-to-end references, the party's name and IBAN, the remittance, structured and not). `lookup`
then finds, for each line, the invoice it names by number (`invoice.number` is unique: an index
search), from the `F-0001234` in its text or the key of its RF reference (the bench's numbering;
`statement.py`), and an empty number for a line naming none. It matches, records and checks nothing:
it is the floor, not an equivalent program. It prints how many lines it read and invoices it found.

It imports nothing from dunner, so its start-up is Python's, lxml's and sqlite3's alone.
"""

from __future__ import annotations

import re
import sqlite3
import sys

from lxml import etree

NS = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.08}"
NUMBER = re.compile(r"F[ -]?(\d{7})", re.IGNORECASE)
TX = (  # what is read of each transaction, as paths below TxDtls
    "Refs/AcctSvcrRef",
    "Refs/EndToEndId",
    "Amt",
    "RltdPties/Dbtr/Pty/Nm",
    "RltdPties/DbtrAcct/Id/IBAN",
    "RltdPties/Cdtr/Pty/Nm",
    "RltdPties/CdtrAcct/Id/IBAN",
    "AddtlTxInf",
)


def path(steps: str) -> str:
    return "/".join(NS + step for step in steps.split("/"))


def lines(statement: str):
    """Each transaction of the file as a dict of the fields read, streamed entry by entry."""
    tx_paths = {name: path(name) for name in TX}
    for _, entry in etree.iterparse(statement, events=("end",), tag=NS + "Ntry", resolve_entities=False):
        common = {
            "amount": entry.findtext(path("Amt")),
            "side": entry.findtext(path("CdtDbtInd")),
            "status": entry.findtext(path("Sts/Cd")),
            "booked": entry.findtext(path("BookgDt/Dt")),
            "ref": entry.findtext(path("AcctSvcrRef")),
        }
        for tx in entry.iterfind(path("NtryDtls/TxDtls")):
            line = dict(common, **{name: tx.findtext(p) for name, p in tx_paths.items()})
            line["ustrd"] = " ".join(u.text or "" for u in tx.iterfind(path("RmtInf/Ustrd")))
            line["strd"] = [r.text for r in tx.iterfind(path("RmtInf/Strd/CdtrRefInf/Ref"))]
            yield line
        entry.clear(keep_tail=False)
        parent = entry.getparent()
        while entry.getprevious() is not None:  # what was read is dropped, as dunner's reader does
            del parent[0]


def number(line: dict) -> str:
    """The invoice a line names: by its RF reference's key, else by a number in its text; '' if none."""
    for ref in line["strd"]:
        if ref and ref.startswith("RF") and ref[4:5] == "F":
            return f"F-{ref[5:]}"
    found = NUMBER.search(line["ustrd"])
    return f"F-{found.group(1)}" if found else ""


def main() -> None:
    mode, statement = sys.argv[1], sys.argv[2]
    if mode == "parse":
        print(f"lines {sum(1 for _ in lines(statement))} invoices 0")
        return
    conn = sqlite3.connect(sys.argv[3])
    read = found = 0
    for line in lines(statement):
        read += 1
        row = conn.execute("SELECT id, client_id, total_cents FROM invoice WHERE number = ?", (number(line),))
        found += row.fetchone() is not None
    print(f"lines {read} invoices {found}")


if __name__ == "__main__":
    main()
