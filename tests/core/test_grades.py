"""Grade reasons in words: English for CSV and JSON, French for the French report."""

from decimal import Decimal

from dunner.core.grades import Condition, Figures, Grading, Rule

FIGURES = Figures(
    paid=4,
    last_late=(20, 1, 0, 35),
    avg_days_late=Decimal("12.5"),
    max_days_late=35,
    oldest_overdue_days=65,
    overdue=Decimal("3200.00"),
    promises_broken=2,
    promises=3,
    disputes=1,
    written_off=1,
    over_limit=Decimal("1250.50"),
    dso=Decimal("48.2"),
    currency="EUR",
)
CONDITIONS = [
    Condition("overdue_days", 60),
    Condition("late_of_last", (2, 3, 1)),
    Condition("avg_days_late", 10),
    Condition("max_days_late", 30),
    Condition("broken_promises", 2),
    Condition("disputes", 1),
    Condition("written_off", 1),
    Condition("over_credit_limit", True),
    Condition("dso", 45),
]


def reasons(language: str) -> list[str]:
    grade, why = Grading((Rule("E", tuple(CONDITIONS)),)).grade(FIGURES, language)
    assert grade == "E"
    return [" ".join(r.split()) for r in why]  # babel groups thousands with a narrow no-break space


def test_english_reasons_are_the_machine_columns_words():
    assert reasons("en") == [
        "has 3200.00 EUR overdue, the oldest by 65 days",
        "paid 2 of last 3 invoices 1+ days late",
        "pays 12.5 days late on average (weighted by amount)",
        "once paid 35 days late",
        "broke 2 of 3 promises to pay",
        "disputed 1 invoices",
        "had 1 invoices written off",
        "owes 1250.50 EUR beyond the credit limit",
        "DSO of 48.2 days",
    ]


def test_french_reasons_for_the_french_report():
    assert reasons("fr") == [
        "doit 3 200,00 EUR échus, le plus ancien depuis 65 jours",
        "a payé 2 des 3 dernières factures avec au moins 1 jour de retard",
        "paie avec 12,5 jours de retard en moyenne (pondérée par les montants)",
        "a déjà payé avec 35 jours de retard",
        "n'a pas tenu 2 promesses de paiement sur 3",
        "a contesté 1 facture",
        "1 facture passée en perte",
        "doit 1 250,50 EUR au-delà de sa limite de crédit",
        "DSO de 48,2 jours",
    ]


def test_french_singulars():
    once = Figures(paid=1, last_late=(5,), promises_broken=1, promises=1, currency="EUR")
    rules = (Condition("late_of_last", (1, 3, 1)), Condition("broken_promises", 1))
    assert Grading((Rule("D", rules),)).grade(once, "fr")[1] == [
        "a payé sa dernière facture avec au moins 1 jour de retard",
        "n'a pas tenu 1 promesse de paiement sur 1",
    ]


def test_no_rule_holding_in_both_languages():
    grading = Grading((Rule("E", (Condition("disputes", 5),)),), min_history=3)
    assert grading.grade(FIGURES, "fr") == ("A", ["4 factures payées, dont 1 des 4 dernières à temps"])
    assert grading.grade(Figures(paid=1), "fr") == (
        "unknown",
        ["historique insuffisant : 1 facture(s) payée(s), 3 nécessaires"],
    )
    assert grading.grade(Figures(paid=1)) == ("unknown", ["not enough history: 1 invoice(s) paid, 3 needed"])
