from pathlib import Path

import pytest

from pds_plan.errors import InputError
from pds_plan.io.calendars import read_calendars

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\nEND:VCALENDAR\r\n"


def test_a_folder_never_published_has_no_calendars(tmp_path):
    assert read_calendars(tmp_path / "calendars") == {}


def test_every_ics_file_is_read_as_it_is_by_file_name(tmp_path):
    (tmp_path / "R1.ics").write_bytes(CALENDAR)
    (tmp_path / "R 2.ics").write_bytes(CALENDAR.replace(b"test", b"other"))
    (tmp_path / "notes.txt").write_text("not a calendar")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "R3.ics").write_bytes(CALENDAR)  # only the folder itself: an archive below it is not published
    assert read_calendars(tmp_path) == {"R 2.ics": CALENDAR.replace(b"test", b"other"), "R1.ics": CALENDAR}


def test_every_broken_calendar_is_located(tmp_path):
    (tmp_path / "R1.ics").write_bytes(CALENDAR)
    (tmp_path / "R2.ics").write_bytes(b"garbage\r\n")
    (tmp_path / "R3.ics").write_bytes(b"BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n")  # an event, not a calendar
    (tmp_path / "R4.ics").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "R5.ics").mkdir()  # cannot be read as a file
    with pytest.raises(InputError) as caught:
        read_calendars(tmp_path)
    problems = caught.value.problems
    assert [Path(p.file).name for p in problems] == ["R2.ics", "R3.ics", "R4.ics", "R5.ics"]
    assert all(Path(p.file).resolve().parent == tmp_path.resolve() for p in problems)
    assert "not an iCalendar file" in problems[0].message and "no VCALENDAR" in problems[1].message
    assert "unreadable" in problems[3].message


def test_a_file_in_place_of_the_folder_is_an_input_error(tmp_path):
    (tmp_path / "calendars").write_bytes(CALENDAR)
    with pytest.raises(InputError, match="is not a folder of calendars"):
        read_calendars(tmp_path / "calendars")
