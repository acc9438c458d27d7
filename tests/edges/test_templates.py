"""Every packaged mail template renders in every language, for one invoice and for several."""

from datetime import date
from pathlib import Path

import pytest

from dunner.core.policy import BUILTIN
from dunner.dunning.messages import Draft, compose
from dunner.dunning.targets import load_targets
from dunner.edges.config import load
from dunner.edges.mail import MailSettings
from dunner.edges.resources import templates_dir
from dunner.edges.templates import Renderer
from dunner.ledger.clients import add_client
from dunner.ledger.issuing import create_invoice

EMAIL_STEPS = {s for p in BUILTIN.values() for s in p.steps if s.channel == "email"}
AS_OF = date(2026, 3, 15)


def test_every_default_step_has_its_templates_in_every_language():
    folder = templates_dir() / "mail"
    for language in ("fr", "en"):
        for step in EMAIL_STEPS:
            for part in ("subject.txt", "txt", "html"):
                assert (folder / language / f"{step.template}.{part}").is_file(), (language, step.template, part)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 2])
def test_render_every_template(ledger, configure, language, count):
    config = load(configure())
    add_client(
        ledger,
        config,
        {
            "code": "ACME",
            "name": "Acme & Fils",
            "email": "a@acme.fr",
            "language": language,
            "address": "1 rue X\n75001 Paris",
            "contact": "Claire Martin",
        },
    )
    for n in range(count):
        create_invoice(ledger, config, "ACME", f"{100 * (n + 1)}.50", issued_on=date(2026, 1, 1 + n))
    targets = tuple(load_targets(ledger, AS_OF, -10))
    settings = MailSettings(sender="factures@atelier-test.fr")
    renderer = Renderer(None)
    for step in sorted(EMAIL_STEPS, key=lambda s: (s.offset, s.name)):
        outgoing, ctx = compose(ledger, config, renderer, settings, Draft(step, targets), AS_OF, 8)
        message = outgoing.message
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert message["Subject"] and "\n" not in message["Subject"]
        for target in targets:
            assert target.number in text and target.number in html
        assert "Atelier Test" in text and "Atelier Test" in html
        assert html.lstrip().startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
        if step.claim:
            assert ctx["claim"]["total"].minor > ctx["total_due"].minor
            assert ("MISE EN DEMEURE" if language == "fr" else "FORMAL NOTICE") in text
            assert ("23 mars 2026" if language == "fr" else "23 March 2026") in text  # as-of + 8 days
            assert "Acme & Fils" in text and "Acme &amp; Fils" in html  # escaped in HTML only
        lang_words = {"fr": "Bénéficiaire", "en": "Beneficiary"}
        assert lang_words[language] in text


def test_user_templates_replace_packaged_ones_file_by_file(tmp_path: Path):
    mine = tmp_path / "mail" / "en"
    mine.mkdir(parents=True)
    (mine / "reminder-1.subject.txt").write_text("Nudge {{ invoices | length }}")
    renderer = Renderer(tmp_path)
    assert renderer.render("mail/en/reminder-1.subject.txt", {"invoices": [1, 2]}) == "Nudge 2"
    body = renderer.env.get_template("mail/en/reminder-1.txt").filename
    assert Path(body) == templates_dir() / "mail" / "en" / "reminder-1.txt"


def test_sandbox_refuses_unsafe_access(tmp_path: Path):
    from dunner.core.errors import BadInput

    (tmp_path / "mail" / "fr").mkdir(parents=True)
    (tmp_path / "mail" / "fr" / "x.txt").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(BadInput, match="unsafe"):
        Renderer(tmp_path).render("mail/fr/x.txt", {})
