"""The assignment report as a document: opened in headless Chromium (Debian's, driven by
Playwright; nothing downloads a browser), checked for structure, printed to PDF; WeasyPrint's
PDF of the same page; both languages, each in one language only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from weasyprint import HTML

from app.report import write_report
from core.assignment import Instance, Participant, RunResult, Theme, solve
from core.campaign import Env
from core.model import AssignmentRun

CHROMIUM = "/usr/bin/chromium"
# Gent (44021) lists 3 first; theme 3 is not opened although ten chose it.
REFNIS = ["31005", "11002", "12025", "41002", "34022", "71022", "24062", "71016", "12021"]


def a_run(env: Env) -> AssignmentRun:
    prefs = [(1, 2, 3)] * 5 + [(2, 1, 3)] * 4
    people = tuple(Participant(m, p) for m, p in zip(REFNIS, prefs, strict=True))
    people += (Participant("44021", (3, 1, 2)),)
    themes = tuple(Theme(t.number, t.min_size, t.max_size, t.max_groups) for t in env.themes)
    instance = Instance(themes, people)
    solution = solve(instance)
    result = RunResult(solution, preferences={p.id: p.preferences for p in people})
    return AssignmentRun(
        created_at=datetime(2027, 1, 30, 9, tzinfo=UTC),
        created_by="staff:els",
        status=solution.status,
        seed=0,
        input_hash="0" * 64,
        result=result,
        id=3,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "scripts/install-test-services.sh installs Debian's chromium"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_report_reads_as_a_document_and_prints(
    browser: Browser, env: Env, tmp_path: Path, language: str
) -> None:
    files = write_report(env, a_run(env), {1: 10, 2: 10, 3: 10}, tmp_path, language)
    html, pdf = files[0], files[1]
    assert html.suffix == ".html" and pdf.suffix == ".pdf"
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.read_bytes().rstrip().endswith(b"%%EOF")
    rendered = HTML(filename=str(html)).render()  # the same engine that wrote the PDF
    assert len(rendered.pages) >= 2
    assert rendered.pages[0].width == pytest.approx(210 / 25.4 * 96, rel=0.01)  # A4 wide

    page = browser.new_page()
    page.goto(html.as_uri())
    assert page.locator("html").get_attribute("lang") == language
    title = "Toewijzing collectieve leertrajecten" if language == "nl" else "Assignment of"
    assert title in page.locator("h1").inner_text()
    # The title comes first; headings, real tables and real lists follow.
    assert page.evaluate("document.body.firstElementChild.querySelector('h1') !== null")
    headings = page.locator("h2").all_inner_texts()
    assert len(headings) >= 6
    assert page.locator("section#rule ol > li").count() == 6
    assert page.locator("section#profile table tbody tr").count() == 4
    assert page.locator("section#themes table tbody tr").count() == len(list(env.themes))
    assert page.evaluate("document.querySelectorAll('li:not(ul > li):not(ol > li)').length") == 0
    assert page.locator("pre").count() == 0
    text = page.locator("body").inner_text()
    assert "**" not in text and "`" not in text
    # A section per municipality, with its explanation; groups with Kernmeester and kick-off.
    assert page.locator("section#municipalities article").count() == 10
    gent = page.locator("section#municipalities article", has_text="Gent")
    why = gent.locator("li").first.inner_text()
    if language == "nl":
        assert why.startswith("thema 3 (1e keuze): niet gestart, hoewel 10 gemeente(n)")
        for english in ("choice", "municipalities", "Theme ", "placed"):
            assert english not in text, english
    else:
        assert why.startswith("theme 3 (choice 1): not started, although 10 municipalities")
        for dutch in ("keuze", "gemeente", "Thema ", "geplaatst", "te bevestigen"):
            assert dutch not in text, dutch
    groups = page.locator("section#groups article")
    assert groups.count() >= 2
    assert groups.first.locator("dt").count() == 2
    # Printing: the A4 stylesheet gives pages, and the municipalities start on a new one.
    printed = page.pdf(format="A4")
    assert (
        printed.startswith(b"%PDF-")
        and printed.count(b"/Type /Page\n")
        + printed.count(b"/Type /Page>")
        + printed.count(b"/Type /Page ")
        >= 2
    )
    page.close()
