"""Coverage maps: the PDS sites of a scenario, their pools and who reads whom, on the bundled département boundaries.

`plot_coverage` draws on a matplotlib Axes (composable in notebooks); `write_map` renders an A4 page to PNG, SVG or
PDF, atomically. Everything is drawn in Lambert-93 (EPSG:2154), in metres, from the bundled IGN boundaries (no
network). For a run the map shows each site's most frequent pooling over the horizon and a line from each site to
the home site of the radiologists who most often read it in that pool; for one date, that night's actual
assignment.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import matplotlib.patheffects as patheffects
import numpy as np
import pandas as pd
from babel.lists import format_list
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox
from shapely.geometry import box

from pds_plan.bundled import bundled_geo
from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.demand import expected_exams_by_site
from pds_plan.domain.language import Language, cover_title, long_date, number, short_date
from pds_plan.domain.model import Scenario, Site, SiteKind
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.writers import atomic_write_bytes, refuse_to_overwrite

LAMBERT_93 = "EPSG:2154"
WGS84 = "EPSG:4326"
DEPARTEMENTS_FILE = "departements-version-simplifiee.geojson"
REGIONS_FILE = "regions-avant-redecoupage-2015.geojson"
FORMATS = ("png", "svg", "pdf")
A4_PORTRAIT = (8.27, 11.69)
PNG_DPI = 200
MARGIN_M = 30_000  # around the sites' bounding box, when the region is not known
REGION_MARGIN_M = 8_000  # around the region's outline
CONTEXT_M = 250_000  # boundaries kept beyond the margin, so that an axes wider than the sites is still filled

# Marker shape of each site kind; markers of the same area look about equally heavy (marker_area_scale). A kind
# outside the four (ESPIC, HIA, CLCC, or a label not recognised) gets a neutral hexagon, its labels named in the
# legend.
OTHER_MARKER = "h"
KIND_MARKERS = {"CHU": "s", "CHR": "D", "CH": "o", "clinique": "^", SiteKind.OTHER.value: OTHER_MARKER}
LEGEND_WIDTH = 36  # characters of a legend line before it wraps (the legends sit in a third of an A4 page)

# Every word the map shows, one dict per language (as the report's TEXT dicts).
TEXT: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {
        "scenario_pools": "horizon {horizon} ; mutualisations de pools.csv",
        "scenario_sites": "horizon {horizon} ; sites seuls (ni planning, ni mutualisation)",
        "horizon_run": "{horizon} : mutualisation la plus fréquente de chaque site",
        "night_of": "nuit du {day} : affectation réelle",
        "day_of": "journée du {day} : affectation réelle",
        "attribution": "Contours administratifs : IGN – Admin Express COG 2018 (Licence Ouverte / Etalab)",
        "synthetic": "données synthétiques : {files}",
        "file.sites": "sites",
        "file.radiologists": "radiologues",
        "file.volumes": "volumes",
        "file.availability": "disponibilités",
        "file.pools": "mutualisations",
        "file.pins": "affectations fixées",
        "file.balances": "soldes de points",
        "scenario": "scénario {name}",
        "pds_site": "{kind} (site PDS)",
        "non_pds_site": "site hors PDS",
        "exams": "{n} examens",
        "sites_title": "Sites (surface : examens PDS attendus\nsur l'horizon)",
        "pools_title": "Mutualisations (couleur ; {what})",
        "lines_run": "traits : site → site d'origine du lecteur",
        "lines_scenario": "traits : site → site le plus actif de la mutualisation",
        "metadata_title": "Carte de couverture – {name}",
        "kind.CHU": "CHU",
        "kind.CHR": "CHR",
        "kind.CH": "CH",
        "kind.clinique": "clinique",
        "kind.other": "autre",
    },
    Language.EN: {
        "scenario_pools": "horizon {horizon}; pools of pools.csv",
        "scenario_sites": "horizon {horizon}; sites only (no run, no pools)",
        "horizon_run": "{horizon}: most frequent pooling per site",
        "night_of": "night of {day}: actual assignment",
        "day_of": "day of {day}: actual assignment",
        "attribution": "Administrative boundaries: IGN – Admin Express COG 2018 (Licence Ouverte / Etalab)",
        "synthetic": "synthetic data: {files}",
        "file.sites": "sites",
        "file.radiologists": "radiologists",
        "file.volumes": "volumes",
        "file.availability": "availability",
        "file.pools": "pools",
        "file.pins": "pinned assignments",
        "file.balances": "point balances",
        "scenario": "scenario {name}",
        "pds_site": "{kind} (PDS site)",
        "non_pds_site": "site without PDS",
        "exams": "{n} exams",
        "sites_title": "Sites (area: expected PDS exams\nover the horizon)",
        "pools_title": "Pools (colour; {what})",
        "lines_run": "lines: site → reader's home site",
        "lines_scenario": "lines: site → busiest site of the pool",
        "metadata_title": "{name} coverage map",
        "kind.CHU": "CHU",
        "kind.CHR": "CHR",
        "kind.CH": "CH",
        "kind.clinique": "clinic",
        "kind.other": "other",
    },
}
NO_POOL_COLOUR = "#4c72b0"
NON_PDS_COLOUR = "#b0b0b0"
MIN_MARKER = 30.0  # points², the smallest PDS site
MAX_MARKER = 420.0  # points², the busiest PDS site
NON_PDS_MARKER = 28.0
POOL_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#ad494a",
    "#637939",
    "#8c6d31",
    "#7b4173",
    "#3182bd",
)
LABEL_SIZE = 7.0
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


@dataclass(frozen=True)
class Coverage:
    """What the map shows beyond the sites: the pool (grouping) of each site and who reads it."""

    pools: dict[str, str] = field(default_factory=dict)  # site_id -> pool id (sites read together)
    links: list[tuple[str, str]] = field(default_factory=list)  # (site_id, site_id of the reader's home)
    shares: dict[str, float] = field(default_factory=dict)  # pool id -> share of the site periods in it (runs)
    subtitle: str = ""


def short_name(site: Site, others: Sequence[Site] = ()) -> str:
    """A map label: the town, without the kind prefix; the site in brackets when the town has several sites."""
    base, detail = _split_name(site.name)
    if any(o.site_id != site.site_id and _split_name(o.name)[0] == base for o in others) and detail:
        detail = re.sub(r"^(site|hôpitaux de|hôpital de|hôpital)\s+", "", detail, flags=re.IGNORECASE)
        detail = re.sub(r"\s+site$", "", detail, flags=re.IGNORECASE)
        return f"{base} {detail}".strip()
    return base


def _split_name(name: str) -> tuple[str, str]:
    match = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    base, detail = (match.group(1), match.group(2)) if match else (name, "")
    base = re.sub(r"^(CHRU de|CHRU|CHU de|CHU|CHR de|CHR|CHD|CH de|CH|Hôpital de|Hôpital|Clinique de)\s+", "", base)
    if not base.strip() and detail:  # "CHD Vendée (La Roche-sur-Yon)" keeps its town
        return detail, ""
    return base.strip(), detail.strip()


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, and the French way planners type a date


def parse_date(value: dt.date | str | None) -> dt.date | None:
    """A --date as ISO (2027-01-15) or French (15/01/2027); anything else is a clean error naming the option."""
    if value is None or isinstance(value, dt.date):
        return value
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    expected = "expected YYYY-MM-DD or DD/MM/YYYY, e.g. 2027-01-15 or 15/01/2027"
    raise InputError([Problem("--date", f"{value!r} is not a date ({expected})")])


def coverage_of(
    scenario: Scenario,
    rota: pd.DataFrame | None = None,
    date: dt.date | str | None = None,
    language: Language = Language.FR,
) -> Coverage:
    """The pools and reading links of a scenario (pools.csv), a run's horizon, or one night of a run; the subtitle
    in `language` (the errors stay in English, as every message of the command line)."""
    words = TEXT[language]
    day = parse_date(date)
    horizon = f"{short_date(scenario.start, language)} – {short_date(scenario.end, language)}"
    if rota is None:
        if day is not None:
            raise InputError([Problem("--date", "a date needs a run folder, not a scenario")])
        pools = {member.site_id: member.pool_id for member in scenario.pools}
        subtitle = words["scenario_pools" if pools else "scenario_sites"].format(horizon=horizon)
        return Coverage(pools=pools, links=_scenario_pool_links(scenario, pools), subtitle=subtitle)
    missing = [c for c in ("date", "period", "site_id", "radiologist_id") if c not in rota.columns]
    if missing:
        raise InputError([Problem("rota.csv", f"missing column(s): {', '.join(missing)}")])
    rows = rota.copy()
    if "pool_id" not in rows.columns:
        rows["pool_id"] = rows["site_id"]
    rows["pool_id"] = rows["pool_id"].where(rows["pool_id"].astype(str) != "", rows["site_id"])
    rows = rows[rows["radiologist_id"].astype(str) != ""]
    homes = {r.radiologist_id: r.home_site for r in scenario.radiologists}
    if day is None:
        return _horizon_coverage(rows, homes, words["horizon_run"].format(horizon=horizon))
    on_day = rows[rows["date"].astype(str) == day.isoformat()]
    if on_day.empty:
        dates = sorted(set(rows["date"].astype(str)))
        span = f"{dates[0]} to {dates[-1]}" if dates else "no date"
        raise InputError([Problem("--date", f"{day.isoformat()} is not in the run's rota ({span})")])
    nights = on_day[on_day["period"].astype(str) == "night"]
    chosen = nights if not nights.empty else on_day
    what = words["night_of" if not nights.empty else "day_of"].format(day=long_date(day, language))
    pools = {str(s): str(p) for s, p in zip(chosen["site_id"], chosen["pool_id"], strict=True)}
    links = []
    for site_id, radiologist in zip(chosen["site_id"], chosen["radiologist_id"], strict=True):
        home = homes.get(str(radiologist))
        if home is not None and home != site_id:
            links.append((str(site_id), home))
    return Coverage(pools=pools, links=sorted(set(links)), subtitle=what)


def _horizon_coverage(rows: pd.DataFrame, homes: dict[str, str], subtitle: str) -> Coverage:
    pools: dict[str, str] = {}
    shares: dict[str, float] = {}
    links: list[tuple[str, str]] = []
    for site_id, group in rows.groupby("site_id"):
        counts = Counter(group["pool_id"].astype(str))
        pool, count = max(counts.items(), key=lambda item: (item[1], item[0]))
        pools[str(site_id)] = pool
        shares[str(site_id)] = count / len(group)
        readers = Counter(homes.get(str(r)) for r in group.loc[group["pool_id"].astype(str) == pool, "radiologist_id"])
        readers.pop(None, None)
        if readers:
            home = max(readers.items(), key=lambda item: (item[1], str(item[0])))[0]
            if home is not None and home != site_id:
                links.append((str(site_id), home))
    return Coverage(pools=pools, links=links, shares=shares, subtitle=subtitle)


def _scenario_pool_links(scenario: Scenario, pools: dict[str, str]) -> list[tuple[str, str]]:
    """Without a run, each pool's sites are linked to its busiest site."""
    if not pools:
        return []
    exams = expected_exams_by_site(scenario, build_calendar(scenario))
    members: dict[str, list[str]] = defaultdict(list)
    for site_id, pool in pools.items():
        members[pool].append(site_id)
    links: list[tuple[str, str]] = []
    for sites in members.values():
        hub = max(sites, key=lambda s: (exams.get(s, 0.0), s))
        links.extend((s, hub) for s in sorted(sites) if s != hub)
    return links


