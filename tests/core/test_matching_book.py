"""Matching's book: what later lines of the same file see owed once a line is recorded."""

from datetime import date

from dunner.core.matching import MATCHED, Book, Due, Match, match
from dunner.core.money import Money
from dunner.core.statements import Line


def credit(cents: int, text: str) -> Line:
    return Line(account="FR76", booked_on=date(2026, 11, 5), amount=Money(cents, "EUR"), text=text)


def test_a_recorded_match_settles_what_it_names_oldest_first():
    dues = [Due(1, "F-1", "EUR", 1000), Due(2, "F-2", "EUR", 700), Due(1, "F-3", "EUR", 500, (200, 300)),
            Due(1, "F-4", "EUR", 400), Due(1, "F-5", "USD", 900)]  # fmt: skip
    book = Book(dues)
    book.settle(Match(MATCHED, 1, ("F-4", "F-3", "F-2", "F-5")), credit(800, ""))
    # F-2 is another client's, F-5 in another currency; F-3 comes before F-4 in the book
    assert [(d.number, d.owed, d.instalments) for d in dues] == [
        ("F-1", 1000, ()),
        ("F-2", 700, ()),
        ("F-3", 0, ()),
        ("F-4", 100, ()),
        ("F-5", 900, ()),
    ]
    assert dues[3] in book.by_amount[("EUR", 100)]
    assert match(credit(100, "F-4"), book).invoices == ("F-4",)
    assert match(credit(100, "F-3"), book).status != MATCHED  # paid


def test_a_match_without_invoices_settles_the_clients_dues_in_order():
    dues = [Due(1, "F-1", "EUR", 1000), Due(1, "F-2", "EUR", 700)]
    book = Book(dues)
    book.settle(Match(MATCHED, 1, ()), credit(1200, ""))
    assert [d.owed for d in dues] == [0, 500]


def test_settling_a_named_invoice_does_not_walk_the_clients_other_dues():
    """A client with 50,000 open invoices, 2,000 of them paid one line each (bench/ measures the time)."""
    dues = [Due(1, f"F-{n:06}", "EUR", 100 + n) for n in range(50_000)]
    book = Book(dues)
    for n in range(0, 50_000, 25):
        book.settle(Match(MATCHED, 1, (f"F-{n:06}",)), credit(100 + n, ""))
    assert sum(d.owed == 0 for d in dues) == 2000
