"""`dunner remind` end to end on a Maildir: the right step, to the right person, exactly once."""

import csv
import email
import io
import json
import mailbox
from email import policy

import pytest

from helpers import flat, query

MAILDIR = '\n[mail]\ntransport = "maildir"\nmaildir = "outbox"\n'


def remind(dunner, day, *args, code=0):
    out = dunner("remind", "--as-of", day, "--format", "csv", *args, code=code).stdout
    return [(r["client"], r["invoice"], r["step"], r["status"]) for r in csv.DictReader(io.StringIO(out))]


def outbox(tmp_path):
    """The messages in the Maildir, in the order dunner sent them (its ledger knows)."""
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    messages = [email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    order = [r[0] for r in query("SELECT message_id FROM reminder WHERE message_id IS NOT NULL ORDER BY id")]
    return sorted(messages, key=lambda m: order.index(m["Message-ID"]))


def rows(tmp_path):
    return query("SELECT step, status, acted_on FROM reminder ORDER BY id")


@pytest.fixture
def books(dunner, client, configure):
    configure(MAILDIR)
    client("ACME", "--terms", "30", "--contact", "Claire Martin")
    dunner("invoice", "ACME", "1200", "--issued", "2026-01-01")  # F-2026-0001 due 01-31


def test_dry_run_sends_and_records_nothing(dunner, books, tmp_path):
    result = dunner("remind", "--as-of", "2026-01-26", "--dry-run")
    assert "planned" in result.stdout and "dry run" in result.stdout
    assert rows(tmp_path) == []
    assert not (tmp_path / "outbox").exists()


def test_each_step_once_on_its_day(dunner, books, tmp_path):
    assert remind(dunner, "2026-01-25") == []
    assert remind(dunner, "2026-01-26") == [("ACME", "F-2026-0001", "courtesy", "sent")]
    assert remind(dunner, "2026-01-26") == []  # cron ran twice: nothing more
    assert remind(dunner, "2026-01-31") == [("ACME", "F-2026-0001", "due-today", "sent")]
    assert remind(dunner, "2026-02-06") == []
    assert remind(dunner, "2026-02-07") == [("ACME", "F-2026-0001", "reminder-1", "sent")]
    assert remind(dunner, "2026-02-14") == [("ACME", "F-2026-0001", "call", "task")]
    messages = outbox(tmp_path)
    assert [m["Subject"] for m in messages] == [
        "Facture F-2026-0001 : échéance le 31 janvier 2026 - Atelier Test",
        "Facture F-2026-0001 : échéance aujourd'hui - Atelier Test",
        "Relance : facture F-2026-0001 en attente de règlement - Atelier Test",
    ]
    assert all(m["To"] == "ACME SARL <acme@example.com>" for m in messages)
    text = messages[2].get_body(("plain",)).get_content()
    assert "Bonjour Claire Martin" in text and "1 200,00" in text.replace("\u202f", " ")
    assert "en retard de 7 jours" in text and "FR76 3000 6000 0112 3456 7890 189" in text
    assert "https://pay.example.com/F-2026-0001" in text


def test_catching_up_after_an_outage_never_bursts(dunner, books, tmp_path):
    assert remind(dunner, "2026-03-15") == [
        ("ACME", "F-2026-0001", "courtesy", "skipped"),
        ("ACME", "F-2026-0001", "due-today", "skipped"),
        ("ACME", "F-2026-0001", "reminder-1", "sent"),
    ]
    assert remind(dunner, "2026-03-16") == []
    assert remind(dunner, "2026-03-22") == [("ACME", "F-2026-0001", "call", "task")]
    assert remind(dunner, "2026-03-29") == [("ACME", "F-2026-0001", "reminder-2", "sent")]
    assert len(outbox(tmp_path)) == 2


def test_a_payment_between_runs_stops_the_next_reminder(dunner, books, tmp_path):
    assert remind(dunner, "2026-02-07")[-1][2:] == ("reminder-1", "sent")
    dunner("pay", "F-2026-0001", "1200", "--on", "2026-02-10")
    assert remind(dunner, "2026-02-14") == []
    assert remind(dunner, "2026-03-31") == []
    assert len(outbox(tmp_path)) == 1


def test_partial_payments_and_credit_are_netted(dunner, books, tmp_path):
    dunner("pay", "F-2026-0001", "200", "--on", "2026-01-20")
    dunner("invoice", "ACME", "100", "--issued", "2026-01-01", "--due", "2026-01-15")  # due first: F-2026-0002
    dunner("pay", "F-2026-0002", "400", "--on", "2026-01-05")  # 300 of credit
    remind(dunner, "2026-02-07")
    text = flat(outbox(tmp_path)[-1].get_body(("plain",)).get_content())
    # 1200 - 200 paid - 300 of credit netted: the line's own figures add up
    assert "700,00 € restant dû (sur 1 200,00 €, 500,00 € déjà réglé)" in text
    dunner("pay", "--client", "ACME", "700", "--currency", "EUR", "--on", "2026-02-08")
    assert remind(dunner, "2026-03-30") == []  # fully covered: nobody is chased for what they paid


def test_disputes_promises_and_pauses_stop_the_chase(dunner, books, tmp_path):
    dunner("dispute", "F-2026-0001", "--reason", "Livraison incomplète", "--on", "2026-01-20")
    assert remind(dunner, "2026-02-07") == []
    assert "already disputed" in dunner("dispute", "F-2026-0001", "--reason", "x", code=2).stderr
    dunner("resolve", "F-2026-0001", "--on", "2026-02-08")
    assert [r[2:] for r in remind(dunner, "2026-02-08")][-1] == ("reminder-1", "sent")
    dunner("promise", "F-2026-0001", "2026-02-20", "--on", "2026-02-10")
    assert remind(dunner, "2026-02-20") == []  # the call would be due, but they promised
    agenda = json.loads(dunner("agenda", "--as-of", "2026-02-20", "--format", "json").stdout)
    assert [(a["kind"], a["invoice"]) for a in agenda] == [("promise", "F-2026-0001")]
    agenda = json.loads(dunner("agenda", "--as-of", "2026-02-21", "--format", "json").stdout)
    assert [a["kind"] for a in agenda] == ["broken-promise"]
    assert remind(dunner, "2026-02-21") == [("ACME", "F-2026-0001", "call", "task")]  # broken: resumes
    dunner("pause", "ACME", "--until", "2026-03-10", "--on", "2026-02-22")
    assert remind(dunner, "2026-03-10") == []
    assert [r[2] for r in remind(dunner, "2026-03-11")] == ["reminder-2"]
    dunner("pause", "ACME", "--on", "2026-03-12")
    assert remind(dunner, "2026-06-01") == []
    dunner("unpause", "ACME", "--on", "2026-06-01")
    assert [r[2] for r in remind(dunner, "2026-06-01")] == ["formal-notice"]


def test_calls_go_to_the_agenda_and_are_done_by_log_call(dunner, books, tmp_path):
    remind(dunner, "2026-02-07")
    dunner("edit-client", "ACME", "--phone", "+33 1 02 03 04 05")
    assert remind(dunner, "2026-02-14") == [("ACME", "F-2026-0001", "call", "task")]
    agenda = json.loads(dunner("agenda", "--as-of", "2026-02-14", "--format", "json").stdout)
    assert [(a["kind"], a["contact"], a["phone"], a["amount"]) for a in agenda] == [
        ("call", "Claire Martin", "+33 1 02 03 04 05", "1200.00")
    ]
    result = dunner(
        "log-call", "F-2026-0001", "--note", "Virement vendredi", "--promise", "2026-02-20", "--on", "2026-02-14"
    )
    assert "1 task(s) done" in result.stdout and "promised for 2026-02-20" in result.stdout
    assert json.loads(dunner("agenda", "--as-of", "2026-02-14", "--format", "json").stdout) == []
    history = dunner("history", "F-2026-0001", "--format", "csv").stdout
    assert "call,F-2026-0001,,Virement vendredi" in history and "reminder done" in history


def test_one_message_lists_all_invoices_of_a_client_for_a_step(dunner, books, tmp_path, configure):
    dunner("invoice", "ACME", "300", "--issued", "2026-01-01")  # same due date
    assert [r for r in remind(dunner, "2026-02-07") if r[3] == "sent"] == [
        ("ACME", "F-2026-0001", "reminder-1", "sent"),
        ("ACME", "F-2026-0002", "reminder-1", "sent"),
    ]
    [message] = outbox(tmp_path)
    assert message["Subject"].startswith("Relance : 2 factures")
    ids = query("SELECT DISTINCT message_id FROM reminder WHERE step = 'reminder-1'")
    assert ids == [(message["Message-ID"],)]
    configure(MAILDIR + '\n[dunning]\ngroup = "invoice"\n')
    assert [r[3] for r in remind(dunner, "2026-02-21")] == ["task", "task"]  # the calls
    assert [r[3] for r in remind(dunner, "2026-02-28")] == ["sent", "sent"]
    assert len(outbox(tmp_path)) == 3  # reminder-2: one message per invoice now


def test_profiles_rules_and_policy_changes(dunner, client, configure, tmp_path):
    configure(
        MAILDIR
        + """
[dunning]
[[dunning.rules]]
profile = "firm"
min_amount = "5000"
"""
    )
    client("BIG")
    client("SOFT", "--profile", "gentle")
    dunner("invoice", "BIG", "8000", "--issued", "2026-01-01")  # firm: reminder-1 at +3
    dunner("invoice", "SOFT", "8000", "--issued", "2026-01-01")  # gentle: reminder-1 at +10
    assert [r[::2] for r in remind(dunner, "2026-02-03") if r[3] != "skipped"] == [("BIG", "reminder-1")]
    assert [r[::2] for r in remind(dunner, "2026-02-10") if r[3] == "sent"] == [
        ("BIG", "reminder-2"),
        ("SOFT", "reminder-1"),
    ]
    # a new policy applies to existing invoices at the next run
    configure(
        MAILDIR
        + """
[[dunning.steps]]
name = "relance"
offset = 45
template = "reminder-2"
"""
    )
    dunner("edit-client", "SOFT", "--profile", "")
    assert [r[:3] for r in remind(dunner, "2026-03-17")] == [
        ("BIG", "F-2026-0001", "relance"),
        ("SOFT", "F-2026-0002", "relance"),
    ]
    assert "no dunning profile 'tender'" in dunner("edit-client", "SOFT", "--profile", "tender", code=2).stderr


def test_formal_notice_carries_the_claim(dunner, books, tmp_path):
    for day in ["2026-02-07", "2026-02-14", "2026-02-21"]:
        remind(dunner, day)
    assert remind(dunner, "2026-03-02") == [("ACME", "F-2026-0001", "formal-notice", "sent")]
    assert remind(dunner, "2026-03-02") == []
    notice = outbox(tmp_path)[-1]
    assert notice["Subject"] == "Mise en demeure de payer : facture F-2026-0001 - Atelier Test"
    text = flat(notice.get_body(("plain",)).get_content())
    # 1200 EUR, 30 days late (1 Feb - 2 Mar 2026) at 2.15 + 10 = 12.15 %: 1200 x 0.1215 x 30 / 365 = 11.98
    assert "30 j à 12,15 % sur 1 200,00 €) : 11,98 €" in text
    assert "Indemnité forfaitaire pour frais de recouvrement : 40,00 €" in text
    assert "la somme de 1 251,98 € au plus tard le 10 mars 2026" in text
    assert "MISE EN DEMEURE" in text
    assert query("SELECT claim_cents FROM reminder WHERE step = 'formal-notice'") == [(125198,)]
    claim = json.loads(dunner("claim", "F-2026-0001", "--as-of", "2026-03-02", "--format", "json").stdout)
    assert {k: claim[k] for k in ("invoice", "currency", "principal", "interest", "indemnity", "total")} == {
        "invoice": "F-2026-0001",
        "currency": "EUR",
        "principal": "1200.00",
        "interest": "11.98",
        "indemnity": "40.00",
        "total": "1251.98",
    }
    assert claim["periods"] == [
        {"from": "2026-02-01", "to": "2026-03-02", "days": 30, "rate": "12.15", "base": "1200.00", "amount": "11.98"}
    ]


def test_consumers_get_no_fixed_indemnity(dunner, client, configure):
    configure(MAILDIR)
    client("JOE", "--kind", "consumer")
    dunner("invoice", "JOE", "500", "--issued", "2025-01-01", "--due", "2025-01-31")
    claim = json.loads(dunner("claim", "F-2025-0001", "--as-of", "2025-03-02", "--format", "json").stdout)
    assert (claim["law"], claim["indemnity"], claim["periods"][0]["rate"]) == ("fr-b2c", "0.00", "3.71")
    table = dunner("claim", "F-2025-0001", "--as-of", "2025-03-02").stdout
    assert "Total" in table and "3.71" in table


def test_the_user_template_folder_overrides_file_by_file(dunner, books, configure, tmp_path):
    mine = tmp_path / "my-templates" / "mail" / "fr"
    mine.mkdir(parents=True)
    (mine / "reminder-1.subject.txt").write_text("Petit oubli ? {{ invoices[0].number }}")
    configure(MAILDIR + '\n[templates]\ndir = "my-templates"\n')
    remind(dunner, "2026-02-07")
    [message] = outbox(tmp_path)
    assert message["Subject"] == "Petit oubli ? F-2026-0001"
    assert "Sauf erreur de notre part" in message.get_body(("plain",)).get_content()  # packaged body kept


def test_a_template_error_stops_the_run_before_anything_happens(dunner, books, configure, tmp_path):
    mine = tmp_path / "t" / "mail" / "fr"
    mine.mkdir(parents=True)
    (mine / "reminder-1.txt").write_text("Bonjour {{ clinet.name }}")
    configure(MAILDIR + '\n[templates]\ndir = "t"\n')
    result = dunner("remind", "--as-of", "2026-02-07", code=2)
    assert result.stderr.startswith("Error: template mail/fr/reminder-1.txt: 'clinet' is undefined")
    assert rows(tmp_path) == []


def test_client_data_cannot_inject_headers_or_markup(dunner, configure, tmp_path):
    configure(MAILDIR)
    bad = dunner("add-client", "EVIL", "--name", "Evil\r\nBcc: all@x.com", "--email", "e@x.com", code=2)
    assert "must fit on one line" in bad.stderr
    bad = dunner("add-client", "EVIL", "--name", "Evil", "--email", "e@x.com\nBcc: all@x.com", code=2)
    assert "is not a valid email address" in bad.stderr
    dunner("add-client", "EVIL", "--name", "<script>alert(1)</script> & Co", "--email", "e@x.com")
    dunner("invoice", "EVIL", "10", "--issued", "2026-01-01")
    remind(dunner, "2026-02-07")
    [message] = outbox(tmp_path)
    assert message["Bcc"] is None
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" not in text
    assert message["To"].addresses[0].display_name == "<script>alert(1)</script> & Co"


def test_remind_for_one_client(dunner, books, client):
    client("BETA")
    dunner("invoice", "BETA", "50", "--issued", "2026-01-01")
    assert {r[0] for r in remind(dunner, "2026-02-07", "--client", "BETA")} == {"BETA"}
    assert {r[0] for r in remind(dunner, "2026-02-07")} == {"ACME"}


def test_empty_run_and_config_dry_run_transport(dunner, configure, tmp_path):
    configure()  # transport defaults to dry-run: nothing recorded
    assert "Nothing to do today." in dunner("remind").stdout
    assert dunner("remind", "--format", "csv").stdout.splitlines() == [
        "client,invoice,step,channel,status,message_id,amount,detail"
    ]


def test_letters_notes_history_and_errors(dunner, books, tmp_path):
    for day in ["2026-02-07", "2026-02-14", "2026-02-21", "2026-03-02"]:
        remind(dunner, day)
    assert remind(dunner, "2026-03-17") == [("ACME", "F-2026-0001", "handoff", "task")]
    agenda = json.loads(dunner("agenda", "--as-of", "2026-03-17", "--format", "json").stdout)
    assert {(a["kind"], a["detail"]) for a in agenda} == {("call", "step call"), ("letter", "step handoff")}
    done = dunner("done", "F-2026-0001", "--step", "handoff", "--note", "Dossier transmis", "--on", "2026-03-17")
    assert "1 task(s) done" in done.stdout
    assert "has no open task for step handoff" in dunner("done", "F-2026-0001", "--step", "handoff", code=2).stderr
    dunner("note", "ACME", "Nouvelle comptable : Mme Roux", "--on", "2026-03-18")
    history = json.loads(dunner("history", "ACME", "--format", "json").stdout)
    kinds = [h["kind"] for h in history]
    assert kinds[:3] == ["invoice", "due", "reminder skipped"]  # the first run was after the due date
    assert {"note", "reminder task", "reminder done"} <= set(kinds)
    assert history[-1]["detail"] == "Nouvelle comptable : Mme Roux"
    assert "is not paused" in dunner("unpause", "ACME", code=2).stderr
    assert "is not disputed" in dunner("resolve", "F-2026-0001", code=2).stderr
    assert "before today" in dunner("promise", "F-2026-0001", "2026-01-01", "--on", "2026-03-18", code=2).stderr
    assert "no invoice or client 'NOPE'" in dunner("history", "NOPE", code=2).stderr
    assert "nothing to change" in dunner("edit-client", "ACME", code=2).stderr
    assert "no law profile 'mars'" in dunner("edit-client", "ACME", "--law", "mars", code=2).stderr


def test_progress_bar_only_on_a_terminal(monkeypatch):
    """Under cron (no terminal) there is no progress bar at all; on a terminal there is one."""
    import io

    from dunner.cli import dunning

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", io.StringIO())
    with dunning._progress() as tick:
        assert tick is None
    monkeypatch.setattr("sys.stderr", Terminal())
    with dunning._progress() as tick:
        assert tick is not None
        tick(5)


def test_claims_and_notices_net_the_clients_credit(dunner, client, configure, tmp_path):
    configure(MAILDIR)
    client("ACME", "--terms", "30")
    dunner("pay", "--client", "ACME", "300", "--on", "2025-01-02")  # nothing open yet: credit
    dunner("invoice", "ACME", "1000", "--issued", "2025-01-05")  # due 02-04
    claim = json.loads(dunner("claim", "F-2025-0001", "--as-of", "2025-03-11", "--format", "json").stdout)
    assert claim["principal"] == "700.00"  # what remind says is still due
    assert [p["base"] for p in claim["periods"]] == ["700.00"]  # the credit was there from day one
    for day in ["2025-02-11", "2025-02-18", "2025-02-25", "2025-03-11"]:
        remind(dunner, day)
    notice = flat(outbox(tmp_path)[-1].get_body(("plain",)).get_content())
    assert "700,00 € restant dû" in notice and "Principal restant dû : 700,00 €" in notice
    assert f"la somme de {claim['total'].replace('.', ',')} €" in notice.replace("\u202f", "")


def test_a_pause_counts_from_the_day_it_was_recorded(dunner, books):
    dunner("pause", "ACME", "--on", "2026-03-01", "--until", "2026-03-31")
    assert [r[2] for r in remind(dunner, "2026-02-07")] == ["courtesy", "due-today", "reminder-1"]  # before it
    assert remind(dunner, "2026-03-10") == []
    assert [r[2] for r in remind(dunner, "2026-04-01")] == ["call"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[law.rates.ecb]\n", None),  # an empty table is harmless
        ("[law]\nrates = []\n", "[law] rates: must be tables"),
        ("[law]\ncustom = []\n", "[law.custom]: must be a table"),
        ('[law.custom]\nrates = ["ecb"]\n', "[law.custom] rates: no rate table"),
        ('[law.custom]\nindemnity = "12.345"\ncurrency = "EUR"\n', "has more decimals than EUR"),
        ('[law.custom]\nindemnity = "40"\n', "give its currency too"),
        ('[[dunning.rules]]\nprofile = "firm"\nmin_amount = "NaN"\n', "min_amount: 'NaN' is not an amount"),
        ('[dunning]\nrules = {profile = "firm"}\n', "rules: must be a list"),
        ('[[dunning.steps]]\nname = "x"\noffset = 3\nchannel = "fax"\n', "steps[1].channel: must be one of"),
        ('[mail]\ntransport = "smtp"\nusername = "u"\npassword_command = "pass \'smtp"\n', "password_command"),
    ],
)
def test_bad_dunning_config_is_one_clear_error(dunner, books, configure, toml, message):
    configure(toml)
    result = dunner(
        "remind",
        "--as-of",
        "2026-02-07",
        "--dry-run" if "mail" not in toml else "--format=csv",
        code=0 if message is None else 2,
    )
    if message is not None:
        assert result.stderr.startswith("Error: ") and message in result.stderr
        assert "Traceback" not in result.output


