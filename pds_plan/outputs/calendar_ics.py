"""One iCalendar file (RFC 5545) per radiologist: an event per on-call block, for their calendar application.

Re-exports must update the events a radiologist already has rather than add copies, and a calendar subscription
re-reads the file, so:

* each event's UID is derived from the radiologist id and the block's start (`event_uid`), not drawn at random;
* DTSTAMP is the time the run was written (`run_timestamp`), not the time of the export, so exporting the same run
  twice gives byte-identical files.

Times are written as local Europe/Paris wall-clock times with TZID=Europe/Paris and a VTIMEZONE giving the EU
daylight-saving rule, so that the nights of the clock changes last 13 h and 15 h, as they do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vText

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
    return event


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
    method = loaded.summary.get("method") or loaded.manifest.get("method") or "?"
    about = f"Scénario {scenario}, rota {method} (pds-plan)."
    blocks = loaded.blocks.assign(_start=loaded.blocks["start"].map(lambda s: local_time(str(s))))
    calendars = {}
    for radiologist, mine in blocks.groupby("radiologist_id", sort=True):
        rid = str(radiologist)
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        # vText: icalendar writes unknown X- properties unescaped, and a name may hold a comma or a semicolon.
        calendar.add("x-wr-calname", vText(f"PDS {scenario} – {mine['radiologist_name'].iloc[0]}"))
        calendar.add("x-wr-timezone", "Europe/Paris")
        calendar.add_component(Timezone.from_ical(PARIS_VTIMEZONE))
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
