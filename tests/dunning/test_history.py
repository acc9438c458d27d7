"""`dunner history` merges its streams (issue 15 item 2): each kind of entry read in date order, never the whole
client at once, in one timeline whose order on a day is issued, due, payments, reminders, then events."""

import csv
import io

from dunner.dunning.history import history


def test_the_timeline_is_merged_in_date_order_with_a_fixed_order_on_a_day(dunner, client, configure, ledger):
    configure()
    client("A", "--terms", "0")
    dunner("note", "A", "met at the fair", "--on", "2026-01-05")  # recorded first, on the invoice's day
    dunner("invoice", "A", "50", "--issued", "2026-01-03", "--terms", "10")  # F-2026-0001, due on 01-13
    dunner("invoice", "A", "100", "--issued", "2026-01-05")  # F-2026-0002, due the same day
    dunner("pay", "F-2026-0002", "120", "--on", "2026-01-05")
    dunner("pay", "F-2026-0001", "60", "--on", "2026-01-04")  # recorded after, dated before
    dunner("note", "A", "called back", "--on", "2026-01-04")
    rows = list(csv.DictReader(io.StringIO(dunner("history", "A", "--format", "csv").stdout)))
    assert [(r["date"], r["kind"], r["invoice"]) for r in rows] == [
        ("2026-01-03", "invoice", "F-2026-0001"),
        ("2026-01-04", "payment", "F-2026-0001"),
        ("2026-01-04", "note", ""),
        ("2026-01-05", "invoice", "F-2026-0002"),
        ("2026-01-05", "due", "F-2026-0002"),
        ("2026-01-05", "payment", "F-2026-0002"),
        ("2026-01-05", "note", ""),
        ("2026-01-13", "due", "F-2026-0001"),
    ]
    title, timeline = history(ledger, "A")
    assert title.startswith("History of ") and title.endswith(" (A)")
    assert iter(timeline) is timeline  # rows come as they are read, not as a list
    assert [r["kind"] for r in timeline] == [r["kind"] for r in rows]


def test_on_one_day_invoices_go_by_currency_then_as_issued(dunner, client, configure):
    """The timeline's order within a kind is the one it always had (by currency, then invoice)."""
    configure()
    client("A", "--terms", "0")
    dunner("invoice", "A", "100", "--issued", "2026-01-05", "--currency", "USD")  # F-2026-0001
    dunner("invoice", "A", "100", "--issued", "2026-01-05")  # F-2026-0002, in EUR
    rows = list(csv.DictReader(io.StringIO(dunner("history", "A", "--format", "csv").stdout)))
    assert [(r["kind"], r["invoice"]) for r in rows] == [
        ("invoice", "F-2026-0002"),
        ("invoice", "F-2026-0001"),
        ("due", "F-2026-0002"),
        ("due", "F-2026-0001"),
    ]
