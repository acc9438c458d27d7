"""Payment behaviour, grades, agenda calls, credit warnings, grade rules and the forecast, checked by hand."""

import csv
import io
import json
import re

import pytest


def stats(dunner, as_of, *args):
    out = dunner("stats", *args, "--as-of", as_of, "--format", "json").stdout
    return {row["client"]: row for row in json.loads(out)}


@pytest.fixture
def books(dunner, client, configure):
    """X pays late but always pays; Y had one written off and one disputed; Z is new."""
    configure()
    for code in ("X", "Y", "Z"):
        client(code, "--terms", "30", "--phone", "+33 1 00 00 00 00", "--contact", f"{code} Compta")
    # numbers follow issue dates: the invoices first, then what happened to them
    dunner("invoice", "X", "1000", "--issued", "2026-01-01")  # F-2026-0001 due 01-31
    dunner("invoice", "Y", "700", "--issued", "2026-01-10")  # F-2026-0002
    dunner("invoice", "X", "500", "--issued", "2026-02-01")  # F-2026-0003 due 03-03
    dunner("invoice", "X", "300", "--issued", "2026-03-01")  # F-2026-0004: cancelled by a credit note
    dunner("invoice", "X", "2000", "--issued", "2026-04-01", "--instalments", "2", "--every", "30")  # F-2026-0005
    dunner("invoice", "Y", "250", "--issued", "2026-05-15")  # F-2026-0006 due 06-14
    dunner("invoice", "X", "800", "--issued", "2026-06-01")  # F-2026-0007 due 07-01, open
    dunner("invoice", "Z", "90", "--issued", "2026-06-20")  # F-2026-0008 due 07-20
    dunner("pay", "F-2026-0001", "600", "--on", "2026-02-05")
    dunner("pay", "F-2026-0001", "400", "--on", "2026-02-10")  # settled 10 days late, 40 days to pay
    dunner("pay", "F-2026-0003", "500", "--on", "2026-03-01")  # early: 0 days late, 28 to pay
    dunner("credit-note", "F-2026-0004", "--reason", "Annulation", "--on", "2026-03-05")
    dunner("promise", "F-2026-0005", "2026-06-30", "--on", "2026-05-20")
    dunner("pay", "F-2026-0005", "1000", "--on", "2026-05-11")  # 1st due 05-01: 10 days late
    dunner("pay", "F-2026-0005", "1000", "--on", "2026-06-30")  # 2nd due 05-31: 30 days late, promise kept
    dunner("promise", "F-2026-0007", "2026-06-20", "--on", "2026-06-10")  # broken: not paid by then
    dunner("write-off", "F-2026-0002", "--reason", "Liquidation", "--on", "2026-05-01")
    dunner("dispute", "F-2026-0006", "--reason", "Quantités", "--on", "2026-06-16")


def test_figures_by_hand(dunner, books):
    x = stats(dunner, "2026-07-01")["X"]
    # paid: F1 (10 late), F3 (0), F5's instalments (10 and 30 late); F4 was credited, not paid
    assert (x["invoices"], x["paid"], x["paid_late"], x["late_share"]) == (5, 4, 3, "0.75")
    assert x["avg_days_late"] == "12.5"  # (10 + 0 + 10 + 30) / 4
    assert x["avg_days_late_weighted"] == "14.3"  # (10 x 1000 + 0 x 500 + 10 x 1000 + 30 x 1000) / 3500
    assert x["max_days_late"] == 30
    assert x["avg_days_to_pay"] == "49.5"  # (40 + 28 + 40 + 90) / 4
    assert (x["outstanding"], x["overdue"], x["oldest_overdue_days"]) == ("800.00", "0.00", None)  # due today: not late
    assert x["dso"] == "90.0"  # 800 owed / 800 invoiced since 04-02 x 90 days
    assert (x["promises_kept"], x["promises_broken"], x["disputes"], x["written_off"]) == (1, 1, 0, 0)
    # paid in the last 90 days: F5's instalments, (10 x 1000 + 30 x 1000) / 2000 = 20.0; the 90 before:
    # F1 and F3, (10 x 1000) / 1500 = 6.7
    assert (x["trend"], x["trend_days"]) == ("worse", "13.3")
    assert x["lateness"] == "10 0 10 30"  # oldest first
    assert x["grade"] == "B"
    assert "paid 3 of last 4 invoices 1+ days late" in x["reasons"]
    assert "broke 1 of 2 promises to pay" in x["reasons"]