@lru_cache(maxsize=4)
def _boundaries(name: str) -> gpd.GeoDataFrame:
    # Cached: a report draws several maps of one region; callers never change the frame (they clip copies).
    path = bundled_geo() / name
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    return frame.to_crs(LAMBERT_93)


def sites_frame(scenario: Scenario) -> gpd.GeoDataFrame:
    """The scenario's sites as points in Lambert-93, with their expected PDS exams over the horizon."""
    exams = expected_exams_by_site(scenario, build_calendar(scenario))
    frame = gpd.GeoDataFrame(
        {
            "site_id": [s.site_id for s in scenario.sites],
            "label": [short_name(s, scenario.sites) for s in scenario.sites],
            "kind": [s.kind for s in scenario.sites],
            "pds": [s.pds for s in scenario.sites],
            "departement": [s.departement for s in scenario.sites],
            "exams": [exams.get(s.site_id, 0.0) for s in scenario.sites],
        },
        geometry=gpd.points_from_xy([s.lon for s in scenario.sites], [s.lat for s in scenario.sites]),
        crs=WGS84,
    ).to_crs(LAMBERT_93)
    frame["x"] = frame.geometry.x
    frame["y"] = frame.geometry.y
    return frame


def region_shapes(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The region(s) the map is of: the bundled region holding every site, else the regions holding any of them,
    else (sites outside the bundled regions) the sites' départements, dissolved."""
    regions = _boundaries(REGIONS_FILE)
    pilot = regions[regions.contains(sites.geometry.union_all())] if len(sites) else regions.iloc[0:0]
    if pilot.empty:  # sites spread over several regions: the regions holding any of them
        holding = gpd.sjoin(regions, sites[["geometry"]], predicate="contains")
        pilot = regions.loc[sorted(set(holding.index))]
    if pilot.empty:
        departements = _boundaries(DEPARTEMENTS_FILE)
        own = departements[departements["code"].astype(str).isin(set(sites["departement"].astype(str)))]
        pilot = own.dissolve() if not own.empty else pilot
    return pilot


def region_name(scenario: Scenario) -> str:
    """The name of the region the scenario's sites lie in (several joined by commas); "" when none is known."""
    names = [str(n) for n in region_shapes(sites_frame(scenario)).get("nom", [])]
    return ", ".join(names)


def map_extent(sites: gpd.GeoDataFrame, margin: float = MARGIN_M) -> tuple[float, float, float, float]:
    """The whole region with a margin, whatever the sites' spread (eastern Moselle, north Mayenne...), and every
    site; the sites' bounds alone when the region is unknown."""
    xmin, ymin, xmax, ymax = sites.total_bounds
    shapes = region_shapes(sites)
    if not shapes.empty:
        rxmin, rymin, rxmax, rymax = shapes.total_bounds
        xmin, ymin, xmax, ymax = min(xmin, rxmin), min(ymin, rymin), max(xmax, rxmax), max(ymax, rymax)
        margin = REGION_MARGIN_M
    return xmin - margin, ymin - margin, xmax + margin, ymax + margin


def is_landscape(extent: tuple[float, float, float, float]) -> bool:
    xmin, ymin, xmax, ymax = extent
    return (xmax - xmin) > 1.15 * (ymax - ymin)


def plot_coverage(
    scenario: Scenario,
    rota: pd.DataFrame | None = None,
    date: dt.date | str | None = None,
    ax: Axes | None = None,
    language: Language = Language.FR,
) -> Axes:
    """Draw the coverage map of a scenario (or of a run's rota, or of one night of it) on `ax` and return it, every
    word in `language`."""
    if not scenario.sites:
        raise InputError([Problem(display_path(scenario.source) if scenario.source else "scenario", "has no site")])
    words = TEXT[language]
    coverage = coverage_of(scenario, rota, date, language)
    sites = sites_frame(scenario)
    extent = map_extent(sites)
    landscape = is_landscape(extent)
    if ax is None:
        figure = Figure(figsize=A4_PORTRAIT[::-1] if landscape else A4_PORTRAIT)
        FigureCanvasAgg(figure)
        ax = figure.add_axes(_map_position(landscape))
    _draw_boundaries(ax, sites, extent)
    xmin, ymin, xmax, ymax = _fit_to_axes(ax, extent)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    colours = _pool_colours(coverage, sites)
    xy = {row.site_id: (row.x, row.y) for row in sites.itertuples()}
    _draw_links(ax, coverage, xy, colours)
    sizes = _marker_sizes(sites)
    _draw_sites(ax, sites, sizes, colours)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    region = region_name(scenario) or scenario.name
    ax.set_title(
        f"{cover_title(region, scenario.start, scenario.end, language)}\n{coverage.subtitle}", fontsize=11, loc="left"
    )
    ax.apply_aspect()
    _draw_scale_bar(ax, language)
    _draw_north_arrow(ax)
    ax.text(
        0.99,
        0.01,
        "\n".join(
            [words["attribution"], *_synthetic_line(scenario, language), words["scenario"].format(name=scenario.name)]
        ),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=5.5,
        color="#333333",
        bbox={"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        zorder=20,
    )
    _draw_labels(ax, sites, sizes)
    _draw_legends(ax, scenario, sites, coverage, colours, sizes, landscape, rota is not None, language)
    return ax


def _fit_to_axes(ax: Axes, extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The extent grown (about its centre) to the shape of the axes, so that one metre is as long across as up."""
    figure = ax.get_figure(root=True)
    assert figure is not None
    width_in, height_in = figure.get_size_inches()
    position = ax.get_position(original=True)
    box_ratio = (position.height * height_in) / (position.width * width_in)
    xmin, ymin, xmax, ymax = extent
    width, height = xmax - xmin, ymax - ymin
    if height / width < box_ratio:
        grow = (width * box_ratio - height) / 2
        return xmin, ymin - grow, xmax, ymax + grow
    grow = (height / box_ratio - width) / 2
    return xmin - grow, ymin, xmax + grow, ymax


def _map_position(landscape: bool) -> tuple[float, float, float, float]:
    return (0.03, 0.05, 0.66, 0.86) if landscape else (0.05, 0.30, 0.90, 0.64)


def _draw_boundaries(ax: Axes, sites: gpd.GeoDataFrame, extent: tuple[float, float, float, float]) -> None:
    xmin, ymin, xmax, ymax = extent
    window = box(xmin - CONTEXT_M, ymin - CONTEXT_M, xmax + CONTEXT_M, ymax + CONTEXT_M)
    departements = _boundaries(DEPARTEMENTS_FILE)
    nearby = departements[departements.intersects(window)]
    nearby = gpd.clip(nearby, window)
    codes = set(sites["departement"].astype(str))
    own = nearby[nearby["code"].astype(str).isin(codes)]
    others = nearby[~nearby["code"].astype(str).isin(codes)]
    if not others.empty:
        others.plot(ax=ax, facecolor="#f2f2f2", edgecolor="#c8c8c8", linewidth=0.5, zorder=1)
    if not own.empty:
        own.plot(ax=ax, facecolor="#fbf8ef", edgecolor="#8a8a8a", linewidth=0.7, zorder=2)
        for row in own.itertuples():
            point = _quiet_point(row.geometry, sites)
            ax.text(
                point[0],
                point[1],
                f"{row.nom} ({row.code})",
                ha="center",
                va="center",
                fontsize=7,
                color="#a0a0a0",
                style="italic",
                zorder=3,
                clip_on=True,
                gid="departement-name",
            )
    pilot = region_shapes(sites)
    if not pilot.empty:
        pilot.boundary.plot(ax=ax, color="#404040", linewidth=1.8, zorder=4)


def _quiet_point(shape: object, sites: gpd.GeoDataFrame) -> tuple[float, float]:
    """Where a département's name goes: a point inside it, near its centre, as far as possible from the sites."""
    from shapely.geometry import Point

    centre = shape.centroid  # type: ignore[attr-defined]
    candidates = [shape.representative_point()]  # type: ignore[attr-defined]
    for dx, dy in ((0, 0), (20, 0), (-20, 0), (0, 20), (0, -20), (15, 15), (-15, 15), (15, -15), (-15, -15)):
        candidates.append(Point(centre.x + dx * 1000, centre.y + dy * 1000))
    inside = [c for c in candidates if shape.contains(c)] or candidates[:1]  # type: ignore[attr-defined]

    def clearance(point: Point) -> float:
        distances = [math.hypot(point.x - x, point.y - y) for x, y in zip(sites["x"], sites["y"], strict=True)]
        return min(min(distances, default=1e9), 25_000.0)

    best = max(inside, key=clearance)
    return best.x, best.y


def _pool_colours(coverage: Coverage, sites: gpd.GeoDataFrame) -> dict[str, str]:
    """Colour of each site: its pool's, pools ordered by where their first site is (stable across dates)."""
    order = {site_id: index for index, site_id in enumerate(sites["site_id"])}
    pools = sorted(set(coverage.pools.values()), key=lambda p: (min(_members_order(p, coverage, order)), p))
    by_pool = {pool: POOL_COLOURS[i % len(POOL_COLOURS)] for i, pool in enumerate(pools)}
    return {site_id: by_pool[pool] for site_id, pool in coverage.pools.items()}


def _members_order(pool: str, coverage: Coverage, order: dict[str, int]) -> list[int]:
    return [order.get(s, 10_000) for s, p in coverage.pools.items() if p == pool]


def _draw_links(
    ax: Axes, coverage: Coverage, xy: dict[str, tuple[float, float]], colours: dict[str, str]
) -> LineCollection | None:
    segments, line_colours = [], []
    for site_id, reader in coverage.links:
        if site_id in xy and reader in xy:
            segments.append([xy[site_id], xy[reader]])
            line_colours.append(colours.get(site_id, NO_POOL_COLOUR))
    if not segments:
        return None
    lines = LineCollection(segments, colors=line_colours, linewidths=2.0, alpha=0.75, zorder=5, capstyle="round")
    lines.set_gid("coverage-links")
    ax.add_collection(lines)
    return lines


def _marker_sizes(sites: gpd.GeoDataFrame) -> dict[str, float]:
    busiest = max([e for e, pds in zip(sites["exams"], sites["pds"], strict=True) if pds] or [0.0])
    sizes = {}
    for row in sites.itertuples():
        if not row.pds:
            sizes[row.site_id] = NON_PDS_MARKER
        elif busiest <= 0:
            sizes[row.site_id] = MIN_MARKER
        else:
            sizes[row.site_id] = MIN_MARKER + (MAX_MARKER - MIN_MARKER) * row.exams / busiest
    return sizes


def _size_of(exams: float, busiest: float) -> float:
    return MIN_MARKER + (MAX_MARKER - MIN_MARKER) * exams / busiest if busiest > 0 else MIN_MARKER


@lru_cache(maxsize=16)
def marker_area(marker: str) -> float:
    """Area of a marker's drawn shape, in units of `s` (scatter's size, the area of the marker's bounding box in
    points²): about π/4 for a circle, 1 for a square or diamond, 0.5 for a triangle, 0.65 for a hexagon."""
    style = MarkerStyle(marker)
    path = style.get_path().transformed(style.get_transform())
    area = 0.0
    for polygon in path.to_polygons(closed_only=True):  # curves (the circle's) flattened
        points = np.asarray(polygon, dtype=float)
        x, y = points[:, 0], points[:, 1]
        area += abs(float((x[:-1] * y[1:] - x[1:] * y[:-1]).sum())) / 2
    return area


def marker_area_scale(marker: str) -> float:
    """The factor on `s` that gives `marker` the area of a circle of the same `s`: the sizes of the map are circle
    areas, so that a CHU square and a CH circle of the same exams cover as much paper."""
    return marker_area("o") / marker_area(marker)


def _draw_sites(ax: Axes, sites: gpd.GeoDataFrame, sizes: dict[str, float], colours: dict[str, str]) -> None:
    """One marker per site: PDS sites by kind (shape), pool (colour) and expected exams (area); others grey."""
    for pds in (False, True):
        for kind in sorted(set(sites["kind"])):
            chosen = sites[(sites["kind"] == kind) & (sites["pds"] == pds)].sort_values("exams", ascending=False)
            if chosen.empty:
                continue
            marker = KIND_MARKERS.get(kind, OTHER_MARKER)
            ax.scatter(
                chosen["x"],
                chosen["y"],
                s=[sizes[s] * marker_area_scale(marker) for s in chosen["site_id"]],
                marker=marker,
                c=[colours.get(s, NO_POOL_COLOUR) if pds else NON_PDS_COLOUR for s in chosen["site_id"]],
                edgecolors="#202020" if pds else "#808080",
                linewidths=0.8,
                alpha=0.95 if pds else 0.8,
                zorder=7 if pds else 6,
                gid=f"sites-{'pds' if pds else 'other'}-{kind}",
            )


def _draw_labels(ax: Axes, sites: gpd.GeoDataFrame, sizes: dict[str, float]) -> None:
    """Greedy placement: each label takes the first of 16 positions around its marker that hits nothing drawn."""
    figure = ax.get_figure()
    assert figure is not None
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    scale = figure.dpi / 72.0
    # the side of each marker's bounding box as drawn (a triangle's box is larger than a circle's of one area)
    sides = {
        row.site_id: math.sqrt(sizes[row.site_id] * marker_area_scale(KIND_MARKERS.get(row.kind, OTHER_MARKER)))
        for row in sites.itertuples()
    }
    taken: list[Bbox] = []
    for row in sites.itertuples():
        centre = ax.transData.transform((row.x, row.y))
        radius = sides[row.site_id] / 2 * scale
        taken.append(Bbox.from_extents(centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius))
    taken.extend(t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == "departement-name")
    axes_box = ax.get_window_extent(renderer)
    order = sites.sort_values(["pds", "exams"], ascending=False)
    for row in order.itertuples():
        radius = sides[row.site_id] / 2 + 2  # points
        best: tuple[float, Annotation] | None = None
        best_extent = Bbox.null()
        for distance in (radius, radius + 8, radius + 18):
            for angle in (0, 180, 90, 270, 45, 135, 315, 225):
                dx = distance * math.cos(math.radians(angle))
                dy = distance * math.sin(math.radians(angle))
                ha = "left" if dx > 1 else "right" if dx < -1 else "center"
                va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
                text = ax.annotate(
                    row.label,
                    (row.x, row.y),
                    xytext=(dx, dy),
                    textcoords="offset points",
                    ha=ha,
                    va=va,
                    fontsize=LABEL_SIZE,
                    fontweight="bold" if row.pds else "normal",
                    color="#111111" if row.pds else "#707070",
                    path_effects=HALO,
                    zorder=15,
                    arrowprops=(
                        {"arrowstyle": "-", "color": "#777777", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3}
                        if distance > radius
                        else None
                    ),
                )
                extent = text.get_window_extent(renderer).expanded(1.04, 1.1)
                overlap = sum(_overlap(extent, other) for other in taken)
                outside = extent.width * extent.height - _overlap(extent, axes_box)
                penalty = overlap + 2 * outside + distance * 0.01
                if best is None or penalty < best[0]:
                    if best is not None:
                        best[1].remove()
                    best = (penalty, text)
                    best_extent = extent
                else:
                    text.remove()
                if penalty < distance:  # nothing hit
                    break
            if best is not None and best[0] < distance:
                break
        taken.append(best_extent)


def _overlap(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def _nice_length(width_m: float) -> int:
    """20 or 50 km (or a round multiple) for about a fifth of the map's width."""
    for km in (5, 10, 20, 50, 100, 200):
        if km * 1000 >= width_m / 6:
            return km
    return 500


def _draw_scale_bar(ax: Axes, language: Language = Language.FR) -> None:
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    km = _nice_length(xmax - xmin)
    length = km * 1000.0
    x0 = xmin + 0.03 * (xmax - xmin)
    y0 = ymin + 0.03 * (ymax - ymin)
    height = 0.008 * (ymax - ymin)
    ax.add_patch(
        Rectangle(
            (x0 - 0.01 * (xmax - xmin), y0 - 0.012 * (ymax - ymin)),
            length + 0.02 * (xmax - xmin),
            0.05 * (ymax - ymin),
            facecolor="white",
            edgecolor="none",
            alpha=0.8,
            zorder=18,
        )
    )
    for part in range(4):
        ax.add_patch(
            Rectangle(
                (x0 + part * length / 4, y0),
                length / 4,
                height,
                facecolor="#202020" if part % 2 == 0 else "white",
                edgecolor="#202020",
                linewidth=0.6,
                zorder=19,
                gid="scale-bar",
            )
        )
    half = number(km / 2, language, digits=0 if km % 2 == 0 else 1)  # "2,5" in French
    for fraction, text in ((0, "0"), (0.5, half), (1, f"{number(km, language)} km")):
        ax.text(x0 + fraction * length, y0 + 1.8 * height, text, ha="center", va="bottom", fontsize=6.5, zorder=19)


def _draw_north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.965, 0.965),
        xytext=(0.965, 0.905),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#202020", "linewidth": 1.2},
        zorder=19,
    )


def _draw_legends(
    ax: Axes,
    scenario: Scenario,
    sites: gpd.GeoDataFrame,
    coverage: Coverage,
    colours: dict[str, str],
    sizes: dict[str, float],
    landscape: bool,
    is_run: bool,
    language: Language = Language.FR,
) -> None:
    words = TEXT[language]
    handles: list[Line2D] = []
    for kind in [k for k in KIND_MARKERS if k in set(sites["kind"])] + sorted(set(sites["kind"]) - set(KIND_MARKERS)):
        label = words["pds_site"].format(kind=kind_legend_label(scenario, kind, language))
        marker = KIND_MARKERS.get(kind, OTHER_MARKER)
        # markersize is the side of the bounding box: the shapes of the legend, too, are of one area
        handles.append(_handle(marker, "white", 8 * math.sqrt(marker_area_scale(marker)), _wrap(label)))
    if not sites["pds"].all():
        handles.append(_handle("o", NON_PDS_COLOUR, 6, words["non_pds_site"], edge="#808080"))
    pds = sites[sites["pds"]]
    busiest = float(pds["exams"].max()) if len(pds) else 0.0
    if busiest > 0:
        handles.append(Line2D([], [], linestyle="none", label=" "))
        for value in _round_values(busiest):
            size = math.sqrt(_size_of(value, busiest))
            handles.append(_handle("o", "white", size, words["exams"].format(n=number(value, language))))
    title = words["sites_title"]
    anchor = (1.02, 1.0) if landscape else (0.0, -0.01)
    first = ax.legend(
        handles=handles,
        title=title,
        loc="upper left",
        bbox_to_anchor=anchor,
        fontsize=7,
        title_fontsize=7.5,
        frameon=False,
        labelspacing=0.9,
        borderaxespad=0.0,
        alignment="left",
    )
    ax.add_artist(first)
    pool_handles = _pool_handles(scenario, coverage, colours)
    if not pool_handles:
        return
    what = words["lines_run" if is_run else "lines_scenario"]
    anchor = (1.02, 0.45) if landscape else (0.36, -0.01)
    ax.legend(
        handles=pool_handles,
        title=_wrap(words["pools_title"].format(what=what), LEGEND_WIDTH + 12),
        loc="upper left",
        bbox_to_anchor=anchor,
        fontsize=7,
        title_fontsize=7.5,
        frameon=False,
        borderaxespad=0.0,
        alignment="left",
    )


def kind_legend_label(scenario: Scenario, kind: str, language: Language = Language.FR) -> str:
    """The legend's name of a site kind; for OTHER, with the labels its sites were given ("autre : ESPIC, HIA"),
    all of them (the legend wraps the line rather than cut it)."""
    label = TEXT[language].get(f"kind.{kind}", kind)
    if kind != SiteKind.OTHER.value:
        return label
    given = sorted({s.kind_label for s in scenario.sites if s.kind == kind and s.kind_label})
    if not given:
        return label
    colon = " : " if language is Language.FR else ": "
    return f"{label}{colon}{', '.join(given)}"


def _wrap(label: str, width: int = LEGEND_WIDTH) -> str:
    """A legend label on as many lines as it needs: a cut one ("Nancy + Toul + Lunévi…") hides which sites a pool
    holds. Lines break at spaces only, so that "Bar-le-Duc" stays whole."""
    return "\n".join(
        "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)) or line
        for line in label.split("\n")
    )


def _handle(marker: str, colour: str, size: float, label: str, edge: str = "#202020") -> Line2D:
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=marker,
        markersize=size,
        markerfacecolor=colour,
        markeredgecolor=edge,
        label=label,
    )


def _round_values(busiest: float) -> list[float]:
    magnitude = 10 ** math.floor(math.log10(busiest))
    top = math.floor(busiest / magnitude) * magnitude
    values = [top, top / 2, top / 5]
    return [v for v in values if v > 0]


def _pool_handles(scenario: Scenario, coverage: Coverage, colours: dict[str, str]) -> list[Line2D]:
    by_pool: dict[str, list[str]] = defaultdict(list)
    for site_id, pool in coverage.pools.items():
        by_pool[pool].append(site_id)
    known = {s.site_id: s for s in scenario.sites}
    handles = []
    seen: set[str] = set()
    for pool, members in sorted(by_pool.items(), key=lambda item: (POOL_COLOURS.index(colours[item[1][0]]), item[0])):
        colour = colours[members[0]]
        names = [short_name(known[s], scenario.sites) if s in known else s for s in _pool_sites(pool, members)]
        label = " + ".join(names)
        if label in seen:
            continue
        seen.add(label)
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                linewidth=2.0,
                marker="o",
                markersize=6,
                markeredgecolor="#202020",
                label=_wrap(label),
            )
        )
    return handles


