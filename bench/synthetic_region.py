"""Seeded synthetic region for benchmarks: a complete scenario folder of any size, in the input contract.

Usage (from the repository root)::

    python bench/synthetic_region.py --sites 25 --radiologists 100 --days 90 [--start 2027-01-01] [--seed 1] \\
        --out regions/medium

writes ``sites.csv``, ``radiologists.csv``, ``availability.csv``, ``volumes.csv`` and ``scenario.toml`` (which
points at them with relative paths) into ``--out``. From Python::

    from bench.synthetic_region import generate_region
    toml = generate_region(sites=25, radiologists=100, days=90, seed=1, out="regions/medium")

Everything is SYNTHETIC (no real site, no real person) and deterministic for a seed (one ``random.Random``, fixed
ordering, ``\\n`` line endings). Standard library only; it does not import ``pds_plan``.

How the region is drawn (shaped on the bundled data, see data/generate.py and docs/rules.md "Sources"):
- sites: random points in a 200 km box around 48.7 N 6.2 E (Lorraine), at least 4 km apart; the département
  (54, 55, 57, 88) follows from the position, so Moselle (57) sites get their own public holidays (Good Friday,
  26 December); ~10 % of the sites are CHU/CHR (alternately), the rest CH; every site has an emergency department
  and a PDS need;
- radiologists: spread over home sites in proportion to the site's size (CHU 14, CHR 9, CH 3-6 each, largest
  remainder); FTE 1.0 / 0.8 / 0.6 / 0.5 (70 / 14 / 9 / 7 %); credentials = home site + the 2-4 nearest sites,
  except one CHU radiologist in five who only reads on site (remote = false); then every site with fewer than
  5 credentialed radiologists gets conventions with the radiologists of its nearest sites;
- availability: about 5-7 weeks of leave a year per radiologist, pro rata the horizon (at least one week; summer,
  Christmas and February weeks more likely), a few request_off days and the odd request_on day; an event is
  dropped when it would leave a site with fewer than 3 credentialed radiologists free on a date (request_off
  counted as not free), so that availability alone does not make the region infeasible;
- volumes: mean exams per night drawn in the ranges of the bundled data (CH: CT 2-6, XR 1-4, US 0.3-1;
  CHR: CT 5-10, XR 3-8; CHU: CT 8-14, XR 6-10, and MRI 0.3-0.9); a Saturday afternoon is 40 % of a night, a
  Sunday/holiday day 70 %.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CENTRE = (48.7, 6.2)  # lat, lon: Nancy, Lorraine
BOX_KM = 200.0
MIN_DISTANCE_KM = 4.0
MIN_CREDENTIALED = 5
MIN_FREE_PER_SITE = 3
BIG_SHARE = 0.10  # CHU/CHR among sites
PERIOD_FACTORS = (("night", 1.0), ("saturday", 0.4), ("sunday_holiday", 0.7))
NIGHT_RANGES = {  # mean exams per night, by site kind and modality
    "CH": {"CT": (2.0, 6.0), "XR": (1.0, 4.0), "US": (0.3, 1.0)},
    "CHR": {"CT": (5.0, 10.0), "XR": (3.0, 8.0), "US": (0.5, 1.2)},
    "CHU": {"CT": (8.0, 14.0), "XR": (6.0, 10.0), "US": (0.8, 1.5), "MRI": (0.3, 0.9)},
}
MODALITIES = {"CH": ("CT", "XR", "US"), "CHR": ("CT", "MRI", "XR", "US"), "CHU": ("CT", "MRI", "XR", "US")}
HEAD_COUNT = {"CHU": (14, 14), "CHR": (9, 9), "CH": (3, 6)}  # PDS radiologists based at a site: weight range
FTE_CHOICES = ((1.0, 0.8, 0.6, 0.5), (70, 14, 9, 7))
LEAVE_WEEKS_PER_YEAR = (5, 7)
GHT = {"54": "GHT Sud Lorraine", "55": "GHT Cœur Grand Est", "57": "GHT Lorraine Nord", "88": "GHT Vosges"}
TOWNS = (
    "Aubeval", "Belrupt", "Champigneulles-sur-Orne", "Dommartin", "Étain-le-Haut", "Faulquemont-la-Côte",
    "Gérardmer-Bas", "Hayange-Vieux", "Insming", "Jarville-la-Grande", "Kédange", "Longwy-Haut", "Mirecourt-Val",
    "Neufchâteau-sur-Meuse", "Ottange", "Pompey-les-Forges", "Raon-l'Étape", "Sarrebourg-le-Bas", "Toul-Moselle",
    "Uckange", "Vittel-les-Bains", "Woippy-Nord", "Xertigny", "Yutz-la-Ville", "Zetting",
)  # fmt: skip
SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent", "Simon",
    "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont",
    "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer",
    "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin",
    "Nicolas", "Henry", "Roussel", "Mathieu", "Masson", "Marchand", "Duval", "Schmitt", "Klein", "Weber", "Meyer",
)  # fmt: skip
INITIALS = "ABCDEFGHIJLMNOPRSTV"


@dataclass
class SyntheticSite:
    site_id: str
    name: str
    kind: str
    departement: str
    lat: float
    lon: float

    @property
    def ght(self) -> str:
        return GHT[self.departement]


@dataclass
class SyntheticRadiologist:
    radiologist_id: str
    name: str
    home_site: str
    fte: float
    sites: list[str] = field(default_factory=list)
    remote: bool = True


def km(a: SyntheticSite, b: SyntheticSite) -> float:
    """Great-circle distance in km (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = (math.radians(v) for v in (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def departement_at(lat: float, lon: float) -> str:
    """A rough map of Lorraine: Vosges south, Meuse west, Moselle north-east, Meurthe-et-Moselle in between."""
    if lat < 48.45:
        return "88"
    if lon < 5.75:
        return "55"
    if (lat > 48.85 and lon > 5.95) or lon > 6.75:
        return "57"
    return "54"


def draw_sites(count: int, rng: random.Random) -> list[SyntheticSite]:
    half_lat = BOX_KM / 2 / 111.2
    half_lon = BOX_KM / 2 / (111.2 * math.cos(math.radians(CENTRE[0])))
    big = max(1, round(count * BIG_SHARE)) if count >= 3 else 0
    sites: list[SyntheticSite] = []
    towns = list(TOWNS)
    while len(sites) < count:
        lat = round(CENTRE[0] + rng.uniform(-half_lat, half_lat), 5)
        lon = round(CENTRE[1] + rng.uniform(-half_lon, half_lon), 5)
        number = len(sites) + 1
        probe = SyntheticSite("", "", "", "54", lat, lon)
        if any(km(probe, s) < MIN_DISTANCE_KM for s in sites):
            continue
        kind = ("CHU", "CHR")[(number - 1) % 2] if number <= big else "CH"
        town = f"{towns[(number - 1) % len(towns)]}" + (f" {(number - 1) // len(towns) + 1}" if number > 25 else "")
        label = {"CHU": "CHU", "CHR": "CHR", "CH": "CH"}[kind]
        sites.append(
            SyntheticSite(f"syn_s{number:03d}", f"{label} {town} (synthetic)", kind, departement_at(lat, lon), lat, lon)
        )
    return sites


def head_counts(sites: Sequence[SyntheticSite], total: int, rng: random.Random) -> list[int]:
    """Radiologists per home site, proportional to a size weight per site (largest remainder)."""
    weights = [rng.uniform(*HEAD_COUNT[s.kind]) for s in sites]
    exact = [total * w / sum(weights) for w in weights]
    counts = [math.floor(e) for e in exact]
    by_remainder = sorted(range(len(sites)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def unique_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(50):
        name = f"Dr {rng.choice(INITIALS)}. {rng.choice(SURNAMES)}"
        if name not in used:
            used.add(name)
            return name
    name = f"Dr {rng.choice(INITIALS)}. {rng.choice(SURNAMES)} {len(used) + 1}"
    used.add(name)
    return name


def draw_radiologists(sites: Sequence[SyntheticSite], total: int, rng: random.Random) -> list[SyntheticRadiologist]:
    nearest = {s.site_id: sorted((t for t in sites if t is not s), key=lambda t: (km(s, t), t.site_id)) for s in sites}
    radiologists: list[SyntheticRadiologist] = []
    used: set[str] = set()
    for site, count in zip(sites, head_counts(sites, total, rng), strict=True):
        for i in range(count):
            fte = rng.choices(*FTE_CHOICES)[0]
            radiologist = SyntheticRadiologist(
                f"SYN-R{len(radiologists) + 1:04d}", unique_name(rng, used), site.site_id, fte, [site.site_id]
            )
            if site.kind == "CHU" and i % 5 == 4:
                radiologist.remote = False  # on-site garde at the CHU: no convention elsewhere
            else:
                radiologist.sites += [t.site_id for t in nearest[site.site_id][: rng.randint(2, 4)]]
            radiologists.append(radiologist)
    top_up(sites, radiologists, nearest)
    return radiologists


def top_up(
    sites: Sequence[SyntheticSite],
    radiologists: list[SyntheticRadiologist],
    nearest: dict[str, list[SyntheticSite]],
) -> None:
    """Give each site with fewer than MIN_CREDENTIALED readers conventions with its nearest sites' radiologists."""
    for site in sites:
        for reader in nearest[site.site_id]:
            count = sum(site.site_id in r.sites for r in radiologists)
            if count >= MIN_CREDENTIALED:
                break
            pool = [
                r for r in radiologists if r.home_site == reader.site_id and r.remote and site.site_id not in r.sites
            ]
            pool.sort(key=lambda r: (len(r.sites), r.radiologist_id))
            for r in pool[: MIN_CREDENTIALED - count]:
                r.sites.append(site.site_id)


def days_of(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


def draw_availability(
    radiologists: Sequence[SyntheticRadiologist], start: dt.date, end: dt.date, rng: random.Random
) -> list[tuple[str, str, str, str]]:
    horizon = list(days_of(start, end))
    credentialed: dict[str, int] = {}
    for r in radiologists:
        for s in r.sites:
            credentialed[s] = credentialed.get(s, 0) + 1
    free = {(s, d): n for s, n in credentialed.items() for d in horizon}
    booked: dict[str, set[dt.date]] = {r.radiologist_id: set() for r in radiologists}
    rows: list[tuple[str, str, str, str]] = []

    def try_add(r: SyntheticRadiologist, first: dt.date, last: dt.date, kind: str) -> bool:
        days = [d for d in days_of(first, last) if start <= d <= end]
        if not days or any(d in booked[r.radiologist_id] for d in days):
            return False
        if kind != "request_on":
            if any(free[(s, d)] - 1 < MIN_FREE_PER_SITE for s in r.sites for d in days):
                return False
            for s in r.sites:
                for d in days:
                    free[(s, d)] -= 1
        booked[r.radiologist_id].update(days)
        rows.append((r.radiologist_id, first.isoformat(), last.isoformat(), kind))
        return True

    mondays = [d for d in days_of(start - dt.timedelta(days=6), end) if d.weekday() == 0]

    def appeal(monday: dt.date) -> float:
        """School-holiday weeks are more likely for leave: summer, Christmas, February."""
        if monday.month in (7, 8) or (monday.month == 12 and monday.day >= 18) or (monday.month == 2):
            return 3.0
        return 1.0

    years = len(horizon) / 365.0
    for r in radiologists:
        weeks = max(1, round(rng.uniform(*LEAVE_WEEKS_PER_YEAR) * years))
        for _ in range(weeks):
            options = rng.choices(mondays, weights=[appeal(m) for m in mondays], k=6)
            for monday in options:
                if try_add(r, monday, monday + dt.timedelta(days=6), "unavailable"):
                    break
        for _ in range(rng.randint(0, max(1, round(3 * years * 4)))):
            if rng.random() < 0.5:
                day = rng.choice(horizon)
                try_add(r, day, day, "request_off")
        if rng.random() < 0.1 * max(1.0, years * 4):
            day = rng.choice(horizon)
            try_add(r, day, day, "request_on")
    rows.sort()
    return rows


def draw_volumes(sites: Sequence[SyntheticSite], rng: random.Random) -> list[tuple[str, str, str, str]]:
    rows = []
    for site in sites:
        for modality in MODALITIES[site.kind]:
            low_high = NIGHT_RANGES[site.kind].get(modality)
            if low_high is None:
                continue  # MRI at night only at CHU sites
            night = rng.uniform(*low_high)
            for period, factor in PERIOD_FACTORS:
                rows.append((site.site_id, modality, period, f"{max(0.1, round(night * factor, 1)):.1f}"))
    return rows


def site_row(s: SyntheticSite) -> tuple[str, ...]:
    position = (f"{s.lat:.5f}", f"{s.lon:.5f}")
    return (
        s.site_id,
        s.name,
        s.kind,
        s.departement,
        *position,
        ";".join(MODALITIES[s.kind]),
        "true",
        "true",
        "",
        s.ght,
    )


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def scenario_toml(name: str, start: dt.date, end: dt.date, extra: str = "") -> str:
    """The scenario file of a region written by these generators (after its header comment); `extra` goes into
    [scenario] after the name."""
    return (
        "[scenario]\n"
        f'name = "{name}"\n' + extra + f"start = {start.isoformat()}\n"
        f"end = {end.isoformat()}\n"
        "\n[data]\n"
        'synthetic = ["sites", "radiologists", "availability", "volumes"]\n'
        'sites = "sites.csv"\n'
        'radiologists = "radiologists.csv"\n'
        'availability = "availability.csv"\n'
        'volumes = "volumes.csv"\n'
        "\n[rules]\n"
        "max_sites_per_radiologist = 3\n"
        "min_rest_hours = 11\n"
        "max_block_hours = 24\n"
    )


def write_region_files(out: Path, sites: list, radiologists: list, availability: list, volumes: list) -> None:
    """The four CSV files of a region, in the input contract (also used by bench/national_set.py)."""
    write_csv(
        out / "sites.csv",
        ("site_id", "name", "kind", "departement", "lat", "lon", "modalities", "emergency", "pds", "finess", "ght"),
        (site_row(s) for s in sites),
    )
    write_csv(
        out / "radiologists.csv",
        ("radiologist_id", "name", "home_site", "fte", "sites", "remote"),
        (
            (r.radiologist_id, r.name, r.home_site, f"{r.fte:.1f}", ";".join(r.sites), "true" if r.remote else "false")
            for r in radiologists
        ),
    )
    write_csv(out / "availability.csv", ("radiologist_id", "start", "end", "kind"), availability)
    write_csv(out / "volumes.csv", ("site_id", "modality", "period", "mean_exams"), volumes)


def generate_region(
    sites: int, radiologists: int, days: int, seed: int = 1, out: Path | str = ".", start: dt.date | None = None
) -> Path:
    """Write a synthetic scenario folder into `out` and return the path of its scenario.toml."""
    if sites < 1 or radiologists < 1 or days < 1:
        raise ValueError("sites, radiologists and days must be at least 1")
    start = start or dt.date(2027, 1, 1)
    end = start + dt.timedelta(days=days - 1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    site_list = draw_sites(sites, rng)
    radiologist_list = draw_radiologists(site_list, radiologists, rng)
    availability = draw_availability(radiologist_list, start, end, rng)
    volumes = draw_volumes(site_list, rng)

    write_region_files(out, site_list, radiologist_list, availability, volumes)
    name = f"synthetic-{sites}s-{radiologists}r-{days}d-seed{seed}"
    toml = out / "scenario.toml"
    toml.write_text(
        f"# SYNTHETIC region written by bench/synthetic_region.py (seed {seed}): no real site or person.\n"
        + scenario_toml(name, start, end),
        encoding="utf-8",
    )
    return toml


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, required=True, help="number of sites (all with a PDS need)")
    parser.add_argument("--radiologists", type=int, required=True, help="number of radiologists")
    parser.add_argument("--days", type=int, required=True, help="horizon length in days")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2027, 1, 1), help="first date")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    args = parser.parse_args(argv)
    toml = generate_region(args.sites, args.radiologists, args.days, args.seed, args.out, args.start)
    print(toml)


if __name__ == "__main__":
    main()
