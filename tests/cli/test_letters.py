"""What a letter claims: its list, its totals and its claim agree to the cent, whatever the plan or the letter."""

import csv
import io
import json
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from test_remind import MAILDIR, outbox, remind

from helpers import flat, pdf_text, query

NOTICE_ONLY = MAILDIR + '[dunning]\nsteps = [{name = "formal-notice", offset = 30, claim = true}]\n'
AMOUNT = r"(-?\d[\d ]*,\d\d) €"


def euros(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


def listed(text: str) -> list[Decimal]:
    """The amounts a French letter lists as still due, one per line of its list."""
    return [euros(m) for m in re.findall(AMOUNT + r" restant dû", text)]


def figure(text: str, label: str) -> Decimal:
    [found] = re.findall(re.escape(label) + r" : " + AMOUNT, text)
    return euros(found)


def body(message) -> str:
    return flat(message.get_body(("plain",)).get_content())


def notices(tmp_path) -> list:
    return [m for m in outbox(tmp_path) if m["Subject"].startswith("Mise en demeure")]


@pytest.fixture
def plan(dunner, client, configure):
    """A business client's invoice in three instalments: 01-31, 02-15, then the rest on 03-15."""

    def make(extra: str = MAILDIR) -> None:
        configure(extra)
        client("ACME", "--address", "5 rue de la Paix\n75002 Paris")
        dunner(
            "invoice",
            "ACME",
            "1200",
            "--issued",
            "2026-01-01",
            "--schedule",
            "2026-01-31=400,2026-02-15=500,2026-03-15",
        )

    return make


def test_the_notice_lists_every_instalment_it_claims(dunner, plan, tmp_path):
    plan(NOTICE_ONLY)
    remind(dunner, "2026-03-02")  # the first instalment is 30 days late; the second is late too
    [notice] = notices(tmp_path)
    text = body(notice)
    principal = figure(text, "Principal restant dû")
    assert principal == Decimal("900.00")  # 400 + 500: both overdue, the third not yet due
    assert sum(listed(text)) == principal == figure(text, "Total restant dû")
    interest = figure(text, "Total des intérêts de retard")
    indemnity = figure(text, "Indemnité forfaitaire pour frais de recouvrement")
    assert figure(text, "Total réclamé") == principal + interest + indemnity
    assert indemnity == Decimal("40.00")
    # the ledger's record of what was claimed adds up to the letter, not once per instalment
    [(claimed,)] = query("SELECT SUM(claim_cents) FROM reminder WHERE message_id = ?", (notice["Message-ID"],))
    assert Decimal(claimed) / 100 == figure(text, "Total réclamé")


def test_one_notice_for_two_instalments_counts_the_invoice_once(dunner, plan, tmp_path):
    plan(NOTICE_ONLY)
    remind(dunner, "2026-03-20")  # the first two instalments reach the notice together; the third is late too
    [notice] = notices(tmp_path)
    text = body(notice)
    assert sum(listed(text)) == figure(text, "Principal restant dû") == Decimal("1200.00")
    assert figure(text, "Indemnité forfaitaire pour frais de recouvrement") == Decimal("40.00")
    rows = query("SELECT claim_cents FROM reminder WHERE message_id = ? ORDER BY id", (notice["Message-ID"],))
    assert len(rows) == 2  # one row per instalment the notice is about...
    assert Decimal(sum(c or 0 for (c,) in rows)) / 100 == figure(text, "Total réclamé")  # ...the claim once


def test_a_formal_notice_letter_and_its_claim_agree(dunner, plan, tmp_path):
    plan()
    dunner("notice", "F-2026-0001", "--as-of", "2026-03-02", "-o", "n.pdf")
    text = pdf_text((tmp_path / "n.pdf").read_bytes())
    rows = re.findall(r"F-2026-0001(?:/\d)? .*? (\d[\d ]*,\d\d) €", text.split("Décompte")[0])
    principal = euros(re.search(r"Principal restant dû " + AMOUNT, text).group(1))
    assert principal == Decimal("900.00")
    assert sum(euros(r) for r in rows) == principal
    claim = json.loads(dunner("claim", "F-2026-0001", "--as-of", "2026-03-02", "--format", "json").stdout)
    assert Decimal(claim["principal"]) == principal
    assert [(i["instalment"], i["due"]) for i in claim["instalments"]] == [(1, "400.00"), (2, "500.00")]


def test_a_second_notice_restates_the_claim_and_the_one_indemnity(dunner, plan, tmp_path):
    plan()
    dunner("notice", "F-2026-0001", "--as-of", "2026-03-02", "-o", "first.pdf")
    dunner("notice", "F-2026-0001", "--as-of", "2026-03-09", "-o", "second.pdf")
    first = pdf_text((tmp_path / "first.pdf").read_bytes())
    second = pdf_text((tmp_path / "second.pdf").read_bytes())
    assert "fait suite" not in first
    assert "fait suite à notre mise en demeure du 2 mars 2026" in second
    for text in (first, second):
        assert len(re.findall(r"Indemnité forfaitaire pour frais de recouvrement", text)) == 1
        assert "40,00 €" in text
    assert "déjà réclamée le 2 mars 2026" in second  # so nobody reads 80 EUR into the two letters
    claim = json.loads(dunner("claim", "F-2026-0001", "--as-of", "2026-03-09", "--format", "json").stdout)
    assert claim["indemnity"] == "40.00"
    content = dunner("dossier", "ACME", "--as-of", "2026-03-09", "-o", "-").stdout_bytes
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("decompte.csv").decode("utf-8"))))
        summary = archive.read("resume.txt").decode("utf-8")
    assert [r["amount"] for r in rows if r["item"] == "indemnity"] == ["40.00"]
    assert "Mise en demeure : 2026-03-02" in summary


