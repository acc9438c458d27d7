"""`dunner report --html` opened in headless Chromium: what a reader sees, and that nothing is fetched."""

import os
import shutil
from datetime import date

import pytest

from dunner.setup.demo import build_demo
from helpers import flat


def chromium() -> str:
    found = os.environ.get("DUNNER_CHROMIUM") or next(
        (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None
    )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        found = None
    if not found:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium (.ci/run does, from the system packages) and playwright")
        pytest.skip("no Chromium or playwright here")
    return found


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    from typer.testing import CliRunner

    from dunner.cli import app

    browser_path = chromium()
    folder = tmp_path_factory.mktemp("report")
    build_demo(folder / "demo", date(2026, 11, 23))
    target = folder / "report.html"
    result = CliRunner().invoke(
        app,
        ["--config", str(folder / "demo" / "dunner.toml"), "report", "--html", str(target), "--as-of", "2026-11-23"],
    )
    assert result.exit_code == 0, result.output
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        requests, errors = [], []
        tab.on("request", lambda r: requests.append(r.url))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.goto(target.as_uri())
        yield tab, requests, errors, target
        browser.close()


def test_the_report_shows_its_sections(page):
    tab, _, errors, _ = page
    assert tab.title() == "Suivi des encaissements - Atelier Demo - 2026-11-23"
    text = " ".join(flat(tab.inner_text("body")).split())
    for heading in ("Balance âgée", "Principaux retardataires", "Prévision d'encaissements", "Tous les clients"):
        assert tab.get_by_role("heading", name=heading).is_visible(), heading
    assert (
        "Dû (EUR) 9 380,00 €" in text and "En retard (EUR) 4 920,00 €" in text
    )  # the aging total, as the card shows it
    assert "Total EUR 50,00 € 4 510,00 € 380,00 € 660,00 € 3 200,00 € 680,00 € 9 380,00 €" in text
    late = tab.locator("#late tbody tr")
    cells = [
        " ".join(c.replace("\u202f", " ").replace("\u00a0", " ").split()) for c in late.first.inner_text().split("\t")
    ]
    assert cells[:4] == ["CABINET", "D", "3 200,00 €", "65 j"]
    assert "doit 3 200,00 EUR échus, le plus ancien depuis 65 jours" in text  # the reasons in the report's language
    assert "Semaine 1" in text and "Plus tard" in text and "week-1" not in text
    assert errors == []


def test_the_charts_are_drawn(page):
    tab, _, _, _ = page
    charts = tab.locator("figure svg")
    assert charts.count() == 4  # aging EUR and GBP, forecast EUR and GBP
    first = charts.first.bounding_box()
    assert first["width"] > 300 and first["height"] > 100
    bars = tab.locator("#aging figure").first.locator("rect.bar")
    widths = [bars.nth(n).bounding_box()["width"] for n in range(bars.count())]
    assert len(widths) == 5 and widths[0] == max(widths) and all(w > 0 for w in widths)  # current is the largest
    sparks = tab.locator("#late svg")
    assert sparks.count() >= 3 and all(sparks.nth(n).is_visible() for n in range(sparks.count()))
    tab.screenshot(path=str(page[3].with_suffix(".png")), full_page=True)


def test_the_page_needs_nothing_from_outside(page):
    _, requests, _, target = page
    assert requests == [target.as_uri()]
    html = target.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