def test_edges_write_off_dispute_and_no_history(dunner, books):
    rows = stats(dunner, "2026-07-01")
    y, z = rows["Y"], rows["Z"]
    assert (y["written_off"], y["outstanding"], y["overdue"], y["oldest_overdue_days"]) == (1, "250.00", "250.00", 17)
    assert y["disputes"] == 1 and y["grade"] == "E" and "had 1 invoices written off" in y["reasons"]
    assert (z["grade"], z["paid"], z["avg_days_late"], z["trend"]) == ("unknown", 0, None, "unknown")
    assert "not enough history: 0 invoice(s) paid, 3 needed" in z["reasons"]
    # before the write-off, Y's invoice was just overdue
    assert stats(dunner, "2026-04-30")["Y"]["written_off"] == 0
    assert stats(dunner, "2026-04-30")["Y"]["outstanding"] == "700.00"


def test_as_of_reproduces_the_past_and_one_client(dunner, books):
    past = stats(dunner, "2026-02-20", "X")
    assert list(past) == ["X"]
    assert (past["X"]["paid"], past["X"]["avg_days_late"], past["X"]["outstanding"]) == (1, "10.0", "500.00")
    assert (past["X"]["grade"], past["X"]["reasons"]) == ("B", "pays 10.0 days late on average (weighted by amount)")


def test_csv_columns_and_table(dunner, books):
    out = dunner("stats", "--as-of", "2026-07-01", "--format", "csv").stdout
    header = out.splitlines()[0].split(",")
    assert header[:6] == ["client", "currency", "grade", "invoices", "paid", "paid_late"]
    assert {"avg_days_late_weighted", "dso", "promises_kept", "promises_broken", "trend", "reasons"} <= set(header)
    assert [r["client"] for r in csv.DictReader(io.StringIO(out))] == ["X", "Y", "Z"]
    table = dunner("stats", "--as-of", "2026-07-01").stdout
    assert "▃▁▃▅" in table  # X's sparkline: 10, 0, 10, 30 days late (60+ is a full block)
    assert "X EUR B: paid 3 of last 4 invoices 1+ days late" in table
    assert "↗ worse" in table


def test_no_invoices_and_unknown_client(dunner, configure, client):
    configure()
    client("NEW")
    assert "No invoices yet." in dunner("stats").stdout
    assert dunner("stats", "--format", "json").stdout.strip() == "[]"
    assert "no client 'NOPE'" in dunner("stats", "NOPE", code=2).stderr


def test_bad_grade_rules_are_named(dunner, configure, client):
    configure('\n[grades]\nrules = [{ grade = "B", late_of_last = [3, 2, 10] }]\n')
    err = dunner("stats", code=2).stderr
    assert "[grades] rules[1].late_of_last" in err and "Traceback" not in err
    configure('\n[grades]\nrules = [{ grade = "B", sometimes = 3 }]\n')
    assert "unknown key 'sometimes'" in dunner("stats", code=2).stderr


def test_custom_rules(dunner, books, configure):
    configure('\n[grades]\nmin_history = 1\nrules = [{ grade = "D", max_days_late = 30 }]\n')
    rows = stats(dunner, "2026-07-01")
    assert rows["X"]["grade"] == "D" and rows["X"]["reasons"] == "once paid 30 days late"
    assert rows["Y"]["grade"] == "unknown"  # the write-off rule is gone with the defaults


AGENDA = "\n[agenda]\ncall_amount = 1000\ncall_days_before = 7\n"


