"""Read back the calendars an export published (`exports/calendars/*.ics`), so that a replanned run can update them.

Each file is checked to be an iCalendar object here, where its path is known, so that a broken file is reported
where it lies rather than as a bare file name by the merge in `pds_plan.outputs.calendar_ics`.
"""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from pds_plan.errors import InputError, Problem, display_path


def read_calendars(folder: Path | str) -> dict[str, bytes]:
    """Every `*.ics` file of a calendars folder, by file name, as bytes.

    A missing folder gives {} (nothing was published yet). A file that cannot be read or is not an iCalendar
    object is an InputError; every such file is listed, not only the first.
    """
    folder = Path(folder)
    if not folder.exists():
        return {}
    if not folder.is_dir():
        raise InputError([Problem(display_path(folder), "is not a folder of calendars")])
    found: dict[str, bytes] = {}
    problems = []
    for path in sorted(folder.glob("*.ics")):
        try:
            data = path.read_bytes()
        except OSError as error:
            problems.append(Problem(display_path(path), f"unreadable calendar ({error.strerror or error})"))
            continue
        try:
            parsed = Calendar.from_ical(data)
        except ValueError as error:  # UnicodeDecodeError included
            problems.append(Problem(display_path(path), f"not an iCalendar file ({error})"))
            continue
        # icalendar returns whatever single component the file holds: a lone VEVENT is not a calendar.
        if getattr(parsed, "name", None) != "VCALENDAR":
            problems.append(Problem(display_path(path), "not an iCalendar file (no VCALENDAR)"))
            continue
        found[path.name] = data
    if problems:
        raise InputError(problems)
    return found
