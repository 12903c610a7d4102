import csv
import json

from typer.testing import CliRunner

from pds_plan.cli.app import app

runner = CliRunner()


def solve_tiny(tiny_path, out, *extra):
    return runner.invoke(
        app, ["solve", str(tiny_path), "--out", str(out), "--time-limit", "20", "--workers", "1", "--quiet", *extra]
    )


def test_solve_writes_a_complete_checked_run_folder(tiny_path, tmp_path):
    out = tmp_path / "run"
    result = solve_tiny(tiny_path, out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "analysis.json", "baseline_rota.csv", "costs.csv", "daytime_days_lost.csv", "manifest.json", "rota.csv",
        "rota_by_radiologist.csv", "summary.json", "workload_periods.csv", "workload_pools.csv",
        "workload_radiologists.csv", "workload_sites.csv",
    ]  # fmt: skip
    rows = list(csv.DictReader((out / "rota.csv").open()))
    assert len(rows) == 57  # every PDS period of the three sites
    assert {"date", "period", "site_id", "radiologist_id", "start", "end", "pool_id"} <= set(rows[0])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rule_check"]["violations"] == 0
    assert summary["status"] in {"OPTIMAL", "FEASIBLE"}
    assert summary["greedy_baseline"]["uncovered_periods"] == 0
    assert summary["fairness"]["spread_ratio_max_min"] <= summary["greedy_baseline"]["fairness"]["spread_ratio_max_min"]
    floor = summary["fairness_floor"]
    assert 1.0 <= floor["spread_ratio_at_least"] <= summary["fairness"]["spread_ratio_max_min"]
    assert f"no rota under these credentials is more even than {floor['spread_ratio_at_least']:.2f}" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"sites", "radiologists", "availability", "volumes", "scenario"}
    assert all(len(item["sha256"]) == 64 for item in manifest["inputs"].values())
    blocks = list(csv.DictReader((out / "rota_by_radiologist.csv").open()))
    assert sum(int(b["site_periods"]) for b in blocks) == 57
    assert all(float(b["hours"]) <= 24 for b in blocks)


def test_an_existing_run_folder_is_kept_without_force(tiny_path, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "precious.txt").write_text("earlier work")
    result = solve_tiny(tiny_path, out)
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (out / "precious.txt").read_text() == "earlier work"
    forced = solve_tiny(tiny_path, out, "--force")
    assert forced.exit_code == 0
    assert not (out / "precious.txt").exists() and (out / "rota.csv").exists()


def test_same_inputs_seed_and_workers_give_the_same_rota_by_default(tiny_path, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = runner.invoke(
            app,
            [
                "solve",
                str(tiny_path),
                "--out",
                str(out),
                "--seed",
                "3",
                "--workers",
                "2",
                "--time-limit",
                "5",
                "--quiet",
            ],
        )
        assert result.exit_code == 0, result.output
    assert (first / "rota.csv").read_text() == (second / "rota.csv").read_text()
    parameters = json.loads((first / "summary.json").read_text())["solver_parameters"]
    assert parameters["use_lns_only"] and parameters["interleave_search"] and parameters["reproducible"]
    assert parameters["max_deterministic_time"] == 0.15 * 2 * 5


def test_greedy_method_writes_the_baseline(tiny_path, tmp_path):
    out = tmp_path / "greedy"
    result = solve_tiny(tiny_path, out, "--method", "greedy")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["method"] == "greedy" and summary["status"] == "GREEDY_COMPLETE"


def test_run_validates_solves_analyses_and_exports_into_one_folder(tiny_path, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(tiny_path), "--out", str(out), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    for name in (
        "rota.csv",
        "summary.json",
        "workload_sites.csv",
        "costs.csv",
        "exports/rota.xlsx",
        "map.png",
        "plot_fairness.png",
        "plot_calendar.png",
    ):
        assert (out / name).is_file(), name
    assert len(list((out / "exports" / "calendars").glob("*.ics"))) == 5
    # Tiny's sites are too busy to pool at 95 % and too many to staff one by one: the optimiser forms the groups.
    notes = json.loads((out / "summary.json").read_text())["run"]["notes"]
    assert "no choice of pools can be staffed" in notes[0]
    assert json.loads((out / "manifest.json").read_text())["pools"] == "formed by the optimiser, period by period"
    assert "pds-plan run: done" in result.output and "0 violation(s)" in result.output
    again = runner.invoke(app, ["run", str(tiny_path), "--out", str(out), "--time-limit", "5"])
    assert again.exit_code == 2 and "already exists" in again.output


def test_run_designs_pools_when_the_scenario_has_none_and_writes_the_report(tiny_path, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(tiny_path), "--out", str(out), "--time-limit", "5", "--sla-target", "0.8"])
    assert result.exit_code == 0, result.output
    for step in ("1/9 validate", "2/9 pools", "3/9 solve", "4/9 check", "9/9 report"):
        assert step in result.output
    assert (out / "pools.csv").read_text() == "pool_id,site_id\nP01,metz\nP01,verdun\nP02,nancy\n"
    assert (out / "pools_summary.csv").is_file() and (out / "report.html").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pools"] == "designed by pds-plan pools design (pools.csv in this folder)"
    rota = list(csv.DictReader((out / "rota.csv").open(encoding="utf-8")))
    for night in {r["date"] for r in rota if r["period"] == "night"}:
        readers = {r["site_id"]: r["radiologist_id"] for r in rota if r["date"] == night and r["period"] == "night"}
        assert readers["metz"] == readers["verdun"] != readers["nancy"]
    assert "2 pools designed for 3 PDS sites" in result.output
    # Later commands read the run with the pools it was solved under, from its pools.csv.
    from pds_plan.io.run_store import run_scenario

    pools = run_scenario(out, tiny_path).pools
    assert {(m.pool_id, m.site_id) for m in pools} == {("P01", "metz"), ("P01", "verdun"), ("P02", "nancy")}