def test_agenda_calls_before_large_invoices(dunner, configure, client):
    configure(AGENDA)
    client("BIG", "--terms", "30", "--contact", "Claire Martin", "--phone", "+33 1 23 45 67 89")
    client("NOPHONE", "--terms", "30")
    dunner("invoice", "BIG", "1500", "--issued", "2026-06-10")  # F-2026-0001 due 07-10
    dunner("invoice", "BIG", "999.99", "--issued", "2026-06-10")  # too small
    dunner("invoice", "NOPHONE", "1000", "--issued", "2026-06-12")  # F-2026-0003 due 07-12

    def agenda(day):
        return list(csv.DictReader(io.StringIO(dunner("agenda", "--as-of", day, "--format", "csv").stdout)))

    assert agenda("2026-07-02") == []
    [call] = agenda("2026-07-03")
    assert (call["kind"], call["client"], call["invoice"], call["contact"], call["phone"], call["amount"]) == (
        "pre-due-call",
        "BIG",
        "F-2026-0001",
        "Claire Martin",
        "'+33 1 23 45 67 89",  # a leading + would open as a formula in a spreadsheet
        "1500.00",
    )
    assert call["since"] == "2026-07-03" and "due on 2026-07-10" in call["detail"]
    [_, second] = agenda("2026-07-05")
    assert second["invoice"] == "F-2026-0003" and "no phone number on file" in second["detail"]
    dunner("log-call", "F-2026-0001", "--note", "Dans le prochain virement", "--on", "2026-07-05")
    assert [r["invoice"] for r in agenda("2026-07-06")] == ["F-2026-0003"]
    dunner("pay", "F-2026-0003", "1000", "--on", "2026-07-06")
    assert agenda("2026-07-07") == []
    assert agenda("2026-07-11") == []  # past due: the dunning steps take over


def test_no_calls_without_a_threshold(dunner, configure, client):
    configure()
    client("BIG", "--terms", "30")
    dunner("invoice", "BIG", "100000", "--issued", "2026-06-10")
    assert "Nothing on the agenda." in dunner("agenda", "--as-of", "2026-07-09").stdout


def test_invoicing_a_risky_or_over_limit_client_warns(dunner, books, client):
    dunner("edit-client", "X", "--credit-limit", "1000")
    out = dunner("invoice", "X", "300", "--issued", "2026-07-01")
    assert out.stdout.strip() == "F-2026-0009"  # still issued: a warning, not a refusal
    assert "X now owes 1100.00 EUR, 100.00 EUR over the credit limit of 1000.00 EUR" in out.stderr
    assert "dunner deposit X 30% --of 300.00" in out.stderr
    risky = dunner("invoice", "Y", "100", "--issued", "2026-07-01").stderr
    assert "Y is graded E: had 1 invoices written off" in risky and "dunner deposit Y" in risky
    fine = dunner("invoice", "Z", "100", "--issued", "2026-07-01").stderr
    assert "Warning" not in fine


def test_policy_rules_pick_a_profile_by_grade(dunner, books, configure):
    configure('\n[mail]\ntransport = "dry-run"\n\n[[dunning.rules]]\nprofile = "firm"\ngrades = ["E"]\n')
    dunner("invoice", "Y", "100", "--issued", "2026-06-20")  # due 07-20 (Y's other invoices are out of dunning)
    out = dunner("remind", "--as-of", "2026-07-17", "--dry-run", "--format", "csv").stdout
    steps = {(r["client"], r["step"]) for r in csv.DictReader(io.StringIO(out))}
    assert ("Y", "call-before") in steps  # the firm profile, for the E client
    assert not any(step == "call-before" for client, step in steps if client != "Y")
    configure('\n[[dunning.rules]]\nprofile = "firm"\ngrades = ["F"]\n')
    assert "grades: must be grades" in dunner("remind", "--dry-run", code=2).stderr


def forecast(dunner, as_of, *args):
    out = dunner("forecast", "--as-of", as_of, "--format", "json", *args).stdout
    return {(r["period"], r["currency"]): r for r in json.loads(out)}


