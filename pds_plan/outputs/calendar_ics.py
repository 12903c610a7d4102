"""One iCalendar file (RFC 5545) per radiologist: an event per on-call block, for their calendar application.

Re-exports must update the events a radiologist already has rather than add copies, and a calendar subscription
re-reads the file, so:

* each event's UID is derived from the radiologist id and the block's start (`event_uid`), not drawn at random;
* DTSTAMP is the time the run was written (`run_timestamp`), not the time of the export, so exporting the same run
  twice gives byte-identical files.

Times are written as local Europe/Paris wall-clock times with TZID=Europe/Paris and a VTIMEZONE giving the EU
daylight-saving rule, so that the nights of the clock changes last 13 h and 15 h, as they do.

A replanned run must update the calendars already published, as RFC 5545 has calendar applications do it: an event
keeps its UID, its SEQUENCE goes up by one when it changes, an event that no longer exists is sent again with
STATUS:CANCELLED (an event that merely disappears from a subscribed file is dropped by some applications and kept
by others), and a radiologist left with no block still gets a file, holding the cancellations. `render_ics_update`
merges a run's calendars with the published ones (read by `pds_plan.io.calendars.read_calendars`);
`calendar_changes` says what changed for whom, for the notification list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, Timezone, vDDDTypes, vInt, vText

from pds_plan.errors import InputError, Problem
from pds_plan.io.run_folder import RunFolder
from pds_plan.outputs.rota_tables import LOCAL_TIME, as_run, write_files

PARIS = ZoneInfo("Europe/Paris")
UID_DOMAIN = "pds-plan"
PRODID = "-//pds-plan//PDS rota export//FR"

# The EU rule since 1996 (last Sunday of March and of October, at 01:00 UTC), as calendar applications write it.
# Written once rather than generated from the tz database, so that the file does not depend on the tzdata version.
PARIS_VTIMEZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "X-LIC-LOCATION:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "",
    ]
)

PERIOD_LABELS = {"night": "nuit", "saturday": "samedi après-midi", "sunday_holiday": "dimanche ou férié"}
WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# What a radiologist sees of an event: a difference in any of these is a change (SEQUENCE + 1); DTSTAMP, SEQUENCE
# and the other properties are not compared, so that re-exporting an unchanged block leaves it as it was.
COMPARED = ("DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "STATUS", "LOCATION")
_UID = re.compile(r"(?P<radiologist>.+)-\d{8}T\d{4}@" + re.escape(UID_DOMAIN))


def local_time(text: str) -> dt.datetime:
    """A run file's local wall-clock time ("2027-03-27T18:30") as an aware Europe/Paris date-time."""
    return dt.datetime.strptime(text, LOCAL_TIME).replace(tzinfo=PARIS)


def event_uid(radiologist_id: str, start: dt.datetime) -> str:
    """The UID of a block: the same radiologist starting at the same time is the same event in every export."""
    return f"{quote(radiologist_id, safe='')}-{start:%Y%m%dT%H%M}@{UID_DOMAIN}"


def ics_file_name(radiologist_id: str) -> str:
    """`<id>.ics`, the id made safe for a file name (with a short hash of it when it had to be changed)."""
    if _SAFE_FILE_NAME.fullmatch(radiologist_id) and len(radiologist_id) <= 100:
        return f"{radiologist_id}.ics"
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", radiologist_id).strip("._")[:60] or "radiologist"
    digest = hashlib.sha256(radiologist_id.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}.ics"


def run_timestamp(run: RunFolder) -> dt.datetime:
    """When the run was written (UTC, whole seconds): the DTSTAMP of every event.

    The manifest's `written_at` (or `created_at`) when it has one; otherwise the modification time of
    rota_by_radiologist.csv, which a run folder keeps unless it is copied without its times.
    """
    for key in ("written_at", "created_at", "created"):
        value = run.manifest.get(key)
        if isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                continue
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            return moment.astimezone(dt.UTC).replace(microsecond=0)
    seconds = (run.path / "rota_by_radiologist.csv").stat().st_mtime
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC)


def _day(date: str) -> str:
    day = dt.date.fromisoformat(date)
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m}"


def _period_text(row: dict[str, Any]) -> str:
    label = PERIOD_LABELS.get(str(row["period"]), str(row["period"]))
    return f"{_day(str(row['date']))} {label} {str(row['start'])[11:16]}–{str(row['end'])[11:16]}"


