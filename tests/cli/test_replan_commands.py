"""pds-plan replan, swap and cover on the four-nights rota (tests/conftest.py): folders written or not, exit codes."""

import json

import icalendar
import pandas as pd
from typer.testing import CliRunner

from pds_plan.cli.app import app
from pds_plan.io.run_store import folder_view, read_run, write_run
from pds_plan.outputs.exports import export_run

runner = CliRunner()


def published(four_nights, tmp_path, with_r4=True):
    """The published run folder, with its calendars exported as radiologists subscribed to them."""
    run = four_nights(tmp_path, with_r4=with_r4)
    folder = write_run(run, tmp_path / "published")
    export_run(folder_view(run, folder), folder / "exports", ["ics"])
    return folder


def events(path):
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["uid"]): (str(e["status"]), int(e["sequence"])) for e in calendar.walk("VEVENT")}


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_replan_writes_a_run_folder_naming_its_parent_with_exactly_the_changes(four_nights, tmp_path):
    folder = published(four_nights, tmp_path)
    before = snapshot(folder)
    out = tmp_path / "replanned"
    result = runner.invoke(
        app, ["replan", str(folder), "--absent", "R2", "--from", "05/01/2027", "--out", str(out), "--time-limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "1 changed assignment(s), proven minimal; 1 forced by the absence" in result.output
    changes = pd.read_csv(out / "changes.csv", dtype=str)
    assert changes[["date", "period", "site_id", "before", "after"]].values.tolist() == [
        ["2027-01-05", "night", "a", "R2", "R4"]
    ]
    assert list(changes["after_name"]) == ["Dr Four"]
    notifications = pd.read_csv(out / "notifications.csv", dtype=str)
    assert set(zip(notifications["radiologist_id"], notifications["change"], strict=True)) == {
        ("R2", "loses"), ("R4", "gains")
    }  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parent"] and manifest["parent"].endswith("published")
    assert read_run(out).parent == manifest["parent"]
    assert (out / "report.html").is_file() and (out / "exports" / "calendars").is_dir()
    assert snapshot(folder) == before  # the published run is untouched
    # Subscribed calendars follow: R2's night is cancelled under its UID, R4 gets it, R1 and R3 are unchanged.
    published_r2 = events(folder / "exports" / "calendars" / "R2.ics")
    (uid,) = published_r2
    calendars = out / "exports" / "calendars"
    assert events(calendars / "R2.ics") == {uid: ("CANCELLED", 1)}
    assert list(events(calendars / "R4.ics").values()) == [("CONFIRMED", 0)]
    for unchanged in ("R1.ics", "R3.ics"):
        assert events(calendars / unchanged) == events(folder / "exports" / "calendars" / unchanged)


def test_an_impossible_replan_exits_3_and_writes_nothing(four_nights, tmp_path):
    folder = published(four_nights, tmp_path, with_r4=False)
    absences = tmp_path / "absences.csv"
    absences.write_text("radiologist_id;start;end\nR2;05/01/2027;05/01/2027\nR3;2027-01-05;2027-01-06\n")
    out = tmp_path / "replanned"
    result = runner.invoke(app, ["replan", str(folder), "--absences", str(absences), "--out", str(out)])
    assert result.exit_code == 3
    assert "nobody can take the night of 2027-01-05 at CH A (test)" in result.output
    assert "Dr One (R1): rest" in result.output
    assert not out.exists()


def test_a_bad_absences_file_is_located(four_nights, tmp_path):
    folder = published(four_nights, tmp_path)
    absences = tmp_path / "absences.csv"
    absences.write_text("radiologist_id,start,end\nR2,2027-01-06,2027-01-05\n")
    result = runner.invoke(app, ["replan", str(folder), "--absences", str(absences), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "absences.csv:2: column 'end'" in result.output and "before start" in result.output


def test_a_swap_without_the_credential_is_refused_and_writes_nothing(four_nights, tmp_path):
    folder = published(four_nights, tmp_path)
    out = tmp_path / "swapped"
    result = runner.invoke(app, ["swap", str(folder), "R1", "R5", "--date", "2027-01-04", "--out", str(out)])
    assert result.exit_code == 1
    assert "swap refused" in result.output and "credential:" in result.output
    assert not out.exists()


def test_an_agreed_swap_writes_the_new_run_and_the_fairness_change(four_nights, tmp_path):
    folder = published(four_nights, tmp_path)
    out = tmp_path / "swapped"
    result = runner.invoke(app, ["swap", str(folder), "R1", "R4", "--date", "2027-01-07", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Dr One (R1): 4 → 2 points" in result.output and "Dr Four (R4): 0 → 2 points" in result.output
    assert pd.read_csv(out / "changes.csv", dtype=str)["after"].tolist() == ["R4"]


def test_cover_lists_who_can_take_a_duty(four_nights, tmp_path):
    folder = published(four_nights, tmp_path)
    result = runner.invoke(app, ["cover", str(folder), "--site", "a", "--date", "2027-01-05", "--period", "nuit"])
    assert result.exit_code == 0, result.output
    assert "1 radiologist(s) could take it" in result.output and "Dr Four (R4)" in result.output
    assert "2 other credentialed radiologist(s) cannot" in result.output