def test_forecast_shifts_due_dates_by_each_clients_lateness(dunner, configure, client, monkeypatch):
    configure()
    client("LATE", "--terms", "30")
    client("NEW", "--terms", "30")
    client("GONE", "--terms", "30")
    dunner("invoice", "GONE", "50", "--issued", "2026-01-01")  # F-2026-0001 due 01-31, 121 days overdue on 06-01
    for issued in ["2026-01-01", "2026-02-01", "2026-03-01"]:
        dunner("invoice", "LATE", "100", "--issued", issued)
    dunner("pay", "F-2026-0002", "100", "--on", "2026-02-10")  # due 01-31: 10 days late
    dunner("pay", "F-2026-0003", "100", "--on", "2026-03-13")  # due 03-03: 10 days late
    dunner("pay", "F-2026-0004", "100", "--on", "2026-04-10")  # due 03-31: 10 days late
    dunner("invoice", "LATE", "500", "--issued", "2026-05-04")  # due 06-03 -> 06-13
    dunner("invoice", "NEW", "200", "--issued", "2026-05-05")  # due 06-04 + everybody's 10 -> 06-14
    dunner("invoice", "NEW", "70", "--issued", "2026-05-06")  # F-2026-0007
    dunner("dispute", "F-2026-0007", "--reason", "Erreur", "--on", "2026-05-20")
    rows = forecast(dunner, "2026-06-01", "--weeks", "3")
    assert [(p, r["expected"], r["instalments"]) for (p, _), r in rows.items()] == [
        ("week-1", "0.00", 0),
        ("week-2", "700.00", 2),  # 06-08 to 06-14
        ("week-3", "0.00", 0),
        ("later", "0.00", 0),
        ("at-risk", "120.00", 2),  # 120 days overdue; disputed
    ]
    table = dunner("forecast", "--as-of", "2026-06-01", "--weeks", "3").stdout
    assert "At risk" in table and "121 days overdue" in table and "disputed" in table
    monkeypatch.setattr("dunner.insight.forecast.RISKS_SHOWN", 1)  # a big ledger lists only the largest
    table = dunner("forecast", "--as-of", "2026-06-01", "--weeks", "3").stdout
    assert "the 1 largest of 2" in table and "disputed" in table and "121 days overdue" not in table


