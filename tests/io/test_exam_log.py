"""Reading a PACS/RIS exam log: Excel dialects, ISO and French timestamps, located errors all reported at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pds_plan import InputError, load_scenario
from pds_plan.errors import display_path
from pds_plan.io.exam_log import (
    MAX_PROBLEMS_PER_COLUMN,
    load_exam_log,
    load_exam_log_with_sites,
    parse_timestamp,
)

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
SITES = TINY / "sites.csv"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Files are named as the user would see them from the folder holding them."""
    monkeypatch.chdir(tmp_path)


def write(folder: Path, text: str, name: str = "exams.csv", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(path: Path, sites: Path = SITES) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_exam_log_with_sites(path, sites)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-09T14:30", dt.datetime(2027, 1, 9, 14, 30, tzinfo=PARIS)),  # naive: Paris wall-clock time
        ("2027-01-09 14:30:15", dt.datetime(2027, 1, 9, 14, 30, 15, tzinfo=PARIS)),
        ("2027-07-09T14:30:00+02:00", dt.datetime(2027, 7, 9, 14, 30, tzinfo=PARIS)),
        ("2027-01-09T13:30:00Z", dt.datetime(2027, 1, 9, 14, 30, tzinfo=PARIS)),
        ("2027-01-09T08:30:00-05:00", dt.datetime(2027, 1, 9, 14, 30, tzinfo=PARIS)),
        ("09/01/2027 14:30", dt.datetime(2027, 1, 9, 14, 30, tzinfo=PARIS)),  # French export: day first
        ("9/1/2027 14:30:15", dt.datetime(2027, 1, 9, 14, 30, 15, tzinfo=PARIS)),
        # Summer time: the same wall-clock reading is one hour earlier in UTC.
        ("09/07/2027 14:30", dt.datetime(2027, 7, 9, 12, 30, tzinfo=dt.UTC)),
    ],
)
def test_timestamps_iso_with_or_without_offset_and_french(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is not None and parsed.utcoffset() == expected.astimezone(PARIS).utcoffset()


def test_daylight_saving_local_times():
    # The hour repeated in October is read as its first (summer-time) occurrence unless the offset says otherwise.
    assert parse_timestamp("2027-10-31T02:30").utcoffset() == dt.timedelta(hours=2)
    assert parse_timestamp("2027-10-31T02:30+01:00").utcoffset() == dt.timedelta(hours=1)
    # 02:30 on the night clocks go forward does not exist: read with the winter offset, i.e. 03:30 summer time.
    skipped = parse_timestamp("28/03/2027 02:30")
    assert skipped == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    assert skipped.astimezone(PARIS).hour == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty: expected a date and time"),
        ("2027-01-09", "'2027-01-09' has no time of day"),
        ("09/01/2027", "'09/01/2027' has no time of day"),
        ("31/02/2027 10:00", "'31/02/2027 10:00' is not a date and time"),
        ("2027-13-01T10:00", "is not a date and time"),
        ("hier soir", "'hier soir' is not a date and time (expected YYYY-MM-DDTHH:MM[:SS]"),
        ("01/09/27 10:00", "is not a date and time"),
    ],
)
def test_bad_timestamps_say_what_is_expected(text, message):
    with pytest.raises(ValueError) as caught:
        parse_timestamp(text)
    assert message in str(caught.value)


def test_excel_export_with_semicolons_windows_1252_odd_header_case_and_extra_columns(tmp_path):
    path = write(
        tmp_path,
        "N° examen;Site_ID ; MODALITY;TimeStamp;Libellé\r\n"
        "A1;nancy;CT;09/01/2027 14:30;Scanner crâne\r\n"
        "A2; metz ;xr;2027-01-09T20:15:00+01:00;Radio thorax – face\r\n"
        "\r\n"
        "A3;nancy;MR;2027-01-10 03:05;IRM\r\n",
        encoding="cp1252",
    )
    log = load_exam_log_with_sites(path, SITES)
    assert log.exams["line"].tolist() == [2, 3, 5]
    assert log.exams["site_id"].tolist() == ["nancy", "metz", "nancy"]
    assert log.exams["modality"].tolist() == ["CT", "XR", "MRI"]  # DICOM's MR is the contract's MRI
    assert log.exams["timestamp"].tolist() == [
        dt.datetime(2027, 1, 9, 14, 30, tzinfo=PARIS),
        dt.datetime(2027, 1, 9, 20, 15, tzinfo=PARIS),
        dt.datetime(2027, 1, 10, 3, 5, tzinfo=PARIS),
    ]
    assert str(log.exams["timestamp"].dt.tz) == "Europe/Paris"
    assert [s.site_id for s in log.sites] == ["nancy", "metz", "verdun", "pont"]
    assert log.warnings == ()


def test_utf8_bom_and_tab_separator(tmp_path):
    path = write(tmp_path, "\ufeffsite_id\tmodality\ttimestamp\nverdun\tCT\t2027-01-09T14:30\n")
    log = load_exam_log_with_sites(path, SITES)
    assert log.exams["site_id"].tolist() == ["verdun"]


