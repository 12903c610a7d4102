import csv
import shutil
from pathlib import Path

from pds_plan import load_scenario
from pds_plan.io.rota import load_rota
from pds_plan.io.schemas import RadiologistRow
from pds_plan.io.tables import Findings, load_table

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
LINK = '=HYPERLINK("http://x","y")'


def rewrite(path: Path, change) -> None:
    """Rewrite a CSV file row by row (header included) with `change(row) -> row`, quoting as Excel does."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = [change(row) for row in csv.reader(stream)]
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)


def test_a_name_the_tool_quoted_reads_back_as_it_was_typed(tmp_path):
    shutil.copytree(TINY, tmp_path / "tiny")
    path = tmp_path / "tiny" / "radiologists.csv"
    quoted = {"Dr A (test)": "'" + LINK, "Dr B (test)": "'+1+1", "Dr C (test)": "'Dr C"}
    rewrite(path, lambda row: [quoted.get(v, v) for v in row])
    assert '\'=HYPERLINK(""http://x"",""y"")' in path.read_text(encoding="utf-8")
    findings = Findings()
    table = load_table(path, RadiologistRow, findings)
    assert not findings.errors
    names = {row.radiologist_id: row.name for _, row in table.rows}
    assert names["R1"] == LINK
    assert names["R2"] == "+1+1"
    assert names["R3"] == "'Dr C"  # not a quote the tool writes: kept
    assert table.declared("name") >= {LINK, "+1+1"}
    scenario = load_scenario(tmp_path / "tiny" / "scenario.toml")
    assert {r.radiologist_id: r.name for r in scenario.radiologists}["R1"] == LINK


def test_a_rota_with_quoted_ids_reads_back_with_the_scenarios_ids(tmp_path):
    shutil.copytree(TINY, tmp_path / "tiny")
    for name in ("radiologists.csv", "availability.csv"):
        rewrite(tmp_path / "tiny" / name, lambda row: ["-R1" if v == "R1" else v for v in row])
    scenario = load_scenario(tmp_path / "tiny" / "scenario.toml")
    assert "-R1" in {r.radiologist_id for r in scenario.radiologists}
    rota = tmp_path / "rota.csv"
    rota.write_text("date,period,site_id,radiologist_id\n2027-01-01,night,nancy,'-R1\n", encoding="utf-8")
    [assignment] = load_rota(rota, scenario)
    assert assignment.radiologist_id == "-R1"
