"""pds-plan compare, and one truth: the run panel, the report and compare.csv show the same key figures."""

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.outputs.report import Formatter, Language
from pds_plan.runs.compare import COMPARE_COLUMNS

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"
runner = CliRunner()
REQUIRED = (
    "run", "scenario", "status", "gap", "pooled_sites", "on_call_per_night", "worst_site_sla_share",
    "pools_below_target", "fairness_max_over_min", "fairness_within_groups", "radiologists_excluded",
    "daytime_days_lost", "cost_total_eur", "cost_no_pooling_eur",
)  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A complete `pds-plan run` (pools designed at 90 % within 45 min) and a greedy `pds-plan solve` of tiny."""
    base = tmp_path_factory.mktemp("compare")
    designed = base / "designed"
    result = runner.invoke(
        app,
        ["run", str(TINY), "--out", str(designed), "--time-limit", "3", "--sla-minutes", "45", "--sla-target", "0.9"],
    )
    assert result.exit_code == 0, result.output
    greedy = base / "greedy"
    solved = runner.invoke(app, ["solve", str(TINY), "--out", str(greedy), "--method", "greedy"])
    assert solved.exit_code == 0, solved.output
    return designed, greedy, result.output


def key_figures(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))["key_figures"]


def test_compare_csv_holds_each_runs_summary_figures(runs, tmp_path):
    designed, greedy, _ = runs
    result = runner.invoke(app, ["compare", str(designed), str(greedy), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "cmp").iterdir()) == ["compare.csv", "compare.md", "compare.png"]
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv", keep_default_na=False, na_values=[""])
    assert set(REQUIRED) <= set(table.columns) and list(table.columns) == list(COMPARE_COLUMNS)
    assert list(table["run"]) == ["designed", "greedy"]
    for row, folder in zip(table.to_dict("records"), (designed, greedy), strict=True):
        figures = key_figures(folder)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert row["fairness_max_over_min"] == summary["fairness"]["spread_ratio_max_min"]
        for column in COMPARE_COLUMNS[1:]:
            expected = figures[column]
            if expected is None:
                assert pd.isna(row[column]), column
            else:
                assert row[column] == expected, column
    markdown = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert markdown.count("\n") == 4 and "| designed |" in markdown  # header, rule, one line per run


def test_the_panel_the_report_and_compare_show_the_same_figures(runs):
    designed, _, panel = runs
    figures = key_figures(designed)
    panel = " ".join(panel.replace("│", " ").split())
    report = html.unescape(re.sub(r"<[^>]+>", " ", (designed / "report.html").read_text(encoding="utf-8")))
    report = " ".join(report.split())
    french = Formatter(Language.FR)
    shown = {
        "fairness": (f"{figures['fairness_max_over_min']:.2f}", french.number(figures["fairness_max_over_min"], 2)),
        "worst site": (f"{figures['worst_site_sla_share']:.1%}", french.percent(figures["worst_site_sla_share"])),
        "cost": (f"{figures['cost_total_eur']:,.0f} €", french.money(figures["cost_total_eur"])),
        "days lost": (f"{figures['daytime_days_lost']:,.0f}", french.number(figures["daytime_days_lost"])),
        "on call": (f"{figures['on_call_per_night']:.1f} radiologists", french.number(figures["on_call_per_night"], 1)),
    }
    for name, (in_panel, in_report) in shown.items():
        assert in_panel in panel, name
        assert " ".join(in_report.split()) in report, name  # no-break spaces folded on both sides
    assert figures["worst_site_name"] in panel and figures["worst_site_name"] in report


def test_the_terminal_table_keeps_its_words_at_80_columns(runs):
    designed, greedy, _ = runs
    result = runner.invoke(app, ["compare", str(designed), str(greedy)], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    for words in ("fairness max/min", "worst site within target", "radiologists excluded", "GREEDY_COMPLETE"):
        assert words in result.output, words


def test_two_folders_of_one_name_are_told_apart(runs, tmp_path):
    designed, _, _ = runs
    twin = tmp_path / "other" / designed.name
    twin.parent.mkdir()
    twin.symlink_to(designed, target_is_directory=True)
    result = runner.invoke(app, ["compare", str(designed), str(twin), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    labels = list(pd.read_csv(tmp_path / "cmp" / "compare.csv")["run"])
    assert len(set(labels)) == 2