def test_a_claim_missing_a_rate_holds_back_its_message_alone(dunner, client, configure, tmp_path):
    """The notice template renders once; every claim is still computed before anything is sent."""
    configure(MAILDIR + '[dunning]\nsteps = [{name = "formal-notice", offset = 30, claim = true}]\n')
    client("PRO1", "--terms", "30")
    client("PERSO", "--terms", "30", "--kind", "consumer")  # the French legal rate of 2026 S2 is unknown
    client("PRO2", "--terms", "30")
    for code in ("PRO1", "PERSO", "PRO2"):
        dunner("invoice", code, "1000", "--issued", "2026-06-01")  # due 07-01, notice from 07-31
    out = dunner("remind", "--as-of", "2026-08-03", "--format", "csv", code=1).stdout
    rows = {r["client"]: r for r in csv.DictReader(io.StringIO(out))}
    assert {code: rows[code]["status"] for code in rows} == {"PRO1": "sent", "PERSO": "failed", "PRO2": "sent"}
    assert "rate" in rows["PERSO"]["detail"]
    assert len(outbox(tmp_path)) == 2


def test_a_task_on_a_settled_invoice_leaves_the_agenda(dunner, books, tmp_path):
    """Paid in full, credited or written off: calling about it is what dunner exists to prevent."""
    dunner("invoice", "ACME", "500", "--issued", "2026-01-01")  # F-2026-0002, the same steps
    dunner("invoice", "ACME", "300", "--issued", "2026-01-01")  # F-2026-0003
    dunner("invoice", "ACME", "700", "--issued", "2026-01-01")  # F-2026-0004, still owed
    remind(dunner, "2026-02-07")
    assert [r[3] for r in remind(dunner, "2026-02-14")] == ["task"] * 4  # the calls

    def calls(day):
        items = json.loads(dunner("agenda", "--as-of", day, "--format", "json").stdout)
        return [(a["kind"], a["invoice"], a["amount"]) for a in items]

    dunner("pay", "F-2026-0001", "1200", "--on", "2026-02-16")
    dunner("credit-note", "F-2026-0002", "--reason", "Erreur de facturation", "--on", "2026-02-16")
    dunner("write-off", "F-2026-0003", "--reason", "Liquidation judiciaire", "--on", "2026-02-16")
    before = [
        ("call", "F-2026-0001", "1200.00"),
        ("call", "F-2026-0002", "500.00"),
        ("call", "F-2026-0003", "300.00"),
        ("call", "F-2026-0004", "700.00"),
    ]
    assert calls("2026-02-15") == before  # the agenda of a past day is that day's
    assert calls("2026-02-16") == [("call", "F-2026-0004", "700.00")]
    assert query("SELECT COUNT(*) FROM reminder WHERE status = 'task'") == [(4,)]  # agenda only reads
    closed = remind(dunner, "2026-02-17")  # the next run closes them, for good
    assert closed == [("ACME", f"F-2026-000{n}", "call", "cancelled") for n in (1, 2, 3)]
    assert calls("2026-02-17") == [("call", "F-2026-0004", "700.00")]
    details = {
        number: [(h["kind"], h["detail"]) for h in json.loads(dunner("history", number, "--format", "json").stdout)]
        for number in ("F-2026-0001", "F-2026-0002", "F-2026-0003")
    }
    assert ("reminder cancelled", "call (call): no longer needed: paid in full") in details["F-2026-0001"]
    assert ("reminder cancelled", "call (call): no longer needed: credited") in details["F-2026-0002"]
    assert ("reminder cancelled", "call (call): no longer needed: written off") in details["F-2026-0003"]
    assert remind(dunner, "2026-02-17") == []
    assert [r[1:] for r in remind(dunner, "2026-02-21")] == [("F-2026-0004", "reminder-2", "sent")]
