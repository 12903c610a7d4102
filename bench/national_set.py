"""Seeded synthetic national set: one scenario folder per metropolitan region of France, for sweep benchmarks.

Usage (from the repository root)::

    python bench/national_set.py --out regions/france [--seed 1] [--scale 1.0] [--days 28] [--start 2027-01-04]

writes ``<out>/<region>/`` for each of the 13 metropolitan regions of 2016 (Corsica included, 96 départements),
each with ``sites.csv``, ``radiologists.csv``, ``availability.csv``, ``volumes.csv`` and ``scenario.toml``, in the
input contract, as ``bench/synthetic_region.py`` writes one region. From Python::

    from national_set import generate_france   # with bench/ on sys.path
    tomls = generate_france(out="regions/france", seed=1, scale=1.0, days=28)

Everything is SYNTHETIC (no real site, no real person): only the département boundaries are real (IGN Admin
Express COG 2018, Licence Ouverte / Etalab, via github.com/gregoiredavid/france-geojson, see data/README.md).
Deterministic for a seed: each region has its own ``random.Random`` seeded by (seed, region), so a region's
files do not depend on the others; fixed ordering, ``\\n`` line endings.

How the set is drawn:
- sites: 3-5 per département (uniform), times ``--scale`` (rounded half up, at least 1); so about 384 sites at
  scale 1. Each site is a point drawn uniformly (in longitude/latitude: within one département the area
  distortion is about 1 %) inside its département's polygon in data/geo/departements-version-simplifiee.geojson,
  at least 4 km from every other site of its region; its ``departement`` is the polygon it lies in, so Moselle,
  Bas-Rhin and Haut-Rhin sites get their own public holidays. About 10 % of a region's sites are CHU/CHR
  (alternately; each the first site of a département drawn at random), the rest CH; every site has an emergency
  department and a PDS need; GHT = one per département;
- radiologists: 4 per site of the region (so about 1,540 at scale 1), drawn by bench/synthetic_region.py
  (``draw_radiologists``): home sites by site size, FTE, credentials = home + 2-4 nearest sites, topped up so
  that every site has at least 7 credentialed readers (remote sites get conventions with the radiologists of
  their nearest sites; synthetic_region's floor of 5 left the greedy baseline short in one region);
- availability: ``draw_availability`` of bench/synthetic_region.py over a year from the start (5-7 weeks of
  leave each, request_off and request_on days), cut to the horizon, so that a short horizon has the share of
  radiologists on leave of an ordinary month, not the week each that synthetic_region gives any horizon;
- volumes: ``draw_volumes`` of bench/synthetic_region.py.

The default horizon is short (28 days from Monday 2027-01-04) so that a national sweep takes minutes, not hours;
``--days`` sets it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# synthetic_region.py sits beside this file; bench/ is not a package, so make it importable however we are run.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_region import (
    BIG_SHARE,
    MIN_DISTANCE_KM,
    SyntheticRadiologist,
    SyntheticSite,
    draw_availability,
    draw_radiologists,
    draw_volumes,
    km,
    scenario_toml,
    write_region_files,
)

BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "geo" / "departements-version-simplifiee.geojson"
SITES_PER_DEPARTEMENT = (3, 5)
RADIOLOGISTS_PER_SITE = 4
DEFAULT_START = dt.date(2027, 1, 4)
DEFAULT_DAYS = 28
# A small département (Paris is about 105 km²) cannot always hold 5 points 4 km apart: after this many rejected
# draws for one site the département keeps the sites it has, and the run says so, rather than looping forever.
MAX_DRAWS_PER_SITE = 20_000
# synthetic_region.py tops every site up to 5 credentialed readers and its availability keeps 3 of them free; the
# greedy baseline then left two nights of a 5-reader site uncovered in Île-de-France (seed 1, scale 1: its two
# home readers were resting after the night before, CP-SAT found a complete rota). 7 leaves the greedy rota room.
MIN_CREDENTIALED_NATIONAL = 7
LEAVE_WINDOW_DAYS = 365  # leave is drawn over a year, then cut to the horizon (clipped_availability)

# The 13 metropolitan regions since 1 January 2016 (loi n° 2015-29) and their départements: folder name,
# prefix of the region's ids, display name, département codes.
REGIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("auvergne-rhone-alpes", "ARA", "Auvergne-Rhône-Alpes",
     ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74")),
    ("bourgogne-franche-comte", "BFC", "Bourgogne-Franche-Comté", ("21", "25", "39", "58", "70", "71", "89", "90")),
    ("bretagne", "BRE", "Bretagne", ("22", "29", "35", "56")),
    ("centre-val-de-loire", "CVL", "Centre-Val de Loire", ("18", "28", "36", "37", "41", "45")),
    ("corse", "COR", "Corse", ("2A", "2B")),
    ("grand-est", "GES", "Grand Est", ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")),
    ("hauts-de-france", "HDF", "Hauts-de-France", ("02", "59", "60", "62", "80")),
    ("ile-de-france", "IDF", "Île-de-France", ("75", "77", "78", "91", "92", "93", "94", "95")),
    ("normandie", "NOR", "Normandie", ("14", "27", "50", "61", "76")),
    ("nouvelle-aquitaine", "NAQ", "Nouvelle-Aquitaine",
     ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87")),
    ("occitanie", "OCC", "Occitanie",
     ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")),
    ("pays-de-la-loire", "PDL", "Pays de la Loire", ("44", "49", "53", "72", "85")),
    ("provence-alpes-cote-d-azur", "PAC", "Provence-Alpes-Côte d'Azur", ("04", "05", "06", "13", "83", "84")),
)  # fmt: skip


@dataclass
class NationalSite(SyntheticSite):
    """A synthetic site anywhere in France: synthetic_region's GHT table only knows Lorraine, so the GHT is kept."""

    ght_name: str = ""

    @property
    def ght(self) -> str:
        return self.ght_name


