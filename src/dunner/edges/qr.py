"""The EPC "scan to pay" QR code (EPC069-12, SEPA credit transfer) as a PNG, drawn by segno.

segno builds the payload (version 002, error correction M, at most QR version 13) and checks its
lengths; dunner gives it the business's name, IBAN and BIC, the amount and the invoice's ISO 11649 RF
reference (or, for several invoices, their numbers as text), in UTF-8.
"""

from __future__ import annotations

import base64
import io

from dunner.core.errors import BadInput
from dunner.core.money import Money
from dunner.core.payment import compact_iban


def epc_png(name: str, iban: str, bic: str, amount: Money, text: str, reference: str = "") -> bytes:
    """The QR code a banking app scans to fill in the transfer of `amount` (EUR): with the invoice's RF
    `reference` in the structured remittance field when there is one (EPC069-12 allows the structured
    reference or the text, not both), else with `text`."""
    import segno
    from segno import helpers

    try:
        code = helpers.make_epc_qr(
            name=name[:70],
            iban=compact_iban(iban),
            amount=amount.amount,
            text=None if reference else text[:140],
            reference=compact_iban(reference) or None,
            bic=compact_iban(bic) or None,
            encoding="utf-8",
        )
    except (ValueError, segno.DataOverflowError) as exc:
        raise BadInput(f"cannot make the payment QR code: {exc}", hint="check [business] iban and bic") from None
    out = io.BytesIO()
    code.save(out, kind="png", scale=5, border=2)
    return out.getvalue()


def data_uri(png: bytes) -> str:
    """A PNG for an <img> of a PDF template."""
    return "data:image/png;base64," + base64.b64encode(png).decode()
