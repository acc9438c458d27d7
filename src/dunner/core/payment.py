"""How to pay an invoice: the business's IBAN as people read it, and the reference a transfer carries. Pure.

What two capabilities both need (the documents print it, the letters repeat it) lives here, below both.
"""

from __future__ import annotations


def compact_iban(iban: str) -> str:
    """The IBAN as banks and QR codes take it: no spaces, capitals."""
    return "".join(iban.split()).upper()


def grouped_iban(iban: str) -> str:
    """The IBAN as people read it: groups of four ("FR76 3000 6000 ...")."""
    compact = compact_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def transfer_text(numbers: list[str]) -> str:
    """The unstructured remittance text a transfer should carry: the invoice numbers, within 140 characters."""
    return " ".join(dict.fromkeys(numbers))[:140]