def load_departements(path: Path | str = BOUNDARIES) -> dict[str, tuple[str, object]]:
    """Département code -> (name, prepared shapely geometry in WGS84 lon/lat)."""
    import geopandas as gpd
    import shapely

    frame = gpd.read_file(path)
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    out: dict[str, tuple[str, object]] = {}
    for code, name, geometry in zip(frame["code"], frame["nom"], frame.geometry, strict=True):
        shapely.prepare(geometry)  # many containment tests per polygon
        out[str(code)] = (str(name), geometry)
    expected = {code for *_, codes in REGIONS for code in codes}
    if set(out) != expected:
        raise ValueError(f"{path}: expected the 96 metropolitan départements, missing {sorted(expected - set(out))}")
    return out


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def draw_point(geometry: object, rng: random.Random) -> tuple[float, float]:
    """A point uniform in lon/lat inside the polygon (rejection in its bounds), rounded as sites.csv writes it, so
    that the written coordinates themselves lie inside."""
    import shapely

    west, south, east, north = geometry.bounds  # type: ignore[attr-defined]
    while True:
        lat = round(rng.uniform(south, north), 5)
        lon = round(rng.uniform(west, east), 5)
        if shapely.contains_xy(geometry, lon, lat):
            return lat, lon


def draw_region_sites(
    prefix: str,
    codes: Sequence[str],
    departements: Mapping[str, tuple[str, object]],
    scale: float,
    rng: random.Random,
    notes: list[str],
) -> list[NationalSite]:
    counts = {code: max(1, round_half_up(rng.randint(*SITES_PER_DEPARTEMENT) * scale)) for code in codes}
    sites: list[NationalSite] = []
    first_of: list[int] = []  # index of each département's first site: the candidates for CHU/CHR
    for code in codes:
        name, geometry = departements[code]
        placed = 0
        draws = 0
        while placed < counts[code] and draws < MAX_DRAWS_PER_SITE * counts[code]:
            draws += 1
            lat, lon = draw_point(geometry, rng)
            probe = SyntheticSite("", "", "", code, lat, lon)
            if any(km(probe, s) < MIN_DISTANCE_KM for s in sites):
                continue
            placed += 1
            if placed == 1:
                first_of.append(len(sites))
            site_id = f"{prefix.lower()}_{code.lower()}_s{placed:02d}"
            sites.append(NationalSite(site_id, f"{name} {placed}", "CH", code, lat, lon, f"GHT {name} (synthetic)"))
        if placed < counts[code]:
            notes.append(f"{prefix} {code} {name}: {placed} of {counts[code]} sites fit {MIN_DISTANCE_KM:g} km apart")
    big = max(1, round(len(sites) * BIG_SHARE)) if len(sites) >= 3 else 0
    for number, index in enumerate(sorted(rng.sample(first_of, min(big, len(first_of))))):
        sites[index].kind = ("CHU", "CHR")[number % 2]
    for s in sites:
        s.name = f"{s.kind} {s.name} (synthetic)"
    return sites


def top_up(sites: Sequence[SyntheticSite], radiologists: Sequence[SyntheticRadiologist], minimum: int) -> None:
    """synthetic_region.top_up with a higher floor (its own is a module constant): each site with fewer than
    `minimum` credentialed readers gets conventions with the remote radiologists of its nearest sites, those with
    the fewest credentials first."""
    for site in sites:
        nearest = sorted((t for t in sites if t is not site), key=lambda t: (km(site, t), t.site_id))
        for reader in nearest:
            count = sum(site.site_id in r.sites for r in radiologists)
            if count >= minimum:
                break
            pool = [
                r for r in radiologists if r.home_site == reader.site_id and r.remote and site.site_id not in r.sites
            ]
            pool.sort(key=lambda r: (len(r.sites), r.radiologist_id))
            for r in pool[: minimum - count]:
                r.sites.append(site.site_id)


