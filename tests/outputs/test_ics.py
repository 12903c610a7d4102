import csv
import dataclasses
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd
import pytest

from pds_plan.errors import InputError, OutputExistsError
from pds_plan.io.calendars import read_calendars
from pds_plan.io.run_folder import RunFolder, load_run
from pds_plan.outputs.calendar_ics import (
    PARIS_VTIMEZONE,
    calendar_changes,
    event_uid,
    ics_file_name,
    local_time,
    render_ics,
    render_ics_update,
    run_timestamp,
    write_ics,
)
from pds_plan.outputs.exports import export_run

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
PARIS = ZoneInfo("Europe/Paris")
STAMP = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 12, 15, 8, 0, tzinfo=dt.UTC)


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


# Updates of published calendars (RFC 5545: same UID, SEQUENCE + 1 on change, STATUS:CANCELLED when gone).


def reassign(view: RunFolder, holder: str, start: str, to: str, sites: list[str] | None = None) -> RunFolder:
    """The view with `holder`'s block starting at `start` (or only some `sites` of it, a one-period block) given to
    `to`, in rota.csv and rota_by_radiologist.csv alike; `to` may be a radiologist with no block yet."""
    rota, blocks = view.rota.copy(), view.blocks.copy()
    names = dict(zip(rota["radiologist_id"], rota["radiologist_name"], strict=True))
    name = names.get(to, f"Dr {to} (test)")
    (row,) = blocks.index[(blocks["radiologist_id"] == holder) & (blocks["start"] == start)]
    block = blocks.loc[row].to_dict()
    periods, held = block["periods"].split(";"), block["sites"].split(";")
    moved = sites or held
    assert set(moved) <= set(held) and (moved == held or len(periods) == 1)
    mine = (rota["radiologist_id"] == holder) & (rota["date"] + "/" + rota["period"]).isin(periods)
    rota.loc[mine & rota["site_id"].isin(moved), ["radiologist_id", "radiologist_name"]] = [to, name]
    theirs = blocks.index[(blocks["radiologist_id"] == to) & (blocks["start"] == start)]
    if len(theirs):
        assert blocks.loc[theirs[0], "periods"] == block["periods"]
        joined = sorted({*blocks.loc[theirs[0], "sites"].split(";"), *moved})
        blocks.loc[theirs[0], ["sites", "site_periods"]] = [";".join(joined), str(len(joined))]
    else:
        new = {**block, "radiologist_id": to, "radiologist_name": name, "sites": ";".join(moved)}
        blocks = pd.concat([blocks, pd.DataFrame([new])], ignore_index=True)
    kept = [s for s in held if s not in moved]
    if kept:
        blocks.loc[row, ["sites", "site_periods"]] = [";".join(kept), str(len(kept))]
    else:
        blocks = blocks.drop(index=row)
    return dataclasses.replace(view, rota=rota, blocks=blocks.reset_index(drop=True))


def by_uid(files: dict[str, bytes], name: str) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in events(files[name])}


def sequence(event: icalendar.Event) -> int:
    assert "SEQUENCE" in event, event["UID"]  # always explicit, never left to the RFC's default
    return int(event["SEQUENCE"])


def without_stamp(event: icalendar.Event) -> bytes:
    return b"\r\n".join(line for line in event.to_ical().split(b"\r\n") if not line.startswith(b"DTSTAMP"))


def free_radiologist(view: RunFolder, start: str, end: str, rest: dt.timedelta = dt.timedelta(hours=11)) -> str | None:
    """Someone with no block within `rest` of [start, end), so that the moved block keeps the rest rule."""
    begin, finish = local_time(start) - rest, local_time(end) + rest
    for radiologist, mine in view.blocks.groupby("radiologist_id", sort=True):
        if all(finish <= local_time(b["start"]) or local_time(b["end"]) <= begin for b in mine.to_dict("records")):
            return str(radiologist)
    return None


@pytest.fixture(scope="module")
def view(tiny_run) -> RunFolder:
    return load_run(tiny_run)


@pytest.fixture(scope="module")
def move(view) -> tuple[RunFolder, str, str, str]:
    """R1's latest block that someone else is free to take, given to them: (the new view, holder, taker, start)."""
    for block in view.blocks[view.blocks["radiologist_id"] == "R1"].iloc[::-1].to_dict("records"):
        if to := free_radiologist(view, block["start"], block["end"]):
            return reassign(view, "R1", block["start"], to), "R1", to, block["start"]
    raise AssertionError("nobody can take any of R1's blocks")