def block_event(
    block: dict[str, Any], rota_rows: list[dict[str, Any]], site_names: dict[str, str], stamp: dt.datetime, run: str
) -> Event:
    """The event of one block: SUMMARY names the sites covered, DESCRIPTION each site's periods."""
    start, end = local_time(str(block["start"])), local_time(str(block["end"]))
    sites = [s for s in str(block["sites"]).split(";") if s]
    periods = {p for p in str(block["periods"]).split(";") if p}
    mine = [r for r in rota_rows if f"{r['date']}/{r['period']}" in periods and r["site_id"] in sites]
    # In UTC: Python subtracts two times of the same zone as wall-clock times, which would hide the clock change.
    hours = (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() / 3600
    lines = [f"Garde PDS radiologie de {block['radiologist_name']} ({block['radiologist_id']}) : {hours:g} h.", ""]
    lines.append("Sites couverts :")
    for site in sites:
        worked = sorted((r for r in mine if r["site_id"] == site), key=lambda r: str(r["start"]))
        detail = " ; ".join(_period_text(r) for r in worked)
        lines.append(f"- {site_names.get(site, site)} ({site})" + (f" : {detail}" if detail else ""))
    lines += ["", run]
    event = Event()
    event.add("uid", event_uid(str(block["radiologist_id"]), start))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", "PDS radiologie : " + ", ".join(site_names.get(s, s) for s in sites))
    event.add("description", "\n".join(lines))
    event.add("categories", ["PDS"])
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    # Explicit, so that an update raising it is unambiguous to every application (RFC 5545 defaults it to 0).
    event.add("sequence", 0)
    return event


def _new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # vText: icalendar writes unknown X- properties unescaped, and a name may hold a comma or a semicolon.
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_component(Timezone.from_ical(PARIS_VTIMEZONE))
    return calendar


def radiologist_calendars(run: RunFolder | Path | str, stamp: dt.datetime | None = None) -> dict[str, Calendar]:
    """One calendar per radiologist with at least one block, by radiologist id, events in time order."""
    loaded = as_run(run)
    stamp = (stamp or run_timestamp(loaded)).astimezone(dt.UTC)
    rota = loaded.rota
    site_names = dict(zip(rota["site_id"], rota["site_name"], strict=True))
    rows_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rota.to_dict("records"):
        rows_of[str(row["radiologist_id"])].append({str(k): v for k, v in row.items()})
    scenario = loaded.summary.get("scenario") or loaded.manifest.get("scenario") or loaded.path.name
    # Not the method: a replanned or swapped rota updates the published calendars, and only the blocks that
    # changed may change (calendar_changes tells whom to notify).
    about = f"Scénario {scenario} (pds-plan)."
    blocks = loaded.blocks.assign(_start=loaded.blocks["start"].map(lambda s: local_time(str(s))))
    calendars = {}
    for radiologist, mine in blocks.groupby("radiologist_id", sort=True):
        rid = str(radiologist)
        calendar = _new_calendar(f"PDS {scenario} – {mine['radiologist_name'].iloc[0]}")
        for block in mine.sort_values("_start", kind="stable").drop(columns="_start").to_dict("records"):
            record = {str(k): v for k, v in block.items()}
            calendar.add_component(block_event(record, rows_of[rid], site_names, stamp, about))
        calendars[rid] = calendar
    return calendars


def render_ics(run: RunFolder | Path | str, stamp: dt.datetime | None = None) -> dict[str, bytes]:
    """The .ics files of a run, by file name (see `ics_file_name`)."""
    return {ics_file_name(rid): calendar.to_ical() for rid, calendar in radiologist_calendars(run, stamp).items()}


def write_ics(
    run: RunFolder | Path | str, out: Path | str, stamp: dt.datetime | None = None, force: bool = False
) -> list[Path]:
    """Write one .ics per radiologist into the folder `out`, each atomically; existing files need `force`."""
    return write_files(out, render_ics(run, stamp), force=force)


@dataclass(frozen=True)
class EventChange:
    """One event a radiologist should be told about: its UID and when it is (or was, for a cancellation)."""

    uid: str
    start: dt.datetime | None  # None only for a published event whose DTSTART does not parse
    end: dt.datetime | None
    summary: str


@dataclass(frozen=True)
class CalendarChanges:
    """What an update changes in one radiologist's calendar, events in time order."""

    radiologist_id: str
    file_name: str
    added: tuple[EventChange, ...] = ()
    changed: tuple[EventChange, ...] = ()
    cancelled: tuple[EventChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.cancelled)


def _set(event: Component, name: str, value: Any) -> None:
    # Assigned in place rather than with `add` (which would make a second value): the property keeps its position,
    # so that an update of an unchanged calendar gives the same bytes as the plain export.
    event[name] = value


def _instant(event: Component, name: str) -> dt.datetime | None:
    try:
        value = event.decoded(name)
    except (KeyError, ValueError, TypeError, AttributeError):  # absent, or kept by icalendar as an unparsed value
        return None
    return value if isinstance(value, dt.datetime) else None


def _content(event: Component) -> tuple[str | None, ...]:
    """The compared properties as comparable values: times as UTC instants, whatever TZID they were written with."""
    values: list[str | None] = []
    for name in COMPARED:
        if name not in event:
            values.append(None)
        elif name in ("DTSTART", "DTEND") and (moment := _instant(event, name)) is not None:
            values.append(moment.astimezone(dt.UTC).isoformat() if moment.tzinfo else moment.isoformat())
        else:
            values.append(str(event[name]))  # text as the radiologist reads it, escapes undone
    return tuple(values)


def _sequence(event: Component) -> int:
    try:
        return int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):  # a SEQUENCE icalendar could not parse: as if there were none
        return 0


