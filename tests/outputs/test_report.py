import base64
import dataclasses
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from pds_plan.cli.app import app as main_app
from pds_plan.cli.report import report_command
from pds_plan.errors import InputError, OutputExistsError
from pds_plan.io.run_folder import RunFolder
from pds_plan.io.run_store import folder_view, read_run
from pds_plan.outputs import report
from pds_plan.outputs.report import Formatter, Language, environment, generic_table, render_report, write_report
from pds_plan.outputs.workload_report import REPORT_FILES

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
ANALYSIS_FILES = REPORT_FILES
PICTURES = ("map.png", "plot_workload.png", "plot_fairness.png", "plot_sla.png", "plot_calendar.png")
NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"

runner = CliRunner()


# ------------------------------------------------------------------------------------------------------- fixtures


def analyse(folder: Path) -> Path:
    """Every run folder holds its analysis: `analyse` shows it and exits 0."""
    result = runner.invoke(main_app, ["analyse", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def view(folder: Path) -> RunFolder:
    """The run of a folder as the report takes it: read back through the run store."""
    return folder_view(read_run(folder), folder)


def add_pictures(folder: Path, names: tuple[str, ...] = PICTURES) -> dict[str, bytes]:
    """Small distinct PNG files standing for the run's map and plots: the report must embed them as they are."""
    written = {}
    for number, name in enumerate(names):
        buffer = io.BytesIO()
        Image.new("RGB", (40 + number, 30), (200, 30 * number, 90)).save(buffer, format="PNG")
        (folder / name).write_bytes(buffer.getvalue())
        written[name] = buffer.getvalue()
    return written


def copy_run(source: Path, folder: Path, files: tuple[str, ...] = ()) -> Path:
    shutil.copytree(source, folder)
    return folder


def hostile_scenario(folder: Path) -> Path:
    """The tiny scenario with names that would be markup or formulas if they were not escaped."""
    shutil.copytree(TINY, folder)
    radiologists = (folder / "radiologists.csv").read_text()
    radiologists = (
        radiologists.replace("Dr A (test)", '"=HYPERLINK(""x"")"')
        .replace("Dr B (test)", "<script>alert(1)</script>")
        .replace("Dr C (test)", "Dr C & D")
    )
    (folder / "radiologists.csv").write_text(radiologists)
    sites = (folder / "sites.csv").read_text().replace("CH Verdun (test)", "<img src=x onerror=alert(2)>")
    (folder / "sites.csv").write_text(sites)
    return folder


@pytest.fixture(scope="module")
def analysed_run(tmp_path_factory, greedy_run) -> Path:
    """A greedy run of the tiny scenario with the `analyse` files, but no map or plot files."""
    return analyse(greedy_run(TINY, tmp_path_factory.mktemp("tiny") / "run"))


@pytest.fixture(scope="module")
def fr_html(analysed_run) -> str:
    return render_report(view(analysed_run))  # draws the map and the four plots in memory


@pytest.fixture(scope="module")
def pictured_run(analysed_run, tmp_path_factory) -> Path:
    """The analysed run with map and plot files, so that rendering it draws nothing."""
    folder = copy_run(analysed_run, tmp_path_factory.mktemp("pictured") / "run", ANALYSIS_FILES)
    add_pictures(folder)
    return folder


@pytest.fixture(scope="module")
def en_html(pictured_run) -> str:
    return render_report(view(pictured_run), lang="en")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, greedy_run, analysed_run) -> Path:
    """Hostile names; the tiny analysis files fit it (same ids, same greedy rota); one hostile rule violation."""
    base = tmp_path_factory.mktemp("hostile")
    folder = greedy_run(hostile_scenario(base / "scenario"), base / "run")
    for name in ANALYSIS_FILES:
        shutil.copy(analysed_run / name, folder / name)
    add_pictures(folder)
    summary = json.loads((folder / "summary.json").read_text())
    summary["rule_check"] = {"violations": 1, "messages": ["R2 <b>twice</b> on 2027-01-02 & 2027-01-03"]}
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def visible_text(page: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, the style sheet left out."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def squash(text: str) -> str:
    """Runs of ordinary white space as one space; no-break spaces are kept, they are part of the numbers."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def french(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}".replace(",", NNBSP).replace(".", ",").replace("-", MINUS)


def english(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}".replace("-", MINUS)


def region(run: Path) -> dict:
    costs = pd.read_csv(run / "costs.csv")
    return costs[costs["scope"] == "region"].iloc[0].to_dict()


def sla_share(run: Path) -> float:
    sites = pd.read_csv(run / "workload_sites.csv")
    return float((sites["expected_exams"] * sites["sla_share_within_target"]).sum() / sites["expected_exams"].sum())


def duties(run: Path) -> tuple[int, int]:
    rota = pd.read_csv(run / "rota.csv", dtype=str, keep_default_na=False)
    return len(rota[["date", "period", "radiologist_id"]].drop_duplicates()), len(rota)


# -------------------------------------------------------------------------------------------------------- content


def test_french_by_default_with_the_key_figures(fr_html, analysed_run):
    summary = json.loads((analysed_run / "summary.json").read_text())
    text = squash(visible_text(fr_html))
    assert '<html lang="fr">' in fr_html
    assert "Indicateurs clés" in text and "Key figures" not in text
    assert "tiny" in text and "Du 1er janvier 2027 au 14 janvier 2027" in text
    # optimiser status (label and code) and rule check
    assert summary["status"] == "GREEDY_COMPLETE" and "Planning type tableur" in text and "GREEDY_COMPLETE" in text
    assert summary["rule_check"]["violations"] == 0 and "aucune violation" in text
    # fairness: this rota against the greedy baseline, French decimals
    mine = summary["fairness"]["spread_ratio_max_min"]
    baseline = summary["greedy_baseline"]["fairness"]["spread_ratio_max_min"]
    assert french(mine, 2) in text and f"planning type tableur (référence) {french(baseline, 2)}" in text
    # on-call duties against site-periods without pooling
    n_duties, site_periods = duties(analysed_run)
    assert n_duties < site_periods
    assert f"Astreintes {n_duties} contre {site_periods} site-périodes sans mutualisation" in text
    # cost pooled against no pooling, in euros with French separators
    totals = region(analysed_run)
    assert f"{french(totals['total'], 0)}{NBSP}€" in text
    assert f"contre {french(totals['no_pooling_total'], 0)}{NBSP}€ sans mutualisation" in text
    # days lost and share of reports within the target
    lost = pd.read_csv(analysed_run / "daytime_days_lost.csv")
    assert f"{int(lost['days_lost_without_pooling'].sum())} sans mutualisation" in text
    assert f"{french(sla_share(analysed_run) * 100, 1)}{NBSP}%" in text
    assert "Tarifs par défaut (provisoires)" in text  # the analysis used the placeholder tariffs
    # scenario facts: 3 PDS sites, 5 radiologists, 14 days
    assert re.search(r"Sites en PDS\s+3\s", text) and re.search(r"Radiologues\s+5\s", text) and "14 jours" in text
    # the tables
    assert "Dr A (test)" in text and "CHR Metz (test)" in text and "Région" in text
    assert "pds-plan analyse" not in text  # nothing missing


def test_english_on_request(en_html, pictured_run):
    summary = json.loads((pictured_run / "summary.json").read_text())
    text = squash(visible_text(en_html))
    assert '<html lang="en">' in en_html
    assert "Key figures" in text and "Indicateurs clés" not in text
    assert "1 January 2027 to 14 January 2027" in text
    assert "no violation" in text and "Spreadsheet-style rota" in text
    assert english(summary["fairness"]["spread_ratio_max_min"], 2) in text
    totals = region(pictured_run)
    assert f"€{english(totals['total'], 0)}" in text
    assert f"{english(sla_share(pictured_run) * 100, 1)}%" in text


def test_numbers_follow_the_language():
    fr, en = Formatter(Language.FR), Formatter(Language.EN)
    assert fr.number(1234567.891, 2) == f"1{NNBSP}234{NNBSP}567,89"
    assert en.number(1234567.891, 2) == "1,234,567.89"
    assert fr.percent(0.8362) == f"83,6{NBSP}%" and en.percent(0.8362) == "83.6%"
    assert fr.money(-60024) == f"{MINUS}60{NNBSP}024{NBSP}€" and en.money(-60024) == f"{MINUS}€60,024"
    assert fr.signed(2.24, 1) == "+2,2" and fr.signed(-0.04, 1) == "0,0" and en.signed(-3, 0) == f"{MINUS}3"
    assert fr.number(float("nan")) == "–" and en.percent(None) == "–" and fr.number("x") == "–"


def test_an_unknown_language_is_refused(pictured_run):
    with pytest.raises(InputError, match="--lang"):
        render_report(view(pictured_run), lang="de")


def test_images_are_inline_png_data_uris(fr_html):
    sources = re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', fr_html)
    assert len(sources) == 5  # the map and the four plots, drawn in memory: the run folder has none
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        data = base64.b64decode(source.split(",", 1)[1], validate=True)
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.format == "PNG" and min(picture.size) > 300
    assert "Figure indisponible" not in fr_html


def test_pictures_are_drawn_from_the_run_not_read_from_its_folder(en_html, pictured_run):
    # The run folder holds stand-in PNG files: the report draws from the run object, so none of them is embedded.
    for name in PICTURES:
        encoded = base64.b64encode((pictured_run / name).read_bytes()).decode("ascii")
        assert f'src="data:image/png;base64,{encoded}"' not in en_html, name
    assert len(re.findall(r'<img\b[^>]*\bsrc="data:image/png;base64,', en_html)) == 5


def test_nothing_outside_the_file(fr_html, en_html):
    for page in (fr_html, en_html):
        assert "http://" not in page and "https://" not in page
        references = re.findall(r'\b(?:src|href|action|poster|srcset)\s*=\s*"([^"]*)"', page, flags=re.IGNORECASE)
        assert all(reference.startswith("data:image/png;base64,") for reference in references)
        assert not re.search(r"<(script|link|iframe|object|embed|base)\b", page, flags=re.IGNORECASE)
        assert "@import" not in page and not re.search(r"url\(", page)
        assert "@media print" in page and "size: A4" in page


def test_hostile_names_come_out_as_inert_text(hostile_run):
    page = render_report(view(hostile_run))
    assert "<script" not in page and "<img src=x" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    # The quote as a character reference: &quot; or &#34; (markupsafe's, which the templates' autoescape writes).
    assert re.search(r"=HYPERLINK\((&quot;|&#34;)x\1\)", page) and "Dr C &amp; D" in page
    text = visible_text(page)
    assert "<script>alert(1)</script>" in text and '=HYPERLINK("x")' in text
    assert "1 violation" in text and "R2 <b>twice</b> on 2027-01-02 & 2027-01-03" in text


SCRIPT = "<script>alert(1)</script>"


class Parsed(HTMLParser):
    """The elements and the text of a page, as a browser's parser reads them."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.texts: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [value or "" for name, value in attrs if name != "src"]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


@pytest.fixture(scope="module")
def scripted_page(tmp_path_factory, greedy_run) -> str:
    """The report of the tiny scenario whose scenario, site and radiologist names, run note and rule-check message
    hold a script and an ampersand."""
    base = tmp_path_factory.mktemp("scripted")
    folder = shutil.copytree(TINY, base / "scenario")
    for name, old, new in (
        ("scenario.toml", 'name = "tiny"', f'name = "tiny {SCRIPT} & co"'),
        ("sites.csv", "CHR Metz (test)", f"CHR Metz {SCRIPT} & Thionville"),
        ("radiologists.csv", "Dr A (test)", f"Dr A {SCRIPT} & Fils"),
    ):
        (folder / name).write_text((folder / name).read_text().replace(old, new))
    run = view(greedy_run(folder, base / "run"))
    summary = {**run.summary, "note": f"note {SCRIPT} & more",
               "rule_check": {"violations": 1, "messages": [f"R1 {SCRIPT} & R2"]}}  # fmt: skip
    return render_report(dataclasses.replace(run, summary=summary))


def test_scripts_and_ampersands_in_names_are_escaped_by_the_templates(scripted_page):
    page = scripted_page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<script" not in page.lower() and "</script" not in page.lower()  # the report has no script of its own
    assert f"CHR Metz {escaped} &amp; Thionville" in page and f"Dr A {escaped} &amp; Fils" in page
    assert f"R1 {escaped} &amp; R2" in page and f"note {escaped} &amp; more" in page
    assert f'title="CHR Metz {escaped} &amp; Thionville"' in page  # the home site of R3, as an attribute
    assert f'alt="Carte de couverture – tiny {escaped} &amp; co"' in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page  # escaped once, not twice
    parsed = Parsed(page)
    assert "script" not in parsed.tags
    text = squash("".join(parsed.texts))
    for name in (f"CHR Metz {SCRIPT} & Thionville", f"Dr A {SCRIPT} & Fils", f"tiny {SCRIPT} & co"):
        assert name in text, name  # the reader sees the names as they were typed
    assert f"R1 {SCRIPT} & R2" in text and f"note {SCRIPT} & more" in text
    assert f"CHR Metz {SCRIPT} & Thionville" in parsed.attributes


def test_the_templates_are_package_data():
    # Shipped inside the package (the wheel holds every file under pds_plan/), found by the package loader.
    folder = resources.files("pds_plan.outputs") / "templates"
    for name in ("report.html.j2", "macros.html.j2", "report.css"):
        assert (folder / name).is_file(), name
    assert environment().loader is not None and "report.html.j2" in environment().list_templates()


def test_a_run_folder_missing_its_analysis_is_named(analysed_run, tmp_path):
    # Every run folder holds its analysis; one that lost a file is bad input naming it, not a half report.
    folder = copy_run(analysed_run, tmp_path / "bare")
    (folder / "workload_sites.csv").unlink()
    with pytest.raises(InputError, match=r"workload_sites\.csv"):
        render_report(view(folder))


def test_a_pools_summary_is_shown_as_a_table(pictured_run, tmp_path):
    folder = copy_run(pictured_run, tmp_path / "pools", (*ANALYSIS_FILES, *PICTURES))
    pd.DataFrame(
        {
            "pool_id": ["nancy+metz", "verdun"],
            "sites": ["nancy;metz", "<verdun>"],
            "expected_exams_per_night": [12.25, 3.5],
            "peak_utilisation": [0.612, 0.25],
            "sla_share": [0.925, 0.99],
            "credentialed_radiologists": [4, 3],
            "new_column": [1234.5, 2],
            "meets_sla": [False, True],
            "sla_worst_period": ["night", "sunday_holiday"],
        }
    ).to_csv(folder / "pools_summary.csv", index=False)
    text = visible_text(render_report(view(folder)))
    assert "Période la plus chargée" in text and "nuit" in text and "dimanche ou férié" in text
    assert not re.search(r"night|sunday_holiday", text)  # the period as people say it, not the code
    assert "Mutualisations" in text and "Examens attendus par nuit" in text and "new column" in text
    assert f"92,5{NBSP}%" in text and f"61,2{NBSP}%" in text and "12,25" in text and f"1{NNBSP}234,5" in text
    assert "nancy; metz" in text and "<verdun>" in text
    assert re.search(r"Objectif atteint.*\bnon\b.*\boui\b", squash(text))


def test_a_wide_and_short_table_is_turned_on_its_side():
    frame = pd.DataFrame({f"figure_{n}": [n, n + 0.5] for n in range(12)} | {"pool_id": ["P1", "P2"]})
    frame = frame[["pool_id", *[c for c in frame.columns if c != "pool_id"]]]
    page = generic_table(frame, Formatter(Language.EN), "pool")
    assert 'class="sideways"' in page
    assert re.search(r"<thead><tr><th>Pool</th><th>P1</th><th>P2</th></tr></thead>", page)
    assert page.count("<tr>") == 1 + 12 and "<th>figure 11</th>" in page
    narrow = generic_table(frame.iloc[:, :5], Formatter(Language.EN), "pool")
    assert "sideways" not in narrow and narrow.count("<tr>") == 1 + 2


def test_write_refuses_to_overwrite_without_force(pictured_run, tmp_path):
    out = tmp_path / "report.html"
    assert write_report(view(pictured_run), out) == out
    first = out.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")
    out.write_text("kept", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="already exists"):
        write_report(view(pictured_run), out, lang="en")
    assert out.read_text(encoding="utf-8") == "kept"
    write_report(view(pictured_run), out, lang="en", force=True)
    assert '<html lang="en">' in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    with pytest.raises(InputError, match="html"):
        write_report(view(pictured_run), tmp_path / "report.pdf")


# ------------------------------------------------------------------------------------------------------------ cli


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    local = typer.Typer()
    local.command("report")(report_command)
    local.command("other")(lambda: None)  # with two commands typer keeps the subcommand name
    return local


def test_cli_writes_the_report(cli, pictured_run, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(cli, ["report", str(pictured_run), "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "report.html" in result.output
    assert '<html lang="en">' in out.read_text(encoding="utf-8")


def test_cli_refuses_an_existing_file_and_a_bad_suffix(cli, pictured_run, tmp_path):
    out = tmp_path / "report.html"
    out.write_text("kept", encoding="utf-8")
    result = runner.invoke(cli, ["report", str(pictured_run), "--out", str(out)])
    assert result.exit_code == 2 and "already exists" in result.output and "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "kept"
    result = runner.invoke(cli, ["report", str(pictured_run), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert '<html lang="fr">' in out.read_text(encoding="utf-8")
    result = runner.invoke(cli, ["report", str(pictured_run), "--out", str(tmp_path / "report.pdf")])
    assert result.exit_code == 2 and ".html" in result.output
    result = runner.invoke(cli, ["report", str(pictured_run), "--out", str(tmp_path / "x.html"), "--lang", "de"])
    assert result.exit_code == 2


def test_cli_with_a_scenario_given(cli, pictured_run, tmp_path):
    # one folder deeper, the scenario path the manifest records (relative to the run folder) leads nowhere
    folder = copy_run(pictured_run, tmp_path / "deeper" / "run", (*ANALYSIS_FILES, *PICTURES))
    result = runner.invoke(cli, ["report", str(folder), "--out", str(tmp_path / "alone.html")])
    assert result.exit_code == 2, result.output
    assert "manifest.json" in result.output and "--scenario" in result.output
    assert not (tmp_path / "alone.html").exists()
    out = tmp_path / "report.html"
    result = runner.invoke(cli, ["report", str(folder), "--out", str(out), "--scenario", str(TINY / "scenario.toml")])
    assert result.exit_code == 0, result.output
    assert "Scénario introuvable" not in out.read_text(encoding="utf-8")


# -------------------------------------------------------------------------------------------------------- browser


def find_browser() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def browser_or_skip() -> str:
    """The browser; without one the test is skipped, or fails when the environment requires a browser (CI)."""
    browser = find_browser()
    if browser is None:
        if os.environ.get("PDS_PLAN_REQUIRE_BROWSER") == "1":
            pytest.fail("PDS_PLAN_REQUIRE_BROWSER=1 but no chromium found (/usr/bin/chromium or on PATH)")
        pytest.skip("chromium not found (set PDS_PLAN_REQUIRE_BROWSER=1 to make this a failure)")
    return browser


def test_a_missing_browser_skips_unless_required(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "find_browser", lambda: None)
    monkeypatch.setenv("PDS_PLAN_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="PDS_PLAN_REQUIRE_BROWSER"):
        browser_or_skip()
    monkeypatch.delenv("PDS_PLAN_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception):
        browser_or_skip()


def test_a_real_browser_renders_the_report(fr_html, analysed_run, tmp_path):
    browser = browser_or_skip()
    page = tmp_path / "report.html"
    page.write_text(fr_html, encoding="utf-8")

    dumped = headless(browser, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    text = visible_text(dumped.stdout)
    summary = json.loads((analysed_run / "summary.json").read_text())
    n_duties, site_periods = duties(analysed_run)
    for expected in (
        "Indicateurs clés",
        "Planning type tableur",
        "aucune violation",
        french(summary["fairness"]["spread_ratio_max_min"], 2),
        f"Astreintes {n_duties} contre {site_periods} site-périodes sans mutualisation",
        f"{french(region(analysed_run)['total'], 0)}{NBSP}€",
        f"{french(sla_share(analysed_run) * 100, 1)}{NBSP}%",
    ):
        assert expected in squash(text), expected
    assert "\u202f" in text and "\u00a0" in text  # the French separators survive the browser
    assert len(re.findall(r"<img\b[^>]*src=\"data:image/png;base64,", dumped.stdout)) == 5

    shot = tmp_path / "report.png"
    taken = headless(browser, tmp_path / "profile-shot", "--hide-scrollbars", f"--screenshot={shot}",
                     "--window-size=1240,1754", page.as_uri())  # fmt: skip
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 20_000
    with Image.open(shot) as picture:
        assert picture.size == (1240, 1754)
        colours = picture.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 200  # text, cards and pictures, not a blank page


def test_printed_on_a4_the_tables_keep_every_column(tmp_path):
    # Printed on A4 the radiologists table once lost its last column ("Revenu (€)"): the print, read back as text
    # page by page, must hold every header of the table on the page where the table starts.
    browser = browser_or_skip()
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("PDS_PLAN_REQUIRE_BROWSER") == "1":
            pytest.fail("pdftotext (poppler-utils) is needed to read the printed report")
        pytest.skip("pdftotext not found")
    from pds_plan import load_scenario
    from pds_plan.domain.run import RunSettings
    from pds_plan.io.run_store import write_run
    from pds_plan.runs.pipeline import plan

    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "lorraine-2027q1.toml")
    run = plan(scenario, RunSettings(method="greedy", design_pools=False, replications=20))
    folder = write_run(run, tmp_path / "lorraine")
    page = tmp_path / "report.html"
    page.write_text(render_report(view(folder)), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    printed = headless(browser, tmp_path / "profile-pdf", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                       page.as_uri())  # fmt: skip
    assert printed.returncode == 0 and pdf.is_file(), printed.stderr[-2000:]
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if "Radiologues" in p and "Nom" in p and "Nuits" in p]
    assert pages, "the radiologists table is printed"
    header = " ".join(pages[0].split())
    for column in ("Nuits", "Samedis", "Heures", "Points", "Écart", "Jours", "Revenu"):
        assert column in header, column


# Appended to a copy of the page (the report itself has no script): where each table and the box around it end,
# against the right edge of the page's content column (the body's content box), once laid out.
MEASURE = """<script>
const body = document.body, style = getComputedStyle(body);
const column = body.getBoundingClientRect().right - parseFloat(style.paddingRight);
const tables = [...document.querySelectorAll("table")].map((table) => {
  const box = table.closest(".wide");
  return {
    caption: (table.querySelector("caption, th") || table).textContent.trim().slice(0, 40),
    section: (table.closest("section").querySelector("h2") || {textContent: ""}).textContent,
    right: table.getBoundingClientRect().right,
    box_right: box ? box.getBoundingClientRect().right : null,
    box_scrolls: box ? ["auto", "scroll"].includes(getComputedStyle(box).overflowX) : false,
    box_overflows: box ? box.scrollWidth > box.clientWidth : null,
  };
});
const root = document.documentElement;
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify({column, page: root.scrollWidth, window: root.clientWidth, tables});
body.appendChild(out);
</script>"""


def laid_out(browser: str, page: str, folder: Path, width: int) -> dict:
    """What MEASURE finds in `page` shown in a window `width` px wide."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / "probe.html"
    probe.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dumped = headless(browser, folder / "profile", f"--window-size={width},2000", "--dump-dom", probe.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', dumped.stdout, flags=re.DOTALL)
    assert found, dumped.stdout[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_on_a_1240_px_screen_no_table_runs_off_the_page(tmp_path, monkeypatch):
    # At 1240 px the radiologists table ran past the content column and the pools table was cut at its edge: each
    # table now fits the column (its headers wrap) or, when its columns cannot fit, scrolls in a box of its own.
    browser = browser_or_skip()
    from pds_plan import load_scenario
    from pds_plan.domain.run import RunSettings
    from pds_plan.io.run_store import write_run
    from pds_plan.runs.pipeline import plan

    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "lorraine-2027q1.toml")
    run = plan(scenario, RunSettings(method="greedy", design_pools=True, replications=20))
    folder = view(write_run(run, tmp_path / "lorraine"))
    design = folder.design_table
    assert design is not None and len(design.columns) > report.SIDEWAYS_COLUMNS and len(design) > 0
    # Its pools both ways: too many to be turned (a table of many columns, a row per pool), and few enough.
    many = pd.concat([design] * (report.SIDEWAYS_ROWS // len(design) + 1)).head(report.SIDEWAYS_ROWS + 1)
    wide = render_report(dataclasses.replace(folder, design_table=many))
    monkeypatch.setattr(report, "images_of", lambda *_: {"map": report.Picture(None, "-")})  # pictures: not needed
    turned = render_report(dataclasses.replace(folder, design_table=design.head(report.SIDEWAYS_ROWS)))
    assert 'class="sideways"' in turned and 'class="sideways"' not in wide

    for name, page, fitting in (
        ("wide", wide, ("Sites", "Radiologues", "Coûts (€)")),
        ("turned", turned, ("Sites", "Radiologues", "Coûts (€)", "Mutualisations")),
    ):
        measured = laid_out(browser, page, tmp_path / name, 1240)
        assert measured["page"] <= measured["window"], "the page scrolls sideways"
        sections = {table["section"] for table in measured["tables"]}
        assert set(fitting) <= sections and "Mutualisations" in sections
        for table in measured["tables"]:
            assert table["box_right"] is not None and table["box_scrolls"], table  # every table has its box
            assert table["box_right"] <= measured["column"] + 0.5, table
            if table["section"] in fitting:
                assert table["right"] <= measured["column"] + 0.5 and not table["box_overflows"], table
            else:
                assert table["right"] <= measured["column"] + 0.5 or table["box_overflows"], table


# Words of the English report that must not reach the French one (the solver's own status codes, shown as code in
# the annex, are left out before searching).
ENGLISH_LABELS = (
    "Key figures", "Fairness", "Solve time", "Rule check", "Optimiser", "Stage", "Stages", "largest load",
    "smallest load", "hours", "preferences", "proven", "bound", "gap", "baseline", "spreadsheet", "greedy", "night",
    "Saturday", "Sunday", "pool", "pools", "Month", "Value", "Seconds", "Status", "Solution found", "radiologists",
    "not proven", "within", "penalty", "on call",
)  # fmt: skip


def test_a_staged_run_reads_in_french_with_its_first_stage_gap_and_no_english_label(tmp_path):
    from pds_plan import load_scenario
    from pds_plan.domain.run import RunSettings
    from pds_plan.io.run_store import write_run
    from pds_plan.runs.pipeline import plan

    folder = write_run(plan(load_scenario(TINY / "scenario.toml"), RunSettings(time_limit=4, design_pools=False)),
                       tmp_path / "run")  # fmt: skip
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["gap_of"] == "largest_load" and summary["stages"][0]["name"] == "largest_load"
    page = render_report(view(folder))
    text = squash(visible_text(re.sub(r"<code>.*?</code>", " ", page, flags=re.DOTALL)))
    found = [w for w in ENGLISH_LABELS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE)]
    assert found == [], found
    for label in ("Écart prouvé (étape 1)", "1. charge maximale (points)", "2. charge minimale (points)",
                  "3. écart d'heures d'astreinte (h)", "4. préférences (pénalité)",
                  "Équité en heures d'astreinte (écart max/min)"):  # fmt: skip
        assert label in text, label
    gap = summary["gap"]
    proven = summary["proven_optimal"]
    assert proven or f"charge maximale à {french(gap * 100, 1)}{NBSP}% au plus de la meilleure possible" in text
