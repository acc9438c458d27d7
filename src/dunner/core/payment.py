"""How to pay an invoice: the business's IBAN as people read it, and the reference a transfer carries. Pure.

What two capabilities both need (the documents print it, the letters repeat it) lives here, below both.
"""

from __future__ import annotations

import re
import string


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


# -- ISO 11649 creditor references (RF) and French bank details ----------------------------------------

_RF_KEY = 21  # the most alphanumerics an RF reference carries after "RF" and its two check digits
_RIB_DIGITS = {c: str(d) for d, letters in enumerate(["", "AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY", "IRZ"])
               for c in letters}  # fmt: skip


_BASE36 = str.maketrans({c: str(int(c, 36)) for c in string.ascii_letters})  # A (and a) -> 10 ... Z -> 35
_NOT_KEY = re.compile("[^A-Za-z0-9]+")  # what compact_key leaves out: all but ASCII letters and digits


def _mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 of an alphanumeric text, letters as 10 (A) to 35 (Z)."""
    if text.isascii() and text.isalnum():
        return int(text.translate(_BASE36)) % 97
    return int("".join(str(int(c, 36)) for c in text)) % 97


def compact_key(text: str) -> str:
    """A text as a reference keeps it: capitals and digits only ("F-2026/0042" -> "F20260042")."""
    return _NOT_KEY.sub("", text.upper())


def creditor_reference(key: str) -> str:
    """The ISO 11649 reference of `key` (1 to 21 capitals and digits): RF, two check digits, the key."""
    if not 1 <= len(key) <= _RF_KEY or compact_key(key) != key:
        raise ValueError(f"an RF reference carries 1 to {_RF_KEY} capitals and digits, not {key!r}")
    return f"RF{98 - _mod97(key + 'RF00'):02d}{key}"


def invoice_reference(number: str, invoice_id: int) -> str:
    """The RF reference a transfer paying this invoice carries: from its number, or from its id when the
    number is too long (it still names the invoice exactly, and the check digits catch a typo)."""
    return creditor_reference(reference_key(number, invoice_id))


def reference_key(number: str, invoice_id: int) -> str:
    """What an invoice's RF reference carries after RF and its check digits."""
    key = compact_key(number)
    return key if 1 <= len(key) <= _RF_KEY else f"ID{invoice_id}"


def is_creditor_reference(text: str) -> bool:
    """Whether `text` (spaces allowed) is a well-formed ISO 11649 reference with good check digits."""
    compact = compact_key(text)
    if not (compact.startswith("RF") and 5 <= len(compact) <= 25 and compact[2:4].isdigit()):
        return False
    return _mod97(compact[4:] + compact[:4]) == 1


def grouped_reference(reference: str) -> str:
    """An RF reference as people read it: "RF69 F202 6004 2"."""
    compact = compact_key(reference)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def rib_key(bank: str, branch: str, account: str) -> str:
    """The French RIB key (clé RIB) of a bank code, branch code and account number."""

    def digits(text: str) -> int:
        return int("".join(_RIB_DIGITS.get(c, c) for c in text.upper()))

    return f"{97 - (89 * digits(bank) + 15 * digits(branch) + 3 * digits(account)) % 97:02d}"


def french_iban(bank: str, branch: str, account: str) -> str:
    """The IBAN of a French account (code banque, code guichet, numéro de compte), its RIB key computed."""
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account)}".upper()
    return f"FR{98 - _mod97(bban + 'FR00'):02d}{bban}"


def rib_key_ok(iban: str) -> bool:
    """For a French (or Monaco) IBAN, whether its RIB key is right: the IBAN check digits alone do not
    see a wrong key when the check digits were computed after it."""
    compact = compact_iban(iban)
    if compact[:2] not in ("FR", "MC") or len(compact) != 27:
        return True
    bban = compact[4:]
    return rib_key(bban[:5], bban[5:10], bban[10:21]) == bban[21:23]