def test_backtest_of_a_consistent_payer_is_exact(dunner, configure, client):
    """A client who always pays 12 days late: the forecast made a month ago hits every week."""
    configure()
    client("STEADY", "--terms", "30")
    issued = ["2026-01-05", "2026-01-19", "2026-02-02", "2026-02-16", "2026-03-02", "2026-03-16", "2026-03-30"]
    for day in issued:
        dunner("invoice", "STEADY", "1000", "--issued", day)
    from datetime import date, timedelta

    for n, day in enumerate(issued, start=1):
        paid = date.fromisoformat(day) + timedelta(days=42)
        dunner("pay", f"F-2026-{n:04}", "1000", "--on", paid.isoformat())
    result = dunner("forecast", "--as-of", "2026-03-01", "--weeks", "8", "--backtest", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    weeks = [r for r in rows if r["period"].startswith("week-")]
    assert sum(int(float(r["actual"])) for r in weeks) == 3000  # the three invoices open on 03-01 all came in
    assert all(r["expected"] == r["actual"] and r["error"] == "0.00" for r in weeks)
    assert "error (WAPE over the weeks) 0.0 %" in result.stderr
    assert "trusting due dates alone: 0.0 %" not in result.stderr  # the due dates were 12 days off


def test_built_in_profiles_run_in_date_order():
    """The scheduler walks steps in order: a built-in profile out of order would never reach a step."""
    from dunner.core.policy import BUILTIN

    for profile in BUILTIN.values():
        assert [s.offset for s in profile.steps] == sorted(s.offset for s in profile.steps), profile.name


def test_report_to_stdout_and_to_a_file(dunner, books, tmp_path):
    out = dunner("report", "--html", "-", "--as-of", "2026-07-01")
    assert out.stdout.startswith("<!DOCTYPE html>") and out.stderr == ""
    assert "Principaux retardataires" in out.stdout and "<script" not in out.stdout
    why = re.findall(r'class="why">([^<]*)<', out.stdout)
    english = re.compile(r"\b(paid|pays|owes|has|broke|disputed|had|invoices|days|history)\b")
    assert why and not [w for w in why if english.search(w)], why  # the reasons in the report's language
    assert "Semaine 1" in out.stdout and "week-1" not in out.stdout
    machine = dunner("stats", "--as-of", "2026-07-01", "--format", "csv").stdout  # scripts keep English
    assert "factures" not in machine and "invoices" in machine
    written = dunner("report", "--html", str(tmp_path / "r.html"), "--as-of", "2026-07-01")
    assert "Report written to" in written.stderr and (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_edges_found_in_review(dunner, configure, client):
    """Instalments count one by one, late credit notes, unapplied credit, DSO, prepaid finals, superseded promises."""
    configure("\n[agenda]\ncall_amount = 5000\n")
    for code in ("I", "B", "P", "S", "Q", "V"):
        client(code, "--terms", "30")
    for issued in ("2026-01-02", "2026-01-03", "2026-01-04"):
        dunner("invoice", "I", "1000", "--issued", issued)  # F-0001..0003, paid before their due dates
    dunner("invoice", "B", "1000", "--issued", "2026-01-05")  # F-0004 due 02-04
    dunner("invoice", "P", "1000", "--issued", "2026-01-05")  # F-0005, P paid 1200 before it
    dunner("invoice", "S", "10000", "--issued", "2026-01-05")  # F-0006, credited in April
    dunner("deposit", "Q", "9000", "--vat", "0", "--issued", "2026-01-05")  # F-0007
    dunner("invoice", "V", "1000", "--issued", "2026-01-05")  # F-0008 due 02-04
    dunner("invoice", "I", "2000", "--issued", "2026-02-01", "--terms", "10", "--instalments", "2", "--every", "30")
    dunner("invoice", "Q", "10000", "--vat", "0", "--issued", "2026-02-01", "--deduct", "F-2026-0007")  # F-0010
    dunner("invoice", "S", "1000", "--issued", "2026-04-10")  # F-0011
    for n in (1, 2, 3):
        dunner("pay", f"F-2026-000{n}", "1000", "--on", "2026-01-20")
    dunner("pay", "F-2026-0009", "1000", "--on", "2026-03-03")  # 1st instalment due 02-11: 20 days late
    dunner("pay", "F-2026-0004", "800", "--on", "2026-01-20")
    dunner("credit-note", "F-2026-0004", "200", "--reason", "Remise", "--on", "2026-03-20")
    dunner("pay", "--client", "P", "1200", "--on", "2026-01-02")
    dunner("pay", "F-2026-0007", "9000", "--on", "2026-01-10")
    dunner("credit-note", "F-2026-0006", "--reason", "Annulée", "--on", "2026-04-20")
    dunner("promise", "F-2026-0008", "2026-02-20", "--on", "2026-02-10")
    dunner("promise", "F-2026-0008", "2026-03-05", "--on", "2026-02-18")  # renegotiated before the day
    dunner("pay", "F-2026-0008", "1000", "--on", "2026-03-03")
    before = stats(dunner, "2026-03-10")["I"]
    dunner("pay", "F-2026-0009", "1000", "--on", "2026-03-10")  # the 2nd instalment, 3 days early
    after = stats(dunner, "2026-03-10")["I"]
    assert (before["paid"], after["paid"], after["paid_late"]) == (4, 5, 1)
    assert before["grade"] == after["grade"]  # the on-time payment revealed nothing
    b = stats(dunner, "2026-03-31")["B"]
    assert (b["max_days_late"], b["avg_days_to_pay"]) == (0, "15.0")  # paid all it owed on 01-20
    p = stats(dunner, "2026-06-30")["P"]
    assert (p["credit"], p["outstanding"], p["overdue"]) == ("200.00", "-200.00", "0.00")
    assert p["oldest_overdue_days"] is None
    assert p["grade"] != "E"
    table = dunner("forecast", "--as-of", "2026-06-30").stdout
    assert "F-2026-0005" not in table  # P's invoice is paid by its credit: nothing to expect, nothing at risk
    assert stats(dunner, "2026-04-30")["S"]["dso"] == "90.0"  # 1000 owed / 1000 invoiced in the window x 90
    assert stats(dunner, "2026-03-01")["Q"]["invoices"] == 2  # the final invoice settled by its deposit
    assert "pre-due-call" not in dunner("agenda", "--as-of", "2026-02-25").stdout  # asks 1000, not 10000
    v = stats(dunner, "2026-03-10")["V"]
    assert (v["promises_kept"], v["promises_broken"]) == (1, 0)


def test_the_forecast_nets_a_clients_credit_oldest_first(dunner, configure, client):
    """Money received and not applied pays the oldest open instalments first, in the forecast as in the aging
    (the forecast takes the credit the stats read, issue 15 item 3)."""
    configure()
    client("X", "--terms", "30")
    dunner("invoice", "X", "100", "--issued", "2026-05-01")  # F-2026-0001, due 05-31
    dunner("invoice", "X", "200", "--issued", "2026-05-02")  # F-2026-0002, due 06-01
    dunner("invoice", "X", "300", "--issued", "2026-05-03")  # F-2026-0003, due 06-02
    dunner("pay", "F-2026-0001", "150", "--on", "2026-05-20")  # 50 left over as credit
    out = dunner("forecast", "--as-of", "2026-05-25", "--weeks", "2", "--format", "csv").stdout
    expected = {r["period"]: r["expected"] for r in csv.DictReader(io.StringIO(out))}
    # F-2026-0002 and 0003 fall due in the second week; the credit takes 50 off the older one
    assert expected == {"week-1": "0.00", "week-2": "450.00", "later": "0.00", "at-risk": "0.00"}
    out = dunner("stats", "--as-of", "2026-05-25", "--format", "csv").stdout
    stats = list(csv.DictReader(io.StringIO(out)))
    assert [(r["client"], r["credit"], r["outstanding"]) for r in stats] == [("X", "50.00", "450.00")]


def test_report_is_written_in_parts_and_a_failing_template_leaves_the_file_as_it_was(
    dunner, books, configure, tmp_path
):
    """The page streams from the template (issue 15 item 2: never held whole), all or nothing in a file."""
    from dunner.core.money import Money
    from dunner.edges.templates import Renderer

    page = tmp_path / "r.html"
    dunner("report", "--html", str(page), "--as-of", "2026-07-01")
    whole = page.read_text(encoding="utf-8")
    folder = tmp_path / "templates" / "report"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text(
        "{% for row in stats %}<p>{{ row.client }} {{ row.outstanding | money }}</p>\n{% endfor %}", encoding="utf-8"
    )
    renderer = Renderer(tmp_path / "templates")
    context = {"stats": [{"client": f"C{n}", "outstanding": Money(n, "EUR")} for n in range(3000)], "locale": "fr_FR"}
    parts = list(renderer.stream("report/report.html", context, pieces=500))
    assert len(parts) > 10 and "".join(parts) == renderer.render("report/report.html", context)
    # a long run of empty pieces (empty values) is not the end of the document
    (folder / "report.html").write_text("<ul>{% for row in stats %}{{ row.client }}{% endfor %}</ul>", encoding="utf-8")
    blank = {"stats": [{"client": ""} for _ in range(5000)] + [{"client": "last"}], "locale": "fr_FR"}
    assert "".join(renderer.stream("report/report.html", blank, pieces=500)) == "<ul>last</ul>"
    # a template failing after thousands of rows: the report already there stays whole, one line says why
    (folder / "report.html").write_text(
        "{% for row in stats %}<p>{{ row.client }}</p>\n{% endfor %}{{ row_missing.total }}", encoding="utf-8"
    )
    configure(f'\n[templates]\ndir = "{tmp_path / "templates"}"\n')
    failed = dunner("report", "--html", str(page), "--as-of", "2026-07-01", code=2)
    assert "report/report.html" in failed.stderr and "row_missing" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1 and "Traceback" not in failed.stderr
    assert page.read_text(encoding="utf-8") == whole and not list(tmp_path.glob(".r.html.*"))