def test_every_exported_event_says_its_sequence(tiny_run):
    found = [e for data in render_ics(tiny_run).values() for e in events(data)]
    assert found and all(sequence(e) == 0 for e in found)
    assert all(e.to_ical().count(b"\r\nSEQUENCE:0\r\n") == 1 for e in found)


def test_updating_a_run_from_its_own_export_gives_the_export(view):
    published = render_ics(view, STAMP)
    assert render_ics_update(view, published, STAMP) == published
    assert calendar_changes(view, published) == {}


def test_a_moved_block_is_cancelled_for_its_holder_and_new_for_the_other(view, move):
    moved, holder, to, start = move
    before = render_ics(view, STAMP)
    after = render_ics_update(moved, before, LATER)
    assert sorted(after) == sorted(before)
    gone, new = event_uid(holder, local_time(start)), event_uid(to, local_time(start))
    cancelled = by_uid(after, f"{holder}.ics")[gone]
    assert str(cancelled["STATUS"]) == "CANCELLED" and sequence(cancelled) == 1
    assert cancelled.decoded("DTSTAMP") == LATER
    published = by_uid(before, f"{holder}.ics")[gone]
    for name in ("DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"):
        assert cancelled.decoded(name) == published.decoded(name)
    assert new not in by_uid(before, f"{to}.ics")
    added = by_uid(after, f"{to}.ics")[new]
    assert str(added["STATUS"]) == "CONFIRMED" and sequence(added) == 0 and "CHR" in str(added["SUMMARY"])
    for data in after.values():  # the cancellation among the others, where the holder's application expects it
        starts = [e.decoded("DTSTART") for e in events(data)]
        assert starts == sorted(starts)
    for name in before:  # every other event as it was, only stamped with the new run's time
        old, updated = by_uid(before, name), by_uid(after, name)
        assert set(updated) - set(old) == ({new} if name == f"{to}.ics" else set())
        assert set(old) <= set(updated)
        for uid in set(old) - {gone}:
            assert without_stamp(updated[uid]) == without_stamp(old[uid]) and sequence(updated[uid]) == 0
    changes = calendar_changes(moved, before)
    assert sorted(changes) == sorted([holder, to])
    assert [c.uid for c in changes[holder].cancelled] == [gone] and not changes[holder].added
    assert [c.uid for c in changes[to].added] == [new] and not changes[to].changed
    assert changes[to].added[0].start == local_time(start) and changes[to].file_name == f"{to}.ics"


def test_an_event_that_changes_keeps_its_uid_and_its_sequence_goes_up(view):
    # A two-site one-period block, and another radiologist's block of the same period: one site moves across.
    blocks = view.blocks.to_dict("records")
    pairs = [
        (a, b)
        for a in blocks
        for b in blocks
        if a["radiologist_id"] != b["radiologist_id"] and a["periods"] == b["periods"] and ";" not in a["periods"]
        and a["sites"].count(";") == 1
    ]  # fmt: skip
    giver, taker = pairs[0]
    site = next(s for s in giver["sites"].split(";") if s not in taker["sites"].split(";"))
    changed = reassign(view, giver["radiologist_id"], giver["start"], taker["radiologist_id"], [site])
    before = render_ics(view, STAMP)
    after = render_ics_update(changed, before, LATER)
    uids = {
        f"{b['radiologist_id']}.ics": event_uid(b["radiologist_id"], local_time(b["start"])) for b in (giver, taker)
    }
    for name, uid in uids.items():
        event = by_uid(after, name)[uid]
        assert sequence(event) == 1 and str(event["STATUS"]) == "CONFIRMED"
        assert event["DESCRIPTION"] != by_uid(before, name)[uid]["DESCRIPTION"]
        assert set(by_uid(after, name)) == set(by_uid(before, name))
    site_name = view.rota.loc[view.rota["site_id"] == site, "site_name"].iloc[0]
    taker_file = f"{taker['radiologist_id']}.ics"
    assert site_name in str(by_uid(after, taker_file)[uids[taker_file]]["SUMMARY"])
    others = [e for name, data in after.items() for e in events(data) if str(e["UID"]) not in uids.values()]
    assert others and all(sequence(e) == 0 for e in others)
    changes = calendar_changes(changed, before)
    assert {rid: [c.uid for c in ch.changed] for rid, ch in changes.items()} == {
        name.removesuffix(".ics"): [uid] for name, uid in uids.items()
    }
    # Back as it was: a change again, counted from the published SEQUENCE, not from 0.
    reverted = render_ics_update(view, after, LATER)
    assert [sequence(by_uid(reverted, name)[uid]) for name, uid in uids.items()] == [2, 2]


