"""--pseudonymise on run, export and report: no radiologist's name or id in any file shared, the key kept apart."""

import html as html_module
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan.cli.app import app

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
# Tiny's people under names and ids found nowhere else, so that a search of any file's bytes (a PNG, a zipped
# workbook) for them cannot match by chance.
PEOPLE = {
    "R1": ("KXQ-7101", "Zephyrine Quatremere"),
    "R2": ("KXQ-7102", "Anatole Brisebarreau"),
    "R3": ("KXQ-7103", "Philomene Etievantine"),
    "R4": ("KXQ-7104", "Barnabe Ouvrardinet"),
    "R5": ("KXQ-7105", "Clotilde Vermandoise"),
}
PSEUDONYM = re.compile(rb"RAD-[0-9a-f]{8}")

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("people")
    for file in TINY.iterdir():
        shutil.copy(file, folder / file.name)
    for name in ("radiologists.csv", "availability.csv"):
        text = (folder / name).read_text(encoding="utf-8")
        for old, (new_id, new_name) in PEOPLE.items():
            text = re.sub(rf"\b{old}\b", new_id, text).replace(f"Dr {chr(ord('A') + int(old[1]) - 1)} (test)", new_name)
        (folder / name).write_text(text, encoding="utf-8")
    assert all(new_name in (folder / "radiologists.csv").read_text(encoding="utf-8") for _, new_name in PEOPLE.values())
    return folder / "scenario.toml"


@pytest.fixture(scope="module")
def real_run(scenario, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ars") / "run"
    invoke("run", str(scenario), "--out", str(out), "--time-limit", "3")
    return out


@pytest.fixture(scope="module")
def shared_run(scenario, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shared") / "run"
    invoke("run", str(scenario), "--out", str(out), "--time-limit", "3", "--pseudonymise")
    return out


def contents(path: Path) -> list[tuple[str, bytes]]:
    """What a file holds, as a reader would find it: a workbook's XML unzipped, a calendar's lines unfolded."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as workbook:
            return [(f"{path.name}:{member}", workbook.read(member)) for member in workbook.namelist()]
    if path.suffix == ".ics":
        data = data.replace(b"\r\n ", b"").replace(b"\n ", b"")  # RFC 5545 folds lines at 75 octets
    return [(path.name, data)]


def leaks(files: list[Path]) -> list[str]:
    """Every real name or id found in the files (their bytes, case ignored) or in their names."""
    found = []
    words = [w for pair in PEOPLE.values() for w in pair]
    for path in files:
        for where, data in [(f"file name {path}", str(path).encode()), *contents(path)]:
            found += [f"{word} in {where}" for word in words if word.lower().encode() in data.lower()]
    return found


def every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_the_search_finds_the_people_in_an_ordinary_run(real_run):
    # Without this, a search that could never match would pass every test below.
    found = leaks(every_file(real_run))
    for where in ("rota.csv", "summary.json", "rota.xlsx:xl/", "report.html", "file name"):
        assert any(where in leak for leak in found), where
    assert any(".ics" in leak and "Zephyrine" in leak for leak in found)


def test_run_pseudonymise_writes_a_folder_without_any_name_or_id(shared_run):
    files = every_file(shared_run)
    names = {p.name for p in files}
    assert {"rota.csv", "report.html", "map.png", "plot_workload.png", "rota.xlsx", "rota_grid.csv"} <= names
    assert len([p for p in files if p.suffix == ".ics"]) == len(PEOPLE)
    assert leaks(files) == []
    assert len(set(PSEUDONYM.findall((shared_run / "rota.csv").read_bytes()))) >= 4  # the pseudonyms are there
    assert "pseudonymised: radiologists' names and ids replaced" in (shared_run / "summary.json").read_text("utf-8")
    assert "Document pseudonymisé" in (shared_run / "report.html").read_text("utf-8")


def test_the_key_of_a_shared_run_is_beside_it_for_its_owner_only(shared_run):
    key = shared_run.with_name(shared_run.name + ".pseudonym-key")
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    text = key.read_text(encoding="ascii").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", text)
    assert not any(text.encode() in data for path in every_file(shared_run) for _, data in contents(path))


def test_export_pseudonymise_writes_shared_files_and_keeps_the_key_in_the_run(real_run, tmp_path):
    out = tmp_path / "shared"
    invoke("export", str(real_run), "--format", "all", "--pseudonymise", "--out", str(out))
    files = every_file(out)
    assert {p.suffix for p in files} == {".csv", ".xlsx", ".ics"}
    assert leaks(files) == []
    key = real_run / "pseudonym.key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600 and not (out / "pseudonym.key").exists()
    calendars = sorted(p.name for p in (out / "calendars").iterdir())
    # Again, with the key of the run: the same pseudonyms.
    invoke("export", str(real_run), "--format", "ics", "--pseudonymise", "--out", str(tmp_path / "again"))
    assert sorted(p.name for p in (tmp_path / "again" / "calendars").iterdir()) == calendars
    assert leaks(every_file(real_run / "exports")) != []  # the ARS's own exports are untouched


def test_export_pseudonymise_needs_a_folder_outside_the_run(real_run):
    for out in ([], ["--out", str(real_run)], ["--out", str(real_run.parent)]):
        result = runner.invoke(app, ["export", str(real_run), "--format", "csv", "--pseudonymise", *out])
        assert result.exit_code == 2 and "outside the run folder" in result.output, result.output


def test_report_pseudonymise_names_nobody_and_says_so(real_run, tmp_path):
    invoke("export", str(real_run), "--format", "ics", "--pseudonymise", "--out", str(tmp_path / "shared"))
    out = tmp_path / "report.html"
    invoke("report", str(real_run), "--out", str(out), "--pseudonymise", "--lang", "en")
    assert leaks([out]) == []
    html = out.read_text(encoding="utf-8")
    assert "Pseudonymised: radiologists' names and ids are replaced" in html_module.unescape(html)
    # The pseudonyms of the run's key: a reader can match the report's tables with the shared calendars.
    calendars = {p.stem for p in (tmp_path / "shared" / "calendars").iterdir()}
    assert calendars and all(pseudonym in html for pseudonym in calendars)