def clipped_availability(
    radiologists: Sequence[SyntheticRadiologist], start: dt.date, end: dt.date, rng: random.Random
) -> list[tuple[str, str, str, str]]:
    """synthetic_region's availability drawn over a year from `start` (or the horizon, if longer), then cut to the
    horizon. Drawn over the horizon alone, every radiologist gets at least one week of leave: on the short horizons
    of a sweep that is half of them off in 14 days, a quarter in 28 (the greedy baseline then left nights
    uncovered); over a year it is the 5-7 weeks of the bundled data. The cut keeps synthetic_region's guarantee (at
    least 3 credentialed radiologists free per site and date), which it checks date by date."""
    window_end = max(end, start + dt.timedelta(days=LEAVE_WINDOW_DAYS - 1))
    rows = []
    for radiologist_id, first, last, kind in draw_availability(radiologists, start, window_end, rng):
        if first > end.isoformat() or last < start.isoformat():  # ISO dates compare as text
            continue
        rows.append((radiologist_id, max(first, start.isoformat()), min(last, end.isoformat()), kind))
    return sorted(rows)


def generate_one(
    folder: str,
    prefix: str,
    label: str,
    codes: Sequence[str],
    departements: Mapping[str, tuple[str, object]],
    *,
    seed: int,
    scale: float,
    start: dt.date,
    days: int,
    out: Path,
    notes: list[str],
) -> tuple[Path, int, int]:
    """Write one region's scenario folder; returns its scenario.toml, sites and radiologists."""
    end = start + dt.timedelta(days=days - 1)
    # A string seed is hashed with SHA-512 by random.Random, so it does not depend on PYTHONHASHSEED.
    rng = random.Random(f"pds-plan national set {seed} {folder}")
    sites = draw_region_sites(prefix, codes, departements, scale, rng, notes)
    radiologists: list[SyntheticRadiologist] = draw_radiologists(sites, RADIOLOGISTS_PER_SITE * len(sites), rng)
    top_up(sites, radiologists, MIN_CREDENTIALED_NATIONAL)
    for number, r in enumerate(radiologists, start=1):
        r.radiologist_id = f"{prefix}-R{number:04d}"  # ids unique across the set, not only in the region
    availability = clipped_availability(radiologists, start, end, rng)
    volumes = draw_volumes(sites, rng)

    target = out / folder
    target.mkdir(parents=True, exist_ok=True)
    write_region_files(target, sites, radiologists, availability, volumes)
    toml = target / "scenario.toml"
    toml.write_text(
        f"# SYNTHETIC region written by bench/national_set.py (seed {seed}, scale {scale:g}): no real site, no real\n"
        f"# person. Only the boundaries of its départements ({', '.join(codes)}) are real, used to place the sites:\n"
        "# IGN Admin Express COG 2018 (Licence Ouverte / Etalab), via github.com/gregoiredavid/france-geojson.\n"
        + scenario_toml(
            f"synthetic-{folder}-seed{seed}",
            start,
            end,
            f'description = "{label} (synthetic): {len(sites)} sites, {len(radiologists)} radiologists"\n',
        ),
        encoding="utf-8",
    )
    return toml, len(sites), len(radiologists)


def generate_france(
    out: Path | str,
    seed: int = 1,
    scale: float = 1.0,
    days: int = DEFAULT_DAYS,
    start: dt.date = DEFAULT_START,
    regions: Sequence[str] | None = None,
    boundaries: Path | str = BOUNDARIES,
    verbose: bool = False,
) -> list[Path]:
    """Write the national set (or only the named region folders) into `out`; returns the scenario.toml paths."""
    if scale <= 0 or days < 1:
        raise ValueError("scale must be positive and days at least 1")
    known = [r[0] for r in REGIONS]
    unknown = sorted(set(regions or ()) - set(known))
    if unknown:
        raise ValueError(f"unknown regions {unknown}; known: {', '.join(known)}")
    departements = load_departements(boundaries)
    out = Path(out)
    notes: list[str] = []
    tomls: list[Path] = []
    totals = [0, 0]
    for folder, prefix, label, codes in REGIONS:
        if regions and folder not in regions:
            continue
        toml, n_sites, n_radiologists = generate_one(
            folder, prefix, label, codes, departements,
            seed=seed, scale=scale, start=start, days=days, out=out, notes=notes,
        )  # fmt: skip
        tomls.append(toml)
        totals[0] += n_sites
        totals[1] += n_radiologists
        if verbose:
            print(f"{folder:28} {len(codes):3} départements {n_sites:4} sites {n_radiologists:5} radiologists")
    if verbose:
        print(f"{'total':28} {len(tomls):3} regions      {totals[0]:4} sites {totals[1]:5} radiologists (synthetic)")
        for note in notes:
            print(f"note: {note}")
    return tomls


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder; one sub-folder per region")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies sites (and so radiologists); default 1")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"horizon in days (default {DEFAULT_DAYS})")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=DEFAULT_START, help=f"first date (default {DEFAULT_START})"
    )
    parser.add_argument("--regions", help="comma-separated region folders to write (default all 13)")
    parser.add_argument("--boundaries", type=Path, default=BOUNDARIES, help="départements GeoJSON (default bundled)")
    args = parser.parse_args(argv)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()] if args.regions else None
    try:
        generate_france(args.out, args.seed, args.scale, args.days, args.start, regions, args.boundaries, verbose=True)
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
