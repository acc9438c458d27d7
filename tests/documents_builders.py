"""Every kind of document dunner issues, built through the command line, for the tests that check them all
(the French rules in tests/cli/test_french_rules.py, PDF/A-3b in tests/edges/test_pdfa.py).

Each builder takes the `dunner` runner (and `configure` when it changes the configuration), expects the
client ACME of `add_acme` and returns the number of the document to check."""

from __future__ import annotations

from collections.abc import Callable

ACME = (
    "--name",
    "Acme Industries SARL",
    "--email",
    "compta@acme.fr",
    "--registration",
    "552 100 554",
    "--vat-number",
    "FR96552100554",
    "--address",
    "5 avenue de la République\n75011 Paris",
)
BERLIN = (
    "--name",
    "Berlin GmbH",
    "--email",
    "ap@berlin.de",
    "--country",
    "DE",
    "--vat-number",
    "DE136695976",
    "--registration",
    "HRB 12345",
    "--address",
    "Unter den Linden 1\n10117 Berlin",
    "--language",
    "en",
)
OWN_EXEMPTION = (
    '\n[vat]\nexemptions = { formation = { category = "E", code = "VATEX-EU-132-1I",'
    ' fr = "Exonération de TVA, article 261-4-4° a du CGI" } }\n'
)


def issued(result) -> str:
    return result.stdout.split()[0]


def invoice(dunner) -> str:
    return issued(dunner("invoice", "ACME", "--line", "Maquettes;3;450;20", "--issued", "2026-11-02"))


def deposit(dunner) -> str:
    return issued(dunner("deposit", "ACME", "30%", "--of", "6000", "--vat", "20", "--issued", "2026-09-01"))


def final_invoice(dunner) -> str:
    first = deposit(dunner)
    second = issued(dunner("deposit", "ACME", "1000", "--vat", "20", "--issued", "2026-09-15"))
    return issued(
        dunner(
            "invoice",
            "ACME",
            "--line",
            "Refonte;1;8000;20",
            "--deduct",
            first,
            "--deduct",
            second,
            "--issued",
            "2026-10-15",
        )
    )


def instalment_plan(dunner) -> str:
    return issued(
        dunner(
            "invoice", "ACME", "1000", "--vat", "20", "--issued", "2026-01-05", "--instalments", "3", "--every", "20"
        )
    )


def discount(dunner) -> str:
    return issued(dunner("invoice", "ACME", "1000", "--vat", "20", "--issued", "2026-05-01", "--discount", "2/10"))


def discount_credit_note(dunner) -> str:
    number = discount(dunner)
    dunner("pay", number, "1176", "--on", "2026-05-08")
    return "AV-2026-0001"


def credit_note(dunner) -> str:
    number = issued(
        dunner("invoice", "ACME", "--line", "A;1;1000;20", "--line", "B;1;500;10", "--issued", "2026-04-01")
    )
    return issued(dunner("credit-note", number, "330", "--reason", "Remise", "--on", "2026-04-10"))


def credit_note_on_final(dunner) -> str:
    return issued(dunner("credit-note", final_invoice(dunner), "--reason", "Annulation", "--on", "2026-10-20"))


def reverse_charge(dunner) -> str:
    dunner("add-client", "BERLIN", *BERLIN, "--vat-exemption", "reverse-charge")
    return issued(dunner("invoice", "BERLIN", "--line", "Audit;2;500;0", "--issued", "2026-05-04"))


def intra_eu(dunner) -> str:
    dunner("add-client", "BERLIN", *BERLIN)
    args = ("--line", "Conseil;1;1000;20", "--line", "Matériel;1;400;0", "--vat-exemption", "intra-eu")
    return issued(dunner("invoice", "BERLIN", *args, "--issued", "2026-05-05"))


def export(dunner) -> str:
    return issued(
        dunner("invoice", "ACME", "1000", "--vat", "0", "--vat-exemption", "export", "--issued", "2026-05-06")
    )


def own_exemption(dunner, configure) -> str:
    configure(OWN_EXEMPTION)
    args = ("1000", "--vat", "0", "--vat-exemption", "formation", "--issued", "2026-05-07")
    return issued(dunner("invoice", "ACME", *args))


def consumer(dunner) -> str:
    dunner("add-client", "JOE", "--name", "Joe Dupont", "--email", "joe@dupont.fr", "--kind", "consumer")
    dunner("edit-client", "JOE", "--address", "3 rue Haute\n69001 Lyon")
    return issued(dunner("invoice", "JOE", "100", "--vat", "20", "--issued", "2026-03-03"))


def franchise(dunner, configure) -> str:
    path = configure()
    path.write_text(path.read_text().replace('vat_number = "FR44732829320"', "vat_franchise = true"))
    return issued(dunner("invoice", "ACME", "--line", "Conseil;2;300", "--issued", "2026-11-02"))


BUILDERS: dict[str, Callable[..., str]] = {
    "invoice": invoice,
    "deposit": deposit,
    "final invoice after deposits": final_invoice,
    "instalment plan": instalment_plan,
    "early-payment discount": discount,
    "discount credit note": discount_credit_note,
    "credit note": credit_note,
    "credit note on a final invoice": credit_note_on_final,
    "reverse charge": reverse_charge,
    "intra-EU supply": intra_eu,
    "export": export,
    "exemption of one's own": own_exemption,
    "consumer invoice": consumer,
    "VAT franchise": franchise,
}


def build(kind: str, dunner, configure) -> str:
    builder = BUILDERS[kind]
    return builder(dunner, configure) if builder.__code__.co_argcount == 2 else builder(dunner)


def add_acme(dunner) -> None:
    """The French business client every builder bills."""
    dunner("add-client", "ACME", *ACME)