def test_after_a_formal_notice_no_instalment_gets_a_friendlier_step(dunner, client, configure, tmp_path):
    configure(MAILDIR)
    client("BOB", "--kind", "consumer", "--address", "1 rue X\n75001 Paris")
    dunner("invoice", "BOB", "600", "--issued", "2026-01-01", "--schedule", "2026-01-31=200,2026-02-10=200,2026-04-30")
    actions, when = [], date(2026, 1, 26)
    while when <= date(2026, 6, 20):
        actions += [(when.isoformat(), inv, step, status) for _, inv, step, status in remind(dunner, when.isoformat())]
        when += timedelta(days=1)
    acted = [(d, inv, step) for d, inv, step, status in actions if status in ("sent", "task")]
    friendly = ("courtesy", "due-today", "reminder-1", "call", "reminder-2")
    assert [a for a in acted if a[0] > "2026-03-02" and a[2] in friendly] == []
    # the second instalment gets the notice on its own date, restating the claim on the whole invoice;
    # the third comes due after the hand-off was reached, and gets nothing friendlier than it
    assert [a for a in acted if a[2] in ("formal-notice", "handoff")] == [
        ("2026-03-02", "F-2026-0001", "formal-notice"),
        ("2026-03-12", "F-2026-0001/2", "formal-notice"),
        ("2026-03-17", "F-2026-0001", "handoff"),
        ("2026-03-27", "F-2026-0001/2", "handoff"),
        ("2026-06-14", "F-2026-0001/3", "handoff"),
    ]
    letters = notices(tmp_path)
    assert len(letters) == 2
    second = body(letters[1])
    assert sum(listed(second)) == figure(second, "Principal restant dû") == Decimal("400.00")
    assert "fait suite à notre mise en demeure du 2 mars 2026" in second
    skipped = query(
        "SELECT i.seq, r.step, r.error FROM reminder r JOIN instalment i ON i.id = r.instalment_id"
        " WHERE r.status = 'skipped' AND i.seq > 1 ORDER BY i.seq, r.id"
    )
    assert [(seq, step) for seq, step, _ in skipped] == [
        (2, "reminder-2"),
        *((3, step) for step in (*friendly, "formal-notice")),
    ]
    assert all("formal notice" in reason for _, _, reason in skipped)