def _cancelled(event: Component) -> bool:
    return str(event.get("STATUS", "")).upper() == "CANCELLED"


def _order(event: Component) -> tuple[str, str]:
    moment = _instant(event, "DTSTART")
    when = moment.astimezone(dt.UTC).isoformat() if moment and moment.tzinfo else str(moment or "")
    return when, str(event.get("UID", ""))


def _change(event: Component) -> EventChange:
    return EventChange(
        str(event.get("UID", "")), _instant(event, "DTSTART"), _instant(event, "DTEND"), str(event.get("SUMMARY", ""))
    )


def _parse_previous(name: str, data: bytes) -> Calendar:
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise InputError([Problem(name, f"not an iCalendar file ({error})")]) from None
    if not isinstance(calendar, Calendar):
        raise InputError([Problem(name, "not an iCalendar file (no VCALENDAR)")])
    return calendar


def _radiologist_of(file_name: str, events: Mapping[str, Component]) -> str:
    """The radiologist of a published calendar the run no longer has: from its UIDs (see `event_uid`)."""
    for uid in events:
        if found := _UID.fullmatch(uid):
            return unquote(found["radiologist"])
    return Path(file_name).stem


def _merge(
    run: RunFolder | Path | str, previous: Mapping[str, bytes], stamp: dt.datetime | None
) -> dict[str, tuple[Calendar, CalendarChanges]]:
    loaded = as_run(run)
    stamp = (stamp or run_timestamp(loaded)).astimezone(dt.UTC)
    new = {ics_file_name(rid): (rid, calendar) for rid, calendar in radiologist_calendars(loaded, stamp).items()}
    merged = {}
    for name in sorted(new.keys() | previous.keys()):
        old_calendar = _parse_previous(name, previous[name]) if name in previous else None
        # Only events with a UID can be matched; any other one was not written by pds-plan and is left out.
        old = {str(e["UID"]): e for e in (old_calendar.walk("VEVENT") if old_calendar else []) if "UID" in e}
        if name in new:
            rid, calendar = new[name]
        else:
            rid = _radiologist_of(name, old)
            assert old_calendar is not None  # a name is in `new` or in `previous`
            calendar = _new_calendar(str(old_calendar.get("X-WR-CALNAME", f"PDS – {rid}")))
        events = list(calendar.walk("VEVENT"))
        added, changed, cancelled = [], [], []
        for event in events:
            uid = str(event["UID"])
            if uid not in old:
                _set(event, "SEQUENCE", vInt(0))
                added.append(event)
            elif _content(old[uid]) == _content(event):
                _set(event, "SEQUENCE", vInt(_sequence(old[uid])))
            else:
                _set(event, "SEQUENCE", vInt(_sequence(old[uid]) + 1))
                changed.append(event)
        present = {str(e["UID"]) for e in events}
        for uid, published in old.items():
            if uid in present:
                continue
            # A copy of the published event, so that the application recognises what it cancels.
            gone = Event.from_ical(published.to_ical())
            if not _cancelled(published):
                _set(gone, "STATUS", vText("CANCELLED"))
                _set(gone, "SEQUENCE", vInt(_sequence(published) + 1))
                cancelled.append(gone)
            else:  # cancelled by an earlier update: kept as it was, so that updating again changes nothing
                _set(gone, "SEQUENCE", vInt(_sequence(published)))
            _set(gone, "DTSTAMP", vDDDTypes(stamp))
            events.append(gone)
        calendar.subcomponents = [c for c in calendar.subcomponents if c.name != "VEVENT"]
        for event in sorted(events, key=_order):
            calendar.add_component(event)
        changes = CalendarChanges(
            rid, name, *(tuple(_change(e) for e in sorted(kind, key=_order)) for kind in (added, changed, cancelled))
        )
        merged[name] = (calendar, changes)
    return merged


def render_ics_update(
    run: RunFolder | Path | str, previous: Mapping[str, bytes], stamp: dt.datetime | None = None
) -> dict[str, bytes]:
    """The .ics files of a run as updates of the `previous` ones (file name → bytes, as `read_calendars` gives).

    For each event UID: unchanged (see COMPARED) keeps its SEQUENCE; changed gets the previous SEQUENCE + 1; gone
    from the run is sent again with STATUS:CANCELLED and SEQUENCE + 1 (once: an event already cancelled stays as it
    was); new gets SEQUENCE 0. Every previous file gets a file again, if only of cancellations. Updating the result
    from the same run gives the same bytes, and updating a run's own export gives the export.
    """
    return {name: calendar.to_ical() for name, (calendar, _) in _merge(run, previous, stamp).items()}


# Any fixed moment does: DTSTAMP is not compared, and a view built in memory may have no file to take its time from.
_ANY_STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def calendar_changes(run: RunFolder | Path | str, previous: Mapping[str, bytes]) -> dict[str, CalendarChanges]:
    """By radiologist id, what `render_ics_update` adds, changes and cancels in their calendar: only the
    radiologists with at least one change, for the list of those to tell."""
    return {changes.radiologist_id: changes for _, changes in _merge(run, previous, _ANY_STAMP).values() if changes}