def test_updating_again_from_the_updated_calendars_changes_nothing(view, move):
    moved, holder, _, start = move
    once = render_ics_update(moved, render_ics(view, STAMP), LATER)
    assert render_ics_update(moved, once, LATER) == once
    assert calendar_changes(moved, once) == {}
    # A later stamp changes the stamps only: the cancellation is not sent again with a higher SEQUENCE.
    later = render_ics_update(moved, once, LATER + dt.timedelta(days=1))
    assert {n: {u: sequence(e) for u, e in by_uid(later, n).items()} for n in later} == {
        n: {u: sequence(e) for u, e in by_uid(once, n).items()} for n in once
    }
    assert sequence(by_uid(later, f"{holder}.ics")[event_uid(holder, local_time(start))]) == 1


def test_a_cancelled_block_that_comes_back_is_confirmed_again(view, move):
    moved, holder, to, start = move
    once = render_ics_update(moved, render_ics(view, STAMP), LATER)
    back = render_ics_update(view, once, LATER)
    returned = by_uid(back, f"{holder}.ics")[event_uid(holder, local_time(start))]
    assert str(returned["STATUS"]) == "CONFIRMED" and sequence(returned) == 2
    withdrawn = by_uid(back, f"{to}.ics")[event_uid(to, local_time(start))]
    assert str(withdrawn["STATUS"]) == "CANCELLED" and sequence(withdrawn) == 1
    changes = calendar_changes(view, once)
    assert [c.uid for c in changes[holder].changed] == [str(returned["UID"])]
    assert [c.uid for c in changes[to].cancelled] == [str(withdrawn["UID"])]


def test_a_radiologist_left_with_no_block_gets_only_cancellations_and_a_newcomer_a_calendar(view):
    emptied = view
    for start in view.blocks.loc[view.blocks["radiologist_id"] == "R5", "start"]:
        emptied = reassign(emptied, "R5", start, "R9")
    assert "R5" not in set(emptied.blocks["radiologist_id"]) | set(emptied.rota["radiologist_id"])
    before = render_ics(view, STAMP)
    after = render_ics_update(emptied, before, LATER)
    assert "R9.ics" not in before and sorted(after) == sorted([*before, "R9.ics"])
    left = icalendar.Calendar.from_ical(after["R5.ics"])
    assert left["X-WR-CALNAME"] == icalendar.Calendar.from_ical(before["R5.ics"])["X-WR-CALNAME"]
    assert [tz["TZID"] for tz in left.walk("VTIMEZONE")] == ["Europe/Paris"]
    gone = by_uid(after, "R5.ics")
    assert sorted(gone) == sorted(by_uid(before, "R5.ics"))
    assert all(str(e["STATUS"]) == "CANCELLED" and sequence(e) == 1 for e in gone.values())
    starts = [e.decoded("DTSTART") for e in events(after["R5.ics"])]
    assert starts == sorted(starts)
    arrived = events(after["R9.ics"])
    assert len(arrived) == len(gone) and all(sequence(e) == 0 for e in arrived)
    assert {str(e["UID"]) for e in arrived} == {u.replace("R5-", "R9-") for u in gone}
    changes = calendar_changes(emptied, before)
    assert sorted(changes) == ["R5", "R9"]  # R5's id read back from the UIDs: the run no longer has it
    assert {c.uid for c in changes["R5"].cancelled} == set(gone) and changes["R5"].file_name == "R5.ics"
    assert len(changes["R9"].added) == len(arrived)
    assert render_ics_update(emptied, after, LATER) == after


def test_calendars_published_without_sequence_count_as_sequence_0(view, move):
    moved, holder, _, start = move
    published = {name: data.replace(b"SEQUENCE:0\r\n", b"") for name, data in render_ics(view, STAMP).items()}
    assert not any(b"SEQUENCE" in data for data in published.values())
    assert render_ics_update(view, published, STAMP) == render_ics(view, STAMP)
    after = render_ics_update(moved, published, LATER)
    assert sequence(by_uid(after, f"{holder}.ics")[event_uid(holder, local_time(start))]) == 1


def test_a_broken_published_calendar_is_an_input_error_naming_it(view):
    with pytest.raises(InputError) as caught:
        render_ics_update(view, {"R1.ics": b"not a calendar"}, STAMP)
    assert [p.file for p in caught.value.problems] == ["R1.ics"]


def test_an_update_reads_what_the_export_wrote(tiny_run, tmp_path):
    export_run(tiny_run, tmp_path, ["ics"])
    published = read_calendars(tmp_path / "calendars")
    assert published == render_ics(tiny_run)
    assert render_ics_update(tiny_run, published) == published
