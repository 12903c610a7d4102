"""Every malformed input of tests/fixtures/bad gives a clean, located error: exit code 2, never a traceback.

Each case folder is a copy of tests/fixtures/tiny with one thing broken (or, for the `several_errors` cases, a few
things, all of which must be reported) and an `expect.toml` listing the problems the loader must report:

    [[problems]]
    file = "sites.csv"        # name of the file the problem is in
    row = 3                   # its line in that file; absent for a whole-file problem
    column = "lat"            # the column of the cell; absent when the problem is not about one cell
    message = "is not a number"   # a fragment of the message

The expected problems are the *only* errors the loader may report for the case: a case must fail for the intended
reason, and a user must not have to dig the real problem out of a cascade of consequences.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from pds_plan import InputError, Problem, load_scenario

BAD = Path(__file__).parents[1] / "fixtures" / "bad"
CASES = sorted(path for path in BAD.iterdir() if (path / "expect.toml").is_file())
CASE_IDS = [case.name for case in CASES]

# The kinds of mistake the corpus must keep covering (one case each at least).
REQUIRED_CASES = {
    "sites_missing_column",
    "sites_duplicate_site_id",
    "radiologists_duplicate_id",
    "radiologists_unknown_home_site",
    "radiologists_unknown_credential_site",
    "availability_unknown_radiologist",
    "availability_bad_date",
    "availability_end_before_start",
    "scenario_end_before_start",
    "volumes_negative",
    "volumes_empty_file",
    "volumes_header_only",
    "volumes_utf16",
    "sites_lat_not_a_number",
    "sites_lat_outside_france",
    "radiologists_fte_zero",
    "radiologists_fte_above_one",
    "sites_bad_boolean",
    "sites_empty_kind",  # an unknown kind is a warning, not an error: tests/io/test_site_kinds.py
    "sites_unknown_modality",
    "volumes_unknown_period",
    "sites_bad_departement",
    "sites_too_many_fields",
    "volumes_duplicate_line",
    "pools_site_in_two_pools",
    "pins_uncredentialed",
    "pins_saturday_on_weekday",
    "missing_data_file",
    "toml_syntax_error",
    "rules_wrong_type",
    "hours_bad_time",
    "no_pds_site",
    "sites_several_errors",
}


@dataclass(frozen=True)
class Expected:
    file: str
    row: int | None
    column: str | None
    message: str

    @property
    def location(self) -> tuple[str, int | None, str | None]:
        return self.file, self.row, self.column

    def matches(self, problem: Problem) -> bool:
        return (
            Path(problem.file).name == self.file
            and problem.row == self.row
            and problem.column == self.column
            and self.message in problem.message
        )

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = "" if self.column is None else f" column '{self.column}'"
        return f"{where}{column}: ...{self.message}..."


def expected(case: Path) -> list[Expected]:
    document = tomllib.loads((case / "expect.toml").read_text(encoding="utf-8"))
    return [Expected(p["file"], p.get("row"), p.get("column"), p["message"]) for p in document["problems"]]


def problems_of(case: Path) -> list[Problem]:
    try:
        load_scenario(case / "scenario.toml")
    except InputError as error:
        return error.problems
    pytest.fail(f"{case.name} loaded without any error; expected:\n" + "\n".join(f"  {e}" for e in expected(case)))


def listing(problems: list[Problem]) -> str:
    return "\n".join(f"  {p!s}" for p in problems)


# --- the corpus itself ---


def test_corpus_has_at_least_30_cases_covering_every_required_kind_of_mistake():
    assert len(CASES) >= 30
    missing = sorted(REQUIRED_CASES - set(CASE_IDS))
    assert not missing, missing


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_case_is_a_complete_scenario_with_expectations(case: Path):
    assert (case / "scenario.toml").is_file()
    document = tomllib.loads((case / "expect.toml").read_text(encoding="utf-8"))
    assert document.get("description")
    assert document["problems"], "expect.toml lists no problem"
    for problem in document["problems"]:
        assert set(problem) <= {"file", "row", "column", "message"}, problem
        assert problem["file"] and problem["message"], problem
    # Every file the scenario names is there, except in the case about a missing one.
    if case.name not in {"missing_data_file", "toml_syntax_error"}:
        data = tomllib.loads((case / "scenario.toml").read_text(encoding="utf-8")).get("data", {})
        for name in data.values():
            assert (case / name).is_file(), name


# --- in process: the library's InputError ---


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_loader_reports_every_expected_problem_at_its_file_row_and_column(case: Path):
    problems = problems_of(case)
    for expectation in expected(case):
        assert any(expectation.matches(p) for p in problems), (
            f"expected {expectation}\nbut the loader reported:\n{listing(problems)}"
        )


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_loader_reports_nothing_but_the_expected_problems(case: Path):
    problems = problems_of(case)
    reported = Counter((Path(p.file).name, p.row, p.column) for p in problems)
    wanted = Counter(e.location for e in expected(case))
    assert reported == wanted, (
        f"unexpected: {sorted(map(str, (reported - wanted).elements()))}; "
        f"missing: {sorted(map(str, (wanted - reported).elements()))}\nthe loader reported:\n{listing(problems)}"
    )


# --- the real command line, as a user runs it ---


def run_validate(case: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "pds_plan", "validate", str(case / "scenario.toml")],
        cwd=case,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_runs(request: pytest.FixtureRequest) -> dict[str, subprocess.CompletedProcess[str]]:
    """The command's output for every case this session will check, run in parallel (each start costs ~1 s)."""
    selected = {
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_validate_command_exits_2_with_located_messages"
        and hasattr(item, "callspec")
    } or set(CASES)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        ordered = sorted(selected)
        return {case.name: result for case, result in zip(ordered, pool.map(run_validate, ordered), strict=True)}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_validate_command_exits_2_with_located_messages(case: Path, cli_runs):
    result = cli_runs[case.name]
    output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, output
    assert result.returncode == 2, output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    for expectation in expected(case):
        row = "" if expectation.row is None else f":{expectation.row}"
        where = f"error: {expectation.file}{row}: "
        found = [line for line in lines if line.startswith(where) and expectation.message in line]
        if expectation.column is not None:
            found = [line for line in found if f"column '{expectation.column}'" in line]
        assert found, f"expected a line starting {where!r} for {expectation}\n{output}"
    assert f"{len(lines)} problem(s) found; nothing was written." in result.stderr, output


def test_an_unclosed_quote_in_a_large_file_is_a_located_error_not_a_crash(tmp_path: Path):
    """Past 128 KiB swallowed by an open quote, the csv module raises csv.Error: it must become a located problem."""
    folder = tmp_path / "large"
    shutil.copytree(BAD.parent / "tiny", folder)
    lines = ["radiologist_id,start,end,kind", 'R1,2027-01-04,2027-01-06,"unavailable']
    lines += ["R2,2027-01-08,2027-01-08,request_off"] * 5000  # about 190 KB inside the quoted value
    (folder / "availability.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_validate(folder)
    output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, output
    assert result.returncode == 2, output
    assert "error: availability.csv:2: " in result.stderr, output

    with pytest.raises(InputError) as caught:
        load_scenario(folder / "scenario.toml")
    located = [(Path(p.file).name, p.row) for p in caught.value.problems]
    assert located == [("availability.csv", 2)], caught.value.problems
    assert "quote" in caught.value.problems[0].message
