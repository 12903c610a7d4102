"""`pds-plan check` on a run folder of the tiny scenario: the rota as written, as a planner saves it from French
Excel, as exported, and edited in the ways that break a rule or the file."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.outputs.exports import render_csv
from pds_plan.outputs.xlsx import render_xlsx

runner = CliRunner()
TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
FRENCH_PERIODS = {"night": "Nuit", "saturday": "samedi", "sunday_holiday": "Dimanche/Férié"}


@pytest.fixture(scope="module")
def run(tmp_path_factory, greedy_run) -> Path:
    """A run folder of tiny solved by the greedy planner (fast, deterministic, and complete on tiny)."""
    return greedy_run(TINY, tmp_path_factory.mktemp("check") / "run")


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write_rows(path: Path, rows: list[dict[str, str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:  # as a planner's Excel would save it
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def check(*arguments: object):
    return runner.invoke(app, ["check", *map(str, arguments)])


def test_a_run_folder_is_checked_and_its_fairness_printed_as_summary_json_has_it(run, tmp_path):
    fairness = json.loads((run / "summary.json").read_text())["fairness"]
    result = check(run, "--json", tmp_path / "check.json")
    assert result.exit_code == 0, result.output
    assert "No violation" in result.output and "keeps every hard rule of tiny" in result.output
    assert f"max/min points per FTE-available day: {fairness['spread_ratio_max_min']:.2f}" in result.output
    document = json.loads((tmp_path / "check.json").read_text())
    assert document["fairness"] == fairness
    assert document["rule_check"] == {"violations": 0, "messages": []}
    assert document["assignments"] == 57
    again = check(run, "--json", tmp_path / "check.json")
    assert again.exit_code == 2 and "already exists" in again.output
    assert check(run, "--json", tmp_path / "check.json", "--force").exit_code == 0


def test_the_old_form_scenario_then_rota_still_works(run):
    result = check(TINY / "scenario.toml", run / "rota.csv")
    assert result.exit_code == 0, result.output
    alone = check(TINY / "scenario.toml")
    assert alone.exit_code == 2 and "give the rota file to check after it" in alone.output
    neither = check(run / "summary.json")
    assert neither.exit_code == 2 and "is neither a run folder nor a scenario file" in neither.output


def test_a_folder_that_is_not_a_run_is_bad_input(tmp_path):
    result = check(tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'manifest.json'}: missing: not a run folder" in result.output


def test_a_rota_saved_by_french_excel_is_the_same_rota(run, tmp_path):
    rows = rows_of(run / "rota.csv")
    for row in rows:
        day, month, year = row["date"][8:], row["date"][5:7], row["date"][:4]
        row["date"], row["period"] = f"{day}/{month}/{year}", FRENCH_PERIODS[row["period"]]
    path = write_rows(tmp_path / "planning.csv", rows, delimiter=";", encoding="cp1252")
    assert b"F\xe9ri\xe9" in path.read_bytes()
    result = check(run, path)
    assert result.exit_code == 0, result.output
    assert "No violation" in result.output


def test_the_exported_grid_and_workbook_are_checked_too(run, tmp_path):
    (tmp_path / "rota_grid.csv").write_bytes(render_csv(run, separator=";")["rota_grid.csv"])
    (tmp_path / "rota.xlsx").write_bytes(render_xlsx(run, cell="id"))
    for name in ("rota_grid.csv", "rota.xlsx"):
        result = check(run, tmp_path / name)
        assert result.exit_code == 0, (name, result.output)
        assert "No violation" in result.output


def test_an_uncovered_period_is_a_violation_naming_the_site(run, tmp_path):
    rows = rows_of(run / "rota.csv")
    removed = rows.pop(0)
    result = check(run, write_rows(tmp_path / "edited.csv", rows, delimiter=";"))
    assert result.exit_code == 1
    assert f"{removed['site_name']} ({removed['site_id']}) {removed['period']} of {removed['date']}" in result.output
    assert "is not covered" in result.output and "1 violation(s)" in result.output


def test_a_split_designed_pool_is_a_violation_naming_the_pool(run, tmp_path):
    pooled = shutil.copytree(run, tmp_path / "run")  # beside the original: the manifest's scenario path still holds
    (pooled / "pools.csv").write_text("pool_id,site_id\nP1,nancy\nP1,metz\n")
    manifest = json.loads((pooled / "manifest.json").read_text())
    manifest["pools"] = "designed by pds-plan pools design (pools.csv in this folder)"
    (pooled / "manifest.json").write_text(json.dumps(manifest))
    rows = rows_of(pooled / "rota.csv")
    when = (rows[0]["date"], rows[0]["period"])
    first = {row["site_id"]: row for row in rows if (row["date"], row["period"]) == when}
    other = next(r for r in ("R1", "R2", "R3") if r != first["nancy"]["radiologist_id"])  # credentialed for both
    names = {"R1": "Dr A (test)", "R2": "Dr B (test)", "R3": "Dr C (test)"}
    first["metz"]["radiologist_id"], first["metz"]["radiologist_name"] = other, names[other]
    result = check(pooled, write_rows(tmp_path / "split.csv", rows), "--json", tmp_path / "check.json")
    assert result.exit_code == 1
    assert f"pool P1 is split from {first['metz']['start'].replace('T', ' ')}: CHR Metz (test) (metz) by " in (
        result.output
    )
    assert f"by {names[other]} ({other})" in result.output
    document = json.loads((tmp_path / "check.json").read_text())
    assert document["rule_check"]["violations"] >= 1
    assert any("pool P1 is split" in message for message in document["rule_check"]["messages"])


def test_a_name_edited_without_its_id_is_bad_input_at_its_row(run, tmp_path):
    rows = rows_of(run / "rota.csv")
    line = 5  # the header is line 1
    row = rows[line - 2]
    names_by_id = {f"R{i}": f"Dr {letter} (test)" for i, letter in enumerate("ABCDE", start=1)}
    real, other = row["radiologist_id"], next(r for r in ("R1", "R2") if r != row["radiologist_id"])
    row["radiologist_name"] = names_by_id[other]
    path = write_rows(tmp_path / "rota.csv", rows)
    result = check(run, path)
    assert result.exit_code == 2
    located = f"rota.csv:{line}: column 'radiologist_name': '{names_by_id[other]}' is not the name of radiologist"
    assert f"{located} {real}: expected '{names_by_id[real]}'" in result.output
    assert "violation" not in result.output


def test_a_truncated_last_row_is_one_located_error_not_uncovered_periods(run, tmp_path):
    path = tmp_path / "rota.csv"
    lines = (run / "rota.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    lines[-1] = ",".join(lines[-1].split(",")[:5])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check(run, path)
    assert result.exit_code == 2
    assert f"rota.csv:{len(lines)}: has 5 of the header's {len(header)} fields" in result.output
    assert "not covered" not in result.output
    assert "1 problem(s) found" in result.output


def test_an_unknown_radiologist_is_bad_input(tmp_path):
    rota = tmp_path / "rota.csv"
    rota.write_text("date,period,site_id,radiologist_id\n2027-01-04,night,nancy,R99\n")
    result = check(TINY / "scenario.toml", rota)
    assert result.exit_code == 2
    assert "rota.csv:2: column 'radiologist_id': unknown radiologist 'R99'" in result.output
