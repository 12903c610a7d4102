import csv
import io

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pds_plan.io.spreadsheet import FORMULA_TRIGGERS, csv_text, neutralise, neutralise_frame, restore, restore_frame


def test_the_triggers_are_owasps():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+33 6 12", "'+33 6 12"),
        ("-Dr B", "'-Dr B"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Dr =B", "Dr =B"),
        ("-3.5", "-3.5"),  # a negative number read from a CSV is a number, not a formula
        ("-3,5", "-3,5"),
        ("+2", "+2"),
        ("-2+3", "'-2+3"),
        (-3.5, -3.5),
        (-2, -2),
        ("", ""),
        ("'=A", "'=A"),  # already neutralised: not quoted twice
    ],
)
def test_neutralise_only_text_that_a_spreadsheet_would_run(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('\'=HYPERLINK("x")', '=HYPERLINK("x")'),
        ("'+1+1", "+1+1"),
        ("'@SUM(1)", "@SUM(1)"),
        ("'\t=1", "\t=1"),
        ("'Dr A", "'Dr A"),  # neutralise never writes these quotes: they are the user's
        ("'-3.5", "'-3.5"),
        ("'", "'"),
        ("=A", "=A"),
        (-1.5, -1.5),
    ],
)
def test_restore_takes_off_only_the_quotes_neutralise_writes(value, expected):
    assert restore(value) == expected


@given(st.text(alphabet=st.sampled_from("=+-@\t\r'.,0123456789eE aZ("), max_size=8) | st.text(max_size=8))
@example("-2+3")
@example("=1")
def test_text_that_does_not_begin_with_a_quoted_trigger_reads_back_as_written(text):
    if text.startswith("'") and restore(text) != text:
        return  # the one case documented as lossy: it looks exactly like neutralised text
    assert restore(neutralise(text)) == text
    assert neutralise(neutralise(text)) == neutralise(text)


def test_frames_neutralise_and_restore_cells_and_headers_keeping_numbers():
    frame = pd.DataFrame({"=name": ["=A", "B"], "exams": [-1.5, 2.0]})
    safe = neutralise_frame(frame)
    assert list(safe.columns) == ["'=name", "exams"]
    assert list(safe["'=name"]) == ["'=A", "B"]
    assert list(safe["exams"]) == [-1.5, 2.0]
    assert list(frame.columns) == ["=name", "exams"]  # a copy: the caller's frame is left alone
    pd.testing.assert_frame_equal(restore_frame(safe), frame)


def test_csv_text_neutralises_then_renders_without_index():
    frame = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "Dr B"], "points": [-2, 3], "share": [0.5, -1.25]})
    text = csv_text(frame)
    assert text == 'name,points,share\n"\'=HYPERLINK(""http://x"",""y"")",-2,0.5\nDr B,3,-1.25\n'
    rows = list(csv.reader(io.StringIO(text)))
    assert [restore(v) for v in rows[1]] == ['=HYPERLINK("http://x","y")', "-2", "0.5"]
    assert csv_text(frame, ";", line_end="\r\n", decimal=",").splitlines(keepends=True)[2] == "Dr B;3;-1,25\r\n"
