"""A realistic demo ledger: clients with different habits, invoices in every aging bucket.

Built through the same services as real work, relative to the as-of date, in a folder of its own:
it never touches the user's ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dunner.core.errors import BadInput
from dunner.edges.config import Config, load
from dunner.edges.files import private_folder, write_private
from dunner.edges.storage import open_ledger
from dunner.edges.storage.ledger import Ledger
from dunner.ledger.clients import add_client
from dunner.ledger.issuing import create_invoice
from dunner.ledger.payments import record_payment
from dunner.setup.statement import write_statement

DEMO_CONFIG = """\
# The demo's configuration: a French freelancer's studio. Copy example.toml for your own.
# Reminders go to the Maildir folder "outbox" next to this file (open it with any mail client):
# the demo never sends real mail.
[business]
name = "Atelier Demo"
legal_form = "EI"
address = "12 rue des Lilas\\n69003 Lyon"
registration = "73282932000074"
vat_number = "FR44732829320"
iban = "FR76 3000 6000 0112 3456 7890 189"
bic = "AGRIFRPP"
email = "facturation@atelier-demo.example"

[defaults]
currency = "EUR"
terms = 30
language = "fr"
timezone = "Europe/Paris"

[ledger]
path = "ledger.db"

[invoice]
number_pattern = "F-{year}-{seq:04}"

[mail]
transport = "maildir"
maildir = "outbox"

