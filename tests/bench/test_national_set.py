"""The synthetic national set of bench/national_set.py: 13 regions, sites inside their départements, seeded."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPT = BENCH / "national_set.py"
SCALE = "0.25"  # one site per département (a draw of 3-5 times 0.25, rounded half up, is 1): 96 sites in all
DAYS = "7"


def generate(out: Path, seed: str = "3") -> None:
    # As a script, the way the benchmark README runs it (bench/ is not a package).
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), "--seed", seed, "--scale", SCALE, "--days", DAYS],
        check=True,
        capture_output=True,
        text=True,
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("france")
    generate(out)
    return out


def test_thirteen_regions_with_every_departement(national: Path) -> None:
    folders = sorted(p.name for p in national.iterdir() if p.is_dir())
    assert len(folders) == 13
    assert "corse" in folders and "grand-est" in folders
    departements = set()
    for folder in folders:
        assert {p.name for p in (national / folder).iterdir()} == {
            "sites.csv", "radiologists.csv", "availability.csv", "volumes.csv", "scenario.toml",
        }  # fmt: skip
        assert (national / folder / "scenario.toml").read_text(encoding="utf-8").startswith("# SYNTHETIC")
        with open(national / folder / "sites.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert all(row["name"].endswith("(synthetic)") for row in rows)
        departements.update(row["departement"] for row in rows)
    assert len(departements) == 96


def test_every_site_lies_inside_its_departement(national: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    boundaries = gpd.read_file(BENCH.parent / "data" / "geo" / "departements-version-simplifiee.geojson")
    polygons = dict(zip(boundaries["code"], boundaries.geometry, strict=True))
    checked = 0
    for sites in national.glob("*/sites.csv"):
        with open(sites, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                point = Point(float(row["lon"]), float(row["lat"]))
                assert polygons[row["departement"]].contains(point), (sites.parent.name, row["site_id"])
                checked += 1
    assert checked >= 96


def test_same_seed_same_bytes(national: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again)
    assert tree_bytes(again) == tree_bytes(national)
    other = tmp_path / "other"
    generate(other, seed="4")
    assert tree_bytes(other) != tree_bytes(national)


def test_a_small_region_loads(national: Path) -> None:
    from pds_plan import load_scenario

    scenario = load_scenario(national / "corse" / "scenario.toml")
    assert {s.departement for s in scenario.sites} == {"2A", "2B"}
    assert len(scenario.radiologists) == 4 * len(scenario.sites)
    moselle = load_scenario(national / "grand-est" / "scenario.toml")
    assert {s.holiday_subdivision for s in moselle.sites if s.departement in ("57", "67", "68")} == {
        "57",
        "6AE",
    }