def test_a_later_notice_says_what_it_adds_and_which_indemnity_is_new(dunner, client, configure, tmp_path):
    configure()
    client("ACME", "--address", "5 rue de la Paix\n75002 Paris")
    dunner("invoice", "ACME", "1000", "--issued", "2026-01-01")  # due 01-31
    dunner("notice", "F-2026-0001", "--as-of", "2026-02-10", "-o", "first.pdf")
    dunner("invoice", "ACME", "500", "--issued", "2026-01-20")  # due 02-19: late by the second letter
    dunner("notice", "F-2026-0001", "--as-of", "2026-03-05", "-o", "second.pdf")
    second = pdf_text((tmp_path / "second.pdf").read_bytes())
    assert "fait suite à notre mise en demeure du 10 février 2026" in second
    assert "y ajoute la facture F-2026-0002" in second
    assert "dont 40,00 € déjà réclamés le 10 février 2026" in second and "80,00 €" in second
    assert "déjà réclamée le" not in second  # not all of it was: F-2026-0002's is claimed for the first time


def test_a_notice_printed_again_the_same_day_follows_nothing(dunner, plan, tmp_path):
    plan()
    for name in ("a.pdf", "b.pdf"):
        dunner("notice", "F-2026-0001", "--as-of", "2026-03-05", "-o", name)
    assert "fait suite" not in pdf_text((tmp_path / "b.pdf").read_bytes())
    assert query("SELECT COUNT(*) FROM event WHERE kind = 'formal_notice'") == [(1,)]


def test_the_subject_of_a_notice_on_one_invoice_names_it(dunner, plan, tmp_path):
    plan(NOTICE_ONLY)
    remind(dunner, "2026-03-20")  # two instalments of one invoice
    [notice] = notices(tmp_path)
    assert notice["Subject"] == "Mise en demeure de payer : facture F-2026-0001 - Atelier Test"


def test_a_notice_that_cannot_go_leaves_the_friendlier_steps_for_another_day(dunner, client, configure, tmp_path):
    configure(MAILDIR)
    client("ACME", "--address", "5 rue de la Paix\n75002 Paris")
    dunner("invoice", "ACME", "600", "--issued", "2026-11-05", "--schedule", "2026-12-05=300,2027-01-04", "--force")
    for day in ("2026-12-12", "2026-12-19", "2026-12-26"):
        remind(dunner, day)
    # 2027-01-04: the first instalment's notice needs the ECB rate of 2027, which dunner does not know;
    # the second instalment falls due the same day
    rows = remind(dunner, "2027-01-04", code=1)
    assert ("ACME", "F-2026-0001", "formal-notice", "failed") in rows
    # nothing is recorded for the second instalment on the strength of a notice that did not go out
    assert [r for r in rows if r[1] == "F-2026-0001/2" and r[2] == "due-today"] == []
    assert query("SELECT COUNT(*) FROM reminder WHERE error LIKE '%goes today%'") == [(0,)]
    # the rate is known: the notice goes, and only then is the second instalment held to it
    configure(MAILDIR + '[law.rates.ecb]\n"2027-01-01" = "2.15"\n')
    assert ("ACME", "F-2026-0001", "formal-notice", "sent") in remind(dunner, "2027-01-05")
    assert [r[2:] for r in remind(dunner, "2027-01-11") if r[1] == "F-2026-0001/2"] == [("reminder-1", "skipped")]


def test_a_credit_note_has_no_claim(dunner, plan):
    plan()
    dunner("credit-note", "F-2026-0001", "100", "--reason", "Remise", "--on", "2026-01-05")
    result = dunner("claim", "AV-2026-0001", "--as-of", "2026-03-01", code=2)
    assert result.stderr.startswith("Error: AV-2026-0001 is a credit note")