[agenda]
call_amount = 2000
call_days_before = 14
"""

CLIENTS = [
    dict(
        code="ACME",
        name="Acme Industries SARL",
        email="compta@acme.example",
        contact="Claire Martin",
        phone="+33 1 23 45 67 89",
        registration="732829320",
        vat_number="FR44732829320",
        address="5 avenue de la République\n75011 Paris",
        terms=30,
    ),
    dict(
        code="BOULANGERIE",
        name="Boulangerie Durand",
        email="durand@boulangerie.example",
        contact="Paul Durand",
        phone="+33 4 78 00 11 22",
        registration="452109812",
        address="18 rue Mercière\n69002 Lyon",
        terms=30,
    ),
    dict(
        code="CABINET",
        name="Cabinet Lefèvre Avocats",
        email="secretariat@lefevre.example",
        contact="Maître Lefèvre",
        registration="812345676",
        address="3 quai Saint-Antoine\n69002 Lyon",
        terms=45,
    ),
    dict(
        code="DUPONT",
        name="Marie Dupont",
        email="marie.dupont@mail.example",
        kind="consumer",
        address="7 impasse des Acacias\n69100 Villeurbanne",
        terms=15,
    ),
    dict(
        code="GLOBEX",
        name="Globex Ltd",
        email="accounts@globex.example",
        language="en",
        currency="GBP",
        contact="Hank Scorpio",
        registration="01234567",
        address="1 Globex Way\nCypress Creek\nCY1 2AB",
        country="GB",
        terms=30,
    ),
    dict(
        code="HOTEL",
        name="Hôtel du Parc",
        email="direction@hotelduparc.example",
        registration="390123453",
        address="2 place du Parc\n69006 Lyon",
        terms=30,
    ),
]

# (label, client, amount before VAT (20 %; GBP work for the UK client carries no French VAT), issued days
# before as-of, terms, description). Totals: 2400, 680, 1800, 450, 5200, 3150, 920, 1500 GBP, 1200, 240,
# 380, 2750.50 GBP, 1650, 2100, 760.
INVOICES = [
    ("a1", "ACME", "2000.00", 200, 30, "Identité visuelle"),
    ("d1", "DUPONT", "566.67", 150, 15, "Faire-part et cartes"),
    ("a2", "ACME", "1500.00", 150, 30, "Site vitrine, maquettes"),
    ("b1", "BOULANGERIE", "375.00", 120, 30, "Menus et affiches"),
    ("c1", "CABINET", "4333.33", 110, 45, "Refonte du site"),
    ("a3", "ACME", "2625.00", 100, 30, "Site vitrine, intégration"),
    ("b2", "BOULANGERIE", "766.67", 75, 30, "Packaging"),
    ("g1", "GLOBEX", "1500.00", 70, 30, "Brand guidelines"),
    ("h1", "HOTEL", "1000.00", 50, 30, "Plaquette"),
    ("d2", "DUPONT", "200.00", 60, 15, "Retouches photos"),
    ("b3", "BOULANGERIE", "316.67", 40, 30, "Cartes de fidélité"),
    ("g2", "GLOBEX", "2750.50", 35, 30, "Packaging range"),
    ("c2", "CABINET", "1375.00", 20, 45, "Maintenance annuelle"),
    ("a4", "ACME", "1750.00", 10, 30, "Campagne salon"),
    ("h2", "HOTEL", "633.33", 5, 30, "Menus du restaurant"),
]

# (invoice label, amount, paid days before as-of, reference): prompt, late, partial, and one overpayment
PAYMENTS = [
    ("a1", "2400.00", 172, "VIR-ACME-0412"),
    ("a2", "1800.00", 121, "VIR-ACME-0511"),
    ("b1", "450.00", 70, "CHQ-2281"),
    ("c1", "2000.00", 60, "VIR-LEF-77"),
    ("a3", "3150.00", 71, "VIR-ACME-0620"),
    ("b2", "400.00", 30, "CHQ-2305"),
    ("g1", "1500.00", 38, "BACS-99812"),
    ("h1", "1250.00", 21, "VIR-PARC-12"),
    ("d2", "100.00", 20, "CB-5521"),
]


# Paid history, all more than 330 days before as-of (last year's series, so this year's numbers stay as
# above): (client, amount before VAT, issued days before as-of, terms, description, days late when paid,
# what happened on the way). It gives each client habits for `dunner stats` and `dunner forecast`.
HISTORY = [
    ("ACME", "500.00", 520, 30, "Logo, déclinaisons", -2, None),
    ("BOULANGERIE", "250.00", 500, 30, "Flyers", 18, None),
    ("CABINET", "2500.00", 480, 45, "Charte graphique", 35, ("promise", 20)),
    ("GLOBEX", "900.00", 470, 30, "Trade show banners", 4, None),
    ("ACME", "1200.00", 450, 30, "Rapport annuel", 0, None),
    ("BOULANGERIE", "300.00", 440, 30, "Carte des viennoiseries", 25, None),
    ("HOTEL", "800.00", 430, 30, "Photos des chambres", 0, None),
    ("DUPONT", "250.00", 420, 15, "Album photo", 30, ("dispute", 5)),
    ("CABINET", "1000.00", 400, 45, "Papeterie", 40, ("promise", 40)),
    ("GLOBEX", "1200.00", 390, 30, "Catalogue", 6, None),
    ("BOULANGERIE", "200.00", 370, 30, "Étiquettes", 12, None),
    ("ACME", "800.00", 360, 30, "Plaquette commerciale", -3, None),
    ("HOTEL", "450.00", 345, 30, "Signalétique", -1, None),
]


STATEMENT = "releve.xml"  # the bank statement of the week before, for `dunner bank import`


@dataclass(frozen=True)
class Demo:
    folder: Path
    ledger_path: Path
    config: Config


def build_demo(folder: Path, as_of: date) -> Demo:
    """Write dunner.toml and ledger.db into `folder` (which must not hold a ledger yet)."""
    private_folder(folder)
    ledger_path = folder / "ledger.db"
    if ledger_path.exists():
        raise BadInput(f"{folder} already holds a ledger", hint="give an empty folder to --dir")
    config_path = folder / "dunner.toml"
    write_private(config_path, DEMO_CONFIG.encode("utf-8"))
    config = load(config_path)
    ledger = open_ledger(str(ledger_path), create=True)
    try:
        numbers = _fill(ledger, config, as_of)
        write_statement(folder / STATEMENT, ledger, config, numbers, as_of)
    finally:
        ledger.close()
    return Demo(folder, ledger_path, config)


def _fill(ledger: Ledger, config: Config, as_of: date) -> dict[str, str]:
    def day(days_before: int) -> date:
        return as_of - timedelta(days=days_before)

    with ledger.transaction():
        for fields in CLIENTS:
            add_client(ledger, config, {k: str(v) if k == "terms" else v for k, v in fields.items()})
        _history(ledger, config, day)
        numbers = {}
        for label, client, amount, before, terms, text in sorted(INVOICES, key=lambda i: -i[3]):
            vat = "0" if client == "GLOBEX" else "20"  # services to a UK business: no French VAT (reverse charge)
            new = create_invoice(
                ledger,
                config,
                client,
                None,
                lines=[f"{text};1;{amount};{vat}"],
                issued_on=day(before),
                terms=terms,
                description=text,
            )
            numbers[label] = new.number
        for label, amount, before, ref in sorted(PAYMENTS, key=lambda p: -p[2]):
            method = {"CHQ": "cheque", "CB-": "card"}.get(ref[:3], "transfer")
            record_payment(
                ledger, config, amount, invoice=numbers[label], received_on=day(before), reference=ref, method=method
            )
    return numbers


def _history(ledger: Ledger, config: Config, day: Callable[[int], date]) -> None:
    from dunner.dunning import followup

    for n, (client, amount, before, terms, text, late, event) in enumerate(HISTORY, start=1):
        vat = "0" if client == "GLOBEX" else "20"
        new = create_invoice(
            ledger, config, client, None, lines=[f"{text};1;{amount};{vat}"], issued_on=day(before), terms=terms
        )
        due = day(before) + timedelta(days=terms)
        if event and event[0] == "promise":  # called at the due date; paid on the promised day or after it
            followup.promise(ledger, new.number, due + timedelta(days=event[1]), due, "promis au téléphone")
        elif event:  # disputed a few days after the due date, settled two weeks later
            followup.dispute(ledger, new.number, "conteste la quantité livrée", due + timedelta(days=event[1]))
            followup.resolve(ledger, new.number, due + timedelta(days=event[1] + 14), "quantité vérifiée")
        record_payment(
            ledger,
            config,
            str(new.total.amount),
            invoice=new.number,
            received_on=due + timedelta(days=late),
            reference=f"H-{client[:3]}-{n:02}",
        )
