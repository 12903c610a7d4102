"""Site kinds: FINESS labels map to the four kinds, other hospitals load as OTHER, an unknown label only warns.

The kind only chooses a map marker (docs/input-contract.md "sites.csv"), so a held-out region's `clinic` or a
FINESS export's "Centre Hospitalier" must not reject the scenario.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pds_plan import InputError, load_scenario
from pds_plan.cli.app import app
from pds_plan.domain.model import SiteKind
from pds_plan.io.schemas import site_kind_of

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
runner = CliRunner()


def with_kinds(tmp_path: Path, kinds: dict[str, str]) -> Path:
    """A copy of the tiny scenario whose sites (by id) have the kinds given."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    lines = (folder / "sites.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = header.index("kind")
    for number, line in enumerate(lines[1:], start=1):
        values = line.split(",")
        values[at] = kinds.get(values[0], values[at])
        lines[number] = ",".join(values)
    (folder / "sites.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "scenario.toml"


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Centre Hospitalier Universitaire", SiteKind.CHU),
        ("CHRU", SiteKind.CHU),
        ("chu", SiteKind.CHU),
        ("Centre Hospitalier Régional", SiteKind.CHR),
        ("CENTRE HOSPITALIER REGIONAL", SiteKind.CHR),
        ("Centre Hospitalier Régional (C.H.R.)", SiteKind.CHR),
        ("C.H.R.", SiteKind.CHR),
        ("Centre Hospitalier", SiteKind.CH),
        ("Centre Hospitalier (C.H.)", SiteKind.CH),
        ("CH", SiteKind.CH),
        ("Hôpital local", SiteKind.CH),
        ("hopital LOCAL", SiteKind.CH),
        ("Clinique", SiteKind.CLINIQUE),
        ("Polyclinique", SiteKind.CLINIQUE),
        ("clinic", SiteKind.CLINIQUE),
        ("Private clinic", SiteKind.CLINIQUE),
        ("ESPIC", SiteKind.OTHER),
        ("HIA", SiteKind.OTHER),
        ("Hôpital d'instruction des armées", SiteKind.OTHER),
        ("CLCC", SiteKind.OTHER),
        ("Centre de lutte contre le cancer", SiteKind.OTHER),
    ],
)
def test_finess_and_planner_labels_name_a_kind_whatever_their_case_and_accents(label, kind):
    assert site_kind_of(label) is kind


@pytest.mark.parametrize("label", ["Foo", "CHUU", "hôpital", "5"])
def test_a_label_naming_no_kind_is_recognised_as_none(label):
    assert site_kind_of(label) is None


def test_clinic_is_a_clinique_and_an_unknown_kind_loads_as_other_with_a_located_warning(tmp_path):
    path = with_kinds(tmp_path, {"pont": "clinic", "verdun": "Foo"})
    scenario = load_scenario(path)
    assert scenario.site("pont").kind == "clinique" and scenario.site("pont").kind_label is None
    verdun = scenario.site("verdun")
    assert (verdun.kind, verdun.kind_label) == ("other", "Foo")
    kind_warnings = [w for w in scenario.warnings if w.column == "kind"]
    assert len(kind_warnings) == 1
    (warning,) = kind_warnings
    assert (Path(warning.file).name, warning.row) == ("sites.csv", 4)
    assert "'Foo' is not a known site kind" in warning.message
    assert "CHU, CHR, CH, clinique" in warning.message and "loaded as 'other'" in warning.message


def test_other_hospitals_load_as_other_keeping_their_label_without_a_warning(tmp_path):
    path = with_kinds(tmp_path, {"metz": "HIA", "verdun": "ESPIC", "nancy": "Centre Hospitalier Universitaire"})
    scenario = load_scenario(path)
    assert [(s.kind, s.kind_label) for s in scenario.sites] == [
        ("CHU", None),
        ("other", "HIA"),
        ("other", "ESPIC"),
        ("clinique", None),
    ]
    assert not [w for w in scenario.warnings if w.column == "kind"]


def test_an_empty_kind_is_still_an_error(tmp_path):
    path = with_kinds(tmp_path, {"verdun": ""})
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert [(Path(p.file).name, p.row, p.column) for p in caught.value.problems] == [("sites.csv", 4, "kind")]


def test_validate_passes_with_a_warning_for_the_unknown_kind_only(tmp_path):
    path = with_kinds(tmp_path, {"pont": "clinic", "verdun": "Foo"})
    result = runner.invoke(app, ["validate", str(path)], env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "is not a known site kind" in line]
    assert len(warnings) == 1 and "sites.csv:4: column 'kind': 'Foo'" in warnings[0]
    assert "other" in result.output  # the summary's sites by kind