def test_every_problem_of_the_log_is_located_and_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "site_id,modality,timestamp\n"
        "nancy,CT,2027-01-09T14:30\n"
        "nancy,CT,2027-01-32T14:30\n"
        "toul,CT,2027-01-09T14:31\n"
        "metz,PET,2027-01-09T14:32\n"
        "verdun,XR,\n"
        "toul,scanner,hier\n",
    )
    name = path.name
    reported = problems(path)
    assert reported == [
        f"{name}:3: column 'timestamp': '2027-01-32T14:30' is not a date and time "
        "(expected YYYY-MM-DDTHH:MM[:SS] with or without a UTC offset such as +01:00, or DD/MM/YYYY HH:MM[:SS])",
        f"{name}:4: column 'site_id': unknown site 'toul' (not in {display_path(SITES)})",
        f"{name}:5: column 'modality': 'PET' is not one of CT, MRI, XR, US (or the DICOM codes MR, CR, DX)",
        f"{name}:6: column 'timestamp': is empty: expected a date and time "
        "(YYYY-MM-DDTHH:MM[:SS] with or without a UTC offset such as +01:00, or DD/MM/YYYY HH:MM[:SS])",
        f"{name}:7: column 'modality': 'scanner' is not one of CT, MRI, XR, US (or the DICOM codes MR, CR, DX)",
        f"{name}:7: column 'timestamp': 'hier' is not a date and time "
        "(expected YYYY-MM-DDTHH:MM[:SS] with or without a UTC offset such as +01:00, or DD/MM/YYYY HH:MM[:SS])",
    ]


def test_missing_column_is_reported_on_the_header_line(tmp_path):
    path = write(tmp_path, "site_id;modalite;date\nnancy;CT;2027-01-09T14:30\n")
    (only,) = problems(path)
    assert only.startswith(f"{path.name}:1: missing column(s) 'modality', 'timestamp'; expected columns: ")


def test_header_only_log_is_an_error(tmp_path):
    path = write(tmp_path, "site_id,modality,timestamp\n")
    assert problems(path) == [f"{path.name}: has a header but no rows"]


def test_problems_of_sites_csv_and_of_the_log_come_together_without_repeating(tmp_path):
    sites = write(
        tmp_path, SITES.read_text().replace("metz,CHR Metz (test),CHR,57", "metz,CHR Metz (test),CHR,5X"), "sites.csv"
    )
    log = write(
        tmp_path,
        "site_id,modality,timestamp\nmetz,CT,2027-01-09T14:30\ntoul,CT,2027-01-09T14:30\nnancy,CT,demain\n",
    )
    reported = problems(log, sites)
    assert reported[0].startswith("sites.csv:3: column 'departement'")
    # metz's own row failed: the log's rows naming it are not errors a second time; toul is unknown.
    assert reported[1:] == [
        "exams.csv:3: column 'site_id': unknown site 'toul' (not in sites.csv)",
        "exams.csv:4: column 'timestamp': 'demain' is not a date and time (expected YYYY-MM-DDTHH:MM[:SS] with or "
        "without a UTC offset such as +01:00, or DD/MM/YYYY HH:MM[:SS])",
    ]


def test_unreadable_sites_file_still_lets_the_log_rows_be_checked(tmp_path):
    sites = write(tmp_path, "site_id,name\nnancy,CHRU\n", "sites.csv")
    log = write(tmp_path, "site_id,modality,timestamp\nanywhere,CT,2027-01-09T14:30\nnancy,CT,hier\n")
    reported = problems(log, sites)
    assert reported[0].startswith("sites.csv:1: missing column(s) 'kind'")
    assert reported[1:] == [
        "exams.csv:3: column 'timestamp': 'hier' is not a date and time (expected YYYY-MM-DDTHH:MM[:SS] with or "
        "without a UTC offset such as +01:00, or DD/MM/YYYY HH:MM[:SS])"
    ]


def test_a_misnamed_site_on_many_rows_is_listed_a_few_times_then_counted(tmp_path):
    rows = [f"nancy-brabois,CT,2027-01-09T{10 + i // 60:02d}:{i % 60:02d}" for i in range(50)]
    path = write(tmp_path, "site_id,modality,timestamp\n" + "\n".join(rows) + "\nnancy,CT,hier\n")
    reported = problems(path)
    assert len(reported) == MAX_PROBLEMS_PER_COLUMN + 2
    assert all("unknown site 'nancy-brabois'" in line for line in reported[:MAX_PROBLEMS_PER_COLUMN])
    assert f"{path.name}:{MAX_PROBLEMS_PER_COLUMN + 1}: column 'site_id'" in reported[MAX_PROBLEMS_PER_COLUMN - 1]
    assert "exams.csv:52: column 'timestamp': 'hier'" in reported[MAX_PROBLEMS_PER_COLUMN]
    assert reported[-1] == (
        f"{path.name}: column 'site_id': 30 more row(s) with a problem in this column, not listed (lines 22 to 51); "
        "the ones above show what is wrong"
    )


def test_an_exam_of_a_modality_the_site_does_not_list_is_counted_with_one_warning(tmp_path):
    path = write(
        tmp_path,
        "site_id,modality,timestamp\nmetz,CT,2027-01-09T14:30\nmetz,MRI,2027-01-09T15:30\nmetz,MRI,2027-01-09T16:30\n",
    )
    log = load_exam_log_with_sites(path, SITES)
    assert len(log.exams) == 3
    (warning,) = log.warnings
    assert (warning.row, warning.column) == (3, "modality")
    assert "site metz does not list modality MRI" in warning.message and "its 2 exam(s)" in warning.message


def test_a_scenario_s_sites_can_be_used_instead_of_a_sites_file(tmp_path):
    scenario = load_scenario(TINY / "scenario.toml")
    path = write(tmp_path, "site_id,modality,timestamp\nverdun,CT,2027-01-09T14:30\nmontdidier,CT,2027-01-09T14:30\n")
    with pytest.raises(InputError) as caught:
        load_exam_log(path, scenario.sites, "tiny/sites.csv")
    assert [str(p) for p in caught.value.problems] == [
        "exams.csv:3: column 'site_id': unknown site 'montdidier' (not in tiny/sites.csv)"
    ]
