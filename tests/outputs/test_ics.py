import csv
import dataclasses
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from pds_plan.errors import OutputExistsError
from pds_plan.io.run_folder import load_run
from pds_plan.outputs.calendar_ics import (
    PARIS_VTIMEZONE,
    event_uid,
    ics_file_name,
    render_ics,
    run_timestamp,
    write_ics,
)
from pds_plan.outputs.exports import export_run

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
PARIS = ZoneInfo("Europe/Paris")
STAMP = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, greedy_run) -> Path:
    return greedy_run(TINY, tmp_path_factory.mktemp("tiny") / "run")


def blocks_by_radiologist(run: Path) -> dict[str, list[dict[str, str]]]:
    blocks = defaultdict(list)
    with (run / "rota_by_radiologist.csv").open(encoding="utf-8", newline="") as stream:
        for block in csv.DictReader(stream):
            blocks[block["radiologist_id"]].append(block)
    return blocks


def events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_calendar_per_radiologist_with_one_event_per_block(tiny_run):
    files = render_ics(tiny_run)
    blocks = blocks_by_radiologist(tiny_run)
    assert sorted(files) == sorted(f"{r}.ics" for r in blocks)
    with (tiny_run / "rota.csv").open(encoding="utf-8", newline="") as stream:
        sites = {row["site_id"]: row["site_name"] for row in csv.DictReader(stream)}
    for radiologist, mine in blocks.items():
        data = files[f"{radiologist}.ics"]
        calendar = icalendar.Calendar.from_ical(data)
        assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
        found = events(data)
        assert len(found) == len(mine)
        for event, block in zip(found, mine, strict=True):
            start = event.decoded("DTSTART")
            assert start == dt.datetime.fromisoformat(block["start"]).replace(tzinfo=PARIS)
            assert event.decoded("DTEND") == dt.datetime.fromisoformat(block["end"]).replace(tzinfo=PARIS)
            assert event["DTSTART"].params["TZID"] == "Europe/Paris"
            assert str(event["UID"]) == f"{radiologist}-{start:%Y%m%dT%H%M}@pds-plan"
            for site in block["sites"].split(";"):
                assert sites[site] in str(event["SUMMARY"]) and f"({site})" in str(event["DESCRIPTION"])
        assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))  # RFC 5545 folding


def test_re_exports_are_byte_identical_with_stable_uids(tiny_run, tmp_path):
    first = write_ics(tiny_run, tmp_path / "a")
    again = write_ics(tiny_run, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    uids = [str(e["UID"]) for p in first for e in events(p.read_bytes())]
    assert len(set(uids)) == len(uids)
    stamps = {e.decoded("DTSTAMP") for p in first for e in events(p.read_bytes())}
    assert stamps == {run_timestamp(load_run(tiny_run))}


def test_dtstamp_is_the_time_the_run_was_written_not_the_export(tiny_run, tmp_path):
    run = load_run(tiny_run)
    written = dt.datetime.fromtimestamp(int((tiny_run / "rota_by_radiologist.csv").stat().st_mtime), dt.UTC)
    assert run_timestamp(run) == written
    manifest = {**run.manifest, "written_at": "2026-11-02T10:30:00+01:00"}
    assert run_timestamp(dataclasses.replace(run, manifest=manifest)) == STAMP
    event = events(render_ics(tiny_run, stamp=STAMP)["R1.ics"])[0]
    assert event.to_ical().count(b"DTSTAMP:20261102T093000Z") == 1


def write_folder(folder: Path, rota: list[dict[str, str]], blocks: list[dict[str, str]]) -> Path:
    folder.mkdir()
    for name, rows in (("rota.csv", rota), ("rota_by_radiologist.csv", blocks)):
        with (folder / name).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    (folder / "summary.json").write_text(json.dumps({"scenario": "dst", "method": "cpsat"}))
    (folder / "manifest.json").write_text(json.dumps({"scenario": "dst", "written_at": STAMP.isoformat()}))
    return folder


def night(date: str, next_day: str, radiologist: str = "R1") -> tuple[dict[str, str], dict[str, str]]:
    start, end = f"{date}T18:30", f"{next_day}T08:30"
    rota = {
        "date": date, "period": "night", "site_id": "metz", "radiologist_id": radiologist, "start": start,
        "end": end, "pool_id": "metz", "site_name": "CHR Metz", "radiologist_name": "Dr A", "expected_exams": "8.0",
    }  # fmt: skip
    block = {
        "radiologist_id": radiologist, "radiologist_name": "Dr A", "start": start, "end": end, "hours": "14.0",
        "periods": f"{date}/night", "sites": "metz", "site_periods": "1",
    }  # fmt: skip
    return rota, block


def test_the_nights_of_the_clock_changes_last_13_and_15_hours(tmp_path):
    nights = [night("2027-10-30", "2027-10-31"), night("2027-03-27", "2027-03-28"), night("2027-06-01", "2027-06-02")]
    run = write_folder(tmp_path / "run", [rota for rota, _ in nights], [block for _, block in nights])
    found = events(render_ics(run)["R1.ics"])  # in time order: March, June, October
    lengths = [e.decoded("DTEND").astimezone(dt.UTC) - e.decoded("DTSTART").astimezone(dt.UTC) for e in found]
    assert lengths == [dt.timedelta(hours=13), dt.timedelta(hours=14), dt.timedelta(hours=15)]
    assert [e.decoded("DTSTART").utcoffset() for e in found] == [dt.timedelta(hours=h) for h in (1, 2, 2)]
    assert [e.decoded("DTEND").utcoffset() for e in found] == [dt.timedelta(hours=h) for h in (2, 2, 1)]
    assert "13 h" in str(found[0]["DESCRIPTION"]) and "15 h" in str(found[2]["DESCRIPTION"])
    assert b"DTSTART;TZID=Europe/Paris:20270327T183000" in found[0].to_ical()


def test_the_vtimezone_agrees_with_the_tz_database():
    written = icalendar.Timezone.from_ical(PARIS_VTIMEZONE).to_tz(lookup_tzid=False)
    moments = []
    for year in range(2026, 2031):  # every hour of the weeks of the clock changes, and the middle of each month
        for month in (3, 10):
            start = dt.datetime(year, month, 24, tzinfo=dt.UTC)
            moments += [start + dt.timedelta(minutes=30 * k) for k in range(8 * 48)]
        moments += [dt.datetime(year, month, 15, 12, tzinfo=dt.UTC) for month in range(1, 13)]
    for moment in moments:
        assert moment.astimezone(written).utcoffset() == moment.astimezone(PARIS).utcoffset(), moment


def test_odd_radiologist_ids_give_safe_distinct_file_names_and_uids():
    assert ics_file_name("LOR-R001") == "LOR-R001.ics"
    odd = [ics_file_name(r) for r in ("../etc/passwd", "Dr A/B", "Dr A B", "")]
    assert all("/" not in name and not name.startswith(".") and name.endswith(".ics") for name in odd)
    assert len(set(odd)) == len(odd)
    assert event_uid("R 1/2", dt.datetime(2027, 1, 1, 18, 30)) == "R%201%2F2-20270101T1830@pds-plan"


def test_calendars_go_into_their_own_folder_and_are_not_overwritten_without_force(tiny_run, tmp_path):
    written = export_run(tiny_run, tmp_path, ["ics"])
    assert {p.parent for p in written} == {tmp_path / "calendars"}
    with pytest.raises(OutputExistsError):
        export_run(tiny_run, tmp_path, ["ics"])
    assert len(export_run(tiny_run, tmp_path, ["ics"], force=True)) == len(written)