def _pool_sites(pool: str, members: Iterable[str]) -> list[str]:
    """The sites of a pool: those its id names (run pool ids are site ids joined by '+'), else its members."""
    named = [part for part in pool.split("+") if part]
    return named if len(named) > 1 else sorted(members)


def render_map(
    scenario: Scenario,
    fmt: str,
    rota: pd.DataFrame | None = None,
    date: dt.date | str | None = None,
    language: Language = Language.FR,
) -> bytes:
    """The map as the bytes of a PNG, SVG or PDF file (A4, portrait or landscape by the map's extent)."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError([Problem("--out", f"unknown map format {fmt!r}: expected .png, .svg or .pdf")])
    sites = sites_frame(scenario)
    landscape = is_landscape(map_extent(sites))
    figure = Figure(figsize=A4_PORTRAIT[::-1] if landscape else A4_PORTRAIT)
    FigureCanvasAgg(figure)  # Agg, whatever backend pyplot uses
    ax = figure.add_axes(_map_position(landscape))
    plot_coverage(scenario, rota, date, ax=ax, language=language)
    buffer = io.BytesIO()
    title = TEXT[language]["metadata_title"].format(name=scenario.name)
    metadata = {"Title": title} if fmt in ("svg", "pdf") else None
    # Cropped to what is drawn: the legends under a map of a compact region would leave the page's foot empty. The
    # legends lie outside the axes, which a tight box leaves out unless told.
    legends = [child for child in figure.axes[0].get_children() if isinstance(child, Legend)]
    figure.savefig(
        buffer,
        format=fmt,
        dpi=PNG_DPI if fmt == "png" else 150,
        metadata=metadata,
        bbox_inches="tight",
        bbox_extra_artists=legends,
        pad_inches=0.25,
    )
    return buffer.getvalue()


def write_map(
    scenario: Scenario,
    out: Path | str,
    rota: pd.DataFrame | None = None,
    date: dt.date | str | None = None,
    force: bool = False,
    language: Language = Language.FR,
) -> Path:
    """Write the coverage map to `out` (.png, .svg or .pdf); an existing file is kept unless `force`."""
    out = Path(out)
    refuse_to_overwrite(out, force)
    data = render_map(scenario, out.suffix, rota, date, language)
    return atomic_write_bytes(out, data, force=force)


def _synthetic_line(scenario: Scenario, language: Language) -> list[str]:
    """The line "données synthétiques : radiologues, volumes et disponibilités" for the files the scenario
    declares synthetic ([data] synthetic), nothing when it declares none: real data is not labelled synthetic."""
    if not scenario.synthetic_data:
        return []
    words = TEXT[language]
    files = format_list([words[f"file.{name}"] for name in scenario.synthetic_data], locale=language.locale)
    return [words["synthetic"].format(files=files)]
