"""Plots of a run: on-call heatmap, fairness against the greedy baseline, turnaround per pool, month calendar.

Each `plot_*` function draws on the Axes it is given (or on a new figure's) and returns it, so that notebooks can
compose them; `write_plot` draws one kind on an A4-sized figure and writes it atomically (png, svg or pdf). The
command line never touches pyplot: it draws on a bare `Figure` rendered by the Agg canvas.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from babel.dates import format_date, get_day_names
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from pds_plan.analysis.fairness import fairness
from pds_plan.analysis.sla import DEFAULT_TARGET_MINUTES
from pds_plan.domain.language import Language, number, share, short_date
from pds_plan.domain.model import PeriodKind, Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.run_folder import RunFolder
from pds_plan.io.writers import atomic_write_bytes, refuse_to_overwrite

A4_PORTRAIT = (8.27, 11.69)
A4_LANDSCAPE = (11.69, 8.27)
DEFAULT_SLA_TARGET = 0.95  # share of reports within the turnaround target (30 min) that a pool should reach
FORMATS = ("png", "svg", "pdf")
KIND_PREFIX = re.compile(r"^(CHRU|CHU|CHR|CHD|CH|Clinique|Hôpital|Polyclinique)\s+(de\s+|d'|du\s+)?", re.IGNORECASE)
POOL_LABEL_WIDTH = 40  # characters of a pool's tick label before it wraps (a pool of many sites)

# Every word the plots show, one dict per language (as the report's TEXT dicts); numbers, shares and dates go
# through pds_plan.domain.language.
TEXT: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {
        "week": "S{week:02d}",
        "workload_x": "semaine ISO (lundi)",
        "workload_y": "radiologue, regroupés par site d'origine",
        "workload_bar": "astreintes dans la semaine (une période couvrant plusieurs sites compte pour une)",
        "workload_title": "Astreintes par radiologue et par semaine ({n} astreintes)",
        "optimised": "planning optimisé, max/min {ratio}",
        "baseline": "planning type tableur (référence), max/min {ratio}",
        "fair_optimised": "part équitable (planning optimisé)",
        "fair_baseline": "part équitable (planning type tableur)",
        "fairness_x": "charge pondérée, en points (nuit 2, samedi 1, dimanche ou férié 2, majorations des week-ends "
        "et fériés)",
        "fairness_y": "radiologue (trié par charge du planning optimisé / part équitable)",
        "fairness_legend": "max/min : points par jour ETP disponible",
        "fairness_title": "Charge pondérée face à la part équitable :\nplanning optimisé contre planning type tableur "
        "(référence)",
        "duty_one": "{n} astreinte",
        "duty_many": "{n} astreintes",
        "sla_target": "objectif : {target} des comptes rendus en {minutes} min au plus",
        "sla_x": "part des comptes rendus en {minutes} min au plus (simulée, pondérée par les examens attendus)",
        "sla_y": "mutualisation (sites lus ensemble par un radiologue)",
        "sla_meets": "atteint l'objectif",
        "sla_below": "sous l'objectif",
        "sla_title": "Délai par mutualisation : part des comptes rendus en {minutes} min au plus\n"
        "({meeting} sur {n} atteignent {target})",
        "calendar_x": "jour du mois (cases partagées : journée en haut, nuit en bas ; hachurées : non couvertes)",
        "calendar_y": "site PDS (sites habituellement lus ensemble groupés entre deux traits)",
        "calendar_title": "Qui est d'astreinte, {month}\n{name} · case = identifiant du radiologue, une couleur par "
        "radiologue",
    },
    Language.EN: {
        "week": "W{week:02d}",
        "workload_x": "ISO week (Monday)",
        "workload_y": "radiologist, grouped by home site",
        "workload_bar": "on-call periods in the week (a period covering several sites counts once)",
        "workload_title": "On-call periods per radiologist and week ({n} duties)",
        "optimised": "optimised rota, max/min {ratio}",
        "baseline": "spreadsheet-style rota (baseline), max/min {ratio}",
        "fair_optimised": "fair share (optimised rota)",
        "fair_baseline": "fair share (spreadsheet-style rota)",
        "fairness_x": "weighted load, points (night 2, Saturday 1, Sunday/holiday 2, extras for weekends and holidays)",
        "fairness_y": "radiologist (sorted by optimised load / fair share)",
        "fairness_legend": "max/min: points per FTE-available day",
        "fairness_title": "Weighted load against fair share:\noptimised rota vs spreadsheet-style rota (baseline)",
        "duty_one": "{n} duty",
        "duty_many": "{n} duties",
        "sla_target": "target: {target} of reports within {minutes} min",
        "sla_x": "share of reports within {minutes} min (simulated, weighted by expected exams)",
        "sla_y": "pool (sites read together by one radiologist)",
        "sla_meets": "meets the target",
        "sla_below": "below the target",
        "sla_title": "Turnaround per pool: share of reports within {minutes} min\n"
        "({meeting} of {n} pools reach {target})",
        "calendar_x": "day of the month (split cells: day period above, night below; hatched: uncovered)",
        "calendar_y": "PDS site (sites usually read together are grouped between lines)",
        "calendar_title": "Who is on call, {month}\n{name} · cell = radiologist id, one colour per radiologist",
    },
}


class PlotKind(StrEnum):
    WORKLOAD = "workload"
    FAIRNESS = "fairness"
    SLA = "sla"
    CALENDAR = "calendar"


# --------------------------------------------------------------------------------------------------------- helpers


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only for interactive use (notebooks); the CLI passes its own Axes

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def short_site_names(site_ids: Iterable[str], scenario: Scenario | None = None) -> dict[str, str]:
    """Readable short names: the town from the site's name ('CH Bar-le-Duc' → 'Bar-le-Duc'), or, when two sites
    share a town, the site id without its region prefix ('lor_nancy_brabois' → 'Nancy Brabois')."""
    ids = sorted(set(site_ids))
    prefix = _common_prefix(ids, "_")
    from_id = {s: s[len(prefix) :].replace("_", " ").title() or s for s in ids}
    if scenario is None:
        return from_id
    known = {s.site_id: s.name for s in scenario.sites}
    towns = {s: KIND_PREFIX.sub("", known[s]).split(" (")[0].strip() for s in ids if s in known}
    counts = Counter(towns.values())
    return {s: towns[s] if s in towns and towns[s] and counts[towns[s]] == 1 else from_id[s] for s in ids}


def short_radiologist_ids(ids: Iterable[str]) -> dict[str, str]:
    """Radiologist ids without their common prefix up to a separator ('LOR-R054' → 'R054')."""
    ids = sorted(set(ids))
    prefix = _common_prefix(ids, "-_ .")
    return {r: r[len(prefix) :] or r for r in ids}


def _common_prefix(names: list[str], separators: str) -> str:
    if len(names) < 2:
        return ""
    first, last = min(names), max(names)
    size = next((n for n, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), min(len(first), len(last)))
    prefix = first[:size]
    cut = max((prefix.rfind(c) for c in separators), default=-1)
    return prefix[: cut + 1] if cut >= 0 else ""


def _period_text(run: RunFolder, scenario: Scenario | None, language: Language = Language.FR) -> str:
    if scenario is not None:
        start, end = scenario.start, scenario.end
    elif len(run.rota):
        start, end = (dt.date.fromisoformat(d) for d in (min(run.rota["date"]), max(run.rota["date"])))
    else:
        return ""
    return _span(start, end, language)


def _span(start: dt.date, end: dt.date, language: Language) -> str:
    return f"{short_date(start, language)} – {short_date(end, language)}"


def _amount(value: float, language: Language) -> str:
    """A figure people read with its decimal only when it has one (30 min, 2,5 points)."""
    return number(value, language, digits=0 if float(value).is_integer() else 1)


def _scenario_name(run: RunFolder, scenario: Scenario | None) -> str:
    return scenario.name if scenario is not None else str(run.manifest.get("scenario", run.path.name))


def _title(ax: Axes, what: str, name: str, period: str) -> None:
    ax.set_title(f"{what}\n{name} · {period}" if period else f"{what}\n{name}", fontsize=12, loc="left")


def _pastel(index: int) -> tuple[float, float, float]:
    """A light colour (black text stays readable) for the index-th radiologist, from tab20 and tab20b."""
    palette = [*matplotlib.colormaps["tab20"].colors, *matplotlib.colormaps["tab20b"].colors]  # type: ignore[attr-defined]
    r, g, b = to_rgb(palette[(index * 7) % len(palette)])  # a stride so that neighbouring ids differ
    return (0.45 * r + 0.55, 0.45 * g + 0.55, 0.45 * b + 0.55)


# ------------------------------------------------------------------------------------------------------- workload


def duties_frame(run: RunFolder) -> pd.DataFrame:
    """One row per on-call duty of rota.csv: a radiologist in one period, counted once whatever the sites covered."""
    rota = run.rota
    if not len(rota):
        return pd.DataFrame(columns=["date", "period", "radiologist_id"])
    duties = rota[["date", "period", "radiologist_id"]].drop_duplicates()
    return duties[duties["radiologist_id"] != ""].reset_index(drop=True)


def workload_matrix(run: RunFolder, scenario: Scenario | None = None) -> pd.DataFrame:
    """Radiologist × ISO-week counts of on-call duties, indexed by (home_site, radiologist_id), columns the Mondays.

    With a scenario, every radiologist who may take PDS gets a row (zero rows included) and the weeks span the
    horizon; otherwise home sites come from workload_radiologists.csv when `analyse` was run.
    """
    duties = duties_frame(run)
    dates = pd.to_datetime(duties["date"])
    duties = duties.assign(week=(dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.date)
    if scenario is not None:
        pds = {s.site_id for s in scenario.pds_sites}
        home = {r.radiologist_id: r.home_site for r in scenario.radiologists if r.sites & pds}
        home.update({r: scenario.radiologist(r).home_site for r in duties["radiologist_id"] if r not in home})
        first = scenario.start - dt.timedelta(days=scenario.start.weekday())
        weeks = [first + dt.timedelta(weeks=n) for n in range((scenario.end - first).days // 7 + 1)]
    else:
        home = _home_sites_from_analysis(run)
        home.update({r: home.get(r, "") for r in duties["radiologist_id"]})
        weeks = sorted(set(duties["week"]))
    counts = duties.groupby(["radiologist_id", "week"]).size()
    rows = sorted(home, key=lambda r: (home[r], r))
    matrix = pd.DataFrame(0, index=pd.MultiIndex.from_tuples([(home[r], r) for r in rows]), columns=weeks)
    matrix.index.names = ["home_site", "radiologist_id"]
    for radiologist, week, n in zip(
        counts.index.get_level_values(0), counts.index.get_level_values(1), counts.to_numpy(), strict=True
    ):
        matrix.loc[(home[radiologist], radiologist), week] = int(n)
    return matrix


def _home_sites_from_analysis(run: RunFolder) -> dict[str, str]:
    table = run.tables.get("workload_radiologists")
    if table is None or not len(table):
        return {}
    return dict(zip(table["radiologist_id"].astype(str), table["home_site"].astype(str), strict=True))


def _week_label(monday: Any, language: Language = Language.FR) -> str:
    # a datetime.date (pandas-stubs types column labels as str); day/month in figures reads the same in both
    week = TEXT[language]["week"].format(week=monday.isocalendar()[1])
    return f"{week}\n{monday.day:02d}/{monday.month:02d}"


def plot_workload(
    run: RunFolder, scenario: Scenario | None = None, ax: Axes | None = None, language: Language = Language.FR
) -> Axes:
    """Heatmap of on-call periods per radiologist and ISO week, radiologists grouped by home site."""
    words = TEXT[language]
    matrix = workload_matrix(run, scenario)
    rows, columns = matrix.shape
    ax = _axes(ax, (A4_PORTRAIT[0], min(A4_PORTRAIT[1], 2.5 + 0.14 * rows)))
    values = matrix.to_numpy(dtype=float)
    top = max(int(values.max()) if values.size else 1, 1)
    shades = matplotlib.colormaps["YlOrRd"](np.linspace(0.2, 0.95, top))
    cmap = ListedColormap(["#ffffff", *shades])
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    image = ax.imshow(values, aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    small = 6 if rows > 40 else 8
    if rows * columns <= 2500:
        for y, x in zip(*np.nonzero(values), strict=True):
            n = int(values[y, x])
            ax.text(x, y, str(n), ha="center", va="center", fontsize=small - 1,
                    color="white" if n > 0.6 * top else "black")  # fmt: skip
    short = short_radiologist_ids(matrix.index.get_level_values("radiologist_id"))
    ax.set_yticks(range(rows), [short[r] for r in matrix.index.get_level_values("radiologist_id")], fontsize=small)
    ax.set_xticks(range(columns), [_week_label(w, language) for w in matrix.columns], fontsize=7)
    ax.tick_params(length=0)
    homes = list(matrix.index.get_level_values("home_site"))
    names = short_site_names([h for h in homes if h], scenario)
    start = 0
    for n in range(1, rows + 1):
        if n == rows or homes[n] != homes[start]:
            if n < rows:
                ax.axhline(n - 0.5, color="black", linewidth=0.8)
            ax.text(columns - 0.4, (start + n - 1) / 2, f" {names.get(homes[start], homes[start]) or '?'}",
                    ha="left", va="center", fontsize=small + 1, clip_on=False)  # fmt: skip
            start = n
    ax.set_xlabel(words["workload_x"])
    ax.set_ylabel(words["workload_y"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    colorbar = ax.figure.colorbar(image, ax=ax, location="bottom", shrink=0.5, aspect=40, pad=0.01,
                                  ticks=range(top + 1))  # fmt: skip
    colorbar.set_label(words["workload_bar"], fontsize=8)
    colorbar.ax.tick_params(labelsize=7)
    total = int(values.sum())
    _title(ax, words["workload_title"].format(n=number(total, language)), _scenario_name(run, scenario),
           _period_text(run, scenario, language))  # fmt: skip
    return ax


# ------------------------------------------------------------------------------------------------------- fairness


def fairness_table(
    scenario: Scenario, optimised: Iterable[Assignment], baseline: Iterable[Assignment]
) -> tuple[pd.DataFrame, float, float]:
    """Per eligible radiologist: points and fair share of both rotas, sorted by optimised load against fair share;
    and the max/min ratios (points per FTE-available day) of the optimised and baseline rotas."""
    mine, theirs = fairness(scenario, optimised), fairness(scenario, baseline)
    columns = ["radiologist_id", "points", "fair_share"]
    frame = mine.per_radiologist[columns].merge(
        theirs.per_radiologist[columns], on="radiologist_id", suffixes=("", "_baseline")
    )
    frame["ratio"] = frame["points"] / frame["fair_share"].where(frame["fair_share"] > 0)
    frame = frame.sort_values(["ratio", "points", "radiologist_id"], na_position="first").reset_index(drop=True)
    return frame, mine.spread_ratio, theirs.spread_ratio


def _ratio(value: float, language: Language = Language.FR) -> str:
    return "∞" if not np.isfinite(value) else number(value, language, digits=2)


def plot_fairness(
    scenario: Scenario,
    assignments: Iterable[Assignment],
    baseline: Iterable[Assignment],
    ax: Axes | None = None,
    ratios: tuple[float, float] | None = None,
    language: Language = Language.FR,
) -> Axes:
    """Weighted load of each radiologist who may take PDS against their fair share, optimised rota and greedy
    baseline side by side, sorted by optimised load / fair share; `ratios` (optimised, baseline max/min) from the
    run's key figures when given.

    The bars of the optimised rota come first in `ax.containers`, then the baseline's: one pair per radiologist.
    """
    words = TEXT[language]
    frame, mine, theirs = fairness_table(scenario, assignments, baseline)
    if ratios is not None:  # the run's key figures: the legend shows the very figure the panel and report show
        mine, theirs = ratios
    n = len(frame)
    ax = _axes(ax, (A4_PORTRAIT[0], min(A4_PORTRAIT[1], 2.5 + 0.15 * n)))
    y = np.arange(n)
    height = 0.4
    ax.barh(y - height / 2, frame["points"], height, color="#2c7fb8",
            label=words["optimised"].format(ratio=_ratio(mine, language)))  # fmt: skip
    ax.barh(y + height / 2, frame["points_baseline"], height, color="#bdbdbd",
            label=words["baseline"].format(ratio=_ratio(theirs, language)))  # fmt: skip
    ax.scatter(frame["fair_share"], y - height / 2, marker="|", s=60, color="black", linewidths=1.6, zorder=3,
               label=words["fair_optimised"])  # fmt: skip
    ax.scatter(frame["fair_share_baseline"], y + height / 2, marker="|", s=60, color="#636363", linewidths=1.2,
               zorder=3, label=words["fair_baseline"])  # fmt: skip
    short = short_radiologist_ids(frame["radiologist_id"])
    ax.set_yticks(y, [short[r] for r in frame["radiologist_id"]], fontsize=6 if n > 40 else 8)
    ax.set_ylim(n - 0.5, -0.5)
    widest = max([*frame["points"], *frame["points_baseline"], *frame["fair_share"], 1.0])
    ax.set_xlim(0, widest * 1.45)  # room on the right for the legend
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _amount(value, language)))
    ax.set_xlabel(textwrap.fill(words["fairness_x"], 100))
    ax.set_ylabel(words["fairness_y"])
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", fontsize=8, title=words["fairness_legend"], title_fontsize=7,
              framealpha=0.95)  # fmt: skip
    _title(ax, words["fairness_title"], scenario.name, _span(scenario.start, scenario.end, language))
    return ax


# ------------------------------------------------------------------------------------------------------------ sla


def pool_sla(run: RunFolder) -> tuple[pd.DataFrame, float]:
    """Share of reports within the turnaround target per pool as the analysis measured it (its `workload_pools`
    table), and the target in minutes; InputError when the run has no analysis."""
    table = run.tables.get("workload_pools")
    if table is None:
        raise InputError([Problem(display_path(run.path), "has no turnaround analysis (workload_pools.csv)")])
    target = float((run.analysis.get("sla") or {}).get("target_minutes", DEFAULT_TARGET_MINUTES))
    table = table[["pool_id", *(["sites"] if "sites" in table.columns else []), "duties", "exams", "sla_share"]]
    return table.sort_values(["sla_share", "pool_id"], ascending=[False, True]).reset_index(drop=True), target


def pool_label(pool_id: str, names: Mapping[str, str], sites: Sequence[str] | None = None) -> str:
    """A pool as its sites' short names ("Metz + Nancy"); a pool named otherwise (P01 of a pools.csv) by its sites
    and, in brackets, the name the tables give it ("Metz + Nancy (P01)")."""
    named = [s for s in re.split(r"[+;]", pool_id) if s]
    members = list(sites) if sites else named
    label = " + ".join(names.get(s, s) for s in members)
    return label if sorted(members) == sorted(named) else f"{label} ({pool_id})"


def _pool_sites(table: pd.DataFrame, scenario: Scenario | None) -> dict[str, list[str]]:
    """The sites of each pool: the analysis's `sites` column, else the scenario's pools.csv, else the pool id."""
    members: dict[str, list[str]] = defaultdict(list)
    if scenario is not None:
        for member in scenario.pools:
            members[member.pool_id].append(member.site_id)
    found = {}
    for index, pool in enumerate(table["pool_id"].astype(str)):
        listed = str(table["sites"].iloc[index]) if "sites" in table.columns else ""
        sites = [s for s in re.split(r"[+;]", listed) if s and s != "nan"]
        found[pool] = sites or sorted(members.get(pool, [])) or [s for s in re.split(r"[+;]", pool) if s]
    return found


def plot_sla(
    run: RunFolder,
    scenario: Scenario | None = None,
    target: float = DEFAULT_SLA_TARGET,
    ax: Axes | None = None,
    language: Language = Language.FR,
) -> Axes:
    """Share of reports within the turnaround target per pool (as worked in the rota), with the target share; each
    pool named by its sites."""
    words = TEXT[language]
    table, minutes = pool_sla(run)
    n = len(table)
    ax = _axes(ax, (A4_LANDSCAPE[0], min(A4_LANDSCAPE[1], 2.5 + 0.3 * n)))
    pool_sites = _pool_sites(table, scenario)
    names = short_site_names({s for sites in pool_sites.values() for s in sites}, scenario)
    within = _amount(minutes, language)
    y = np.arange(n)
    colours = ["#41ab5d" if s >= target else "#fd8d3c" for s in table["sla_share"]]
    ax.barh(y, table["sla_share"], 0.7, color=colours)
    for yi, value, duties in zip(range(n), table["sla_share"], table["duties"], strict=True):
        inside = value > 0.3  # the value inside the bar, clear of the target line
        count = words["duty_one" if duties == 1 else "duty_many"].format(n=number(duties, language))
        label = f"{share(value, language)}  ({count})"
        ax.text(value - 0.01 if inside else value + 0.01, yi, label, va="center", ha="right" if inside else "left",
                fontsize=7, color="white" if inside else "black")  # fmt: skip
    ax.axvline(target, color="#cb181d", linestyle="--", linewidth=1.2,
               label=words["sla_target"].format(target=share(target, language, 0), minutes=within))  # fmt: skip
    labels = [pool_label(p, names, pool_sites[str(p)]) for p in table["pool_id"]]
    # a pool of many sites on several lines rather than a label wider than the bars
    wrapped = [textwrap.fill(t, POOL_LABEL_WIDTH, break_long_words=False, break_on_hyphens=False) for t in labels]
    ax.set_yticks(y, wrapped, fontsize=8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: share(value, language, 0)))
    ax.set_xticks(np.linspace(0, 1, 11))
    ax.set_xlabel(words["sla_x"].format(minutes=within))
    ax.set_ylabel(words["sla_y"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    meeting = int((table["sla_share"] >= target).sum())
    handles = [
        *ax.get_legend_handles_labels()[0],
        *([Patch(color="#41ab5d", label=words["sla_meets"])] if meeting else []),
        *([Patch(color="#fd8d3c", label=words["sla_below"])] if meeting < n else []),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    title = words["sla_title"].format(
        minutes=within, meeting=number(meeting, language), n=number(n, language), target=share(target, language, 0)
    )
    _title(ax, title, _scenario_name(run, scenario), _period_text(run, scenario, language))
    return ax


# ------------------------------------------------------------------------------------------------------- calendar


def run_months(run: RunFolder) -> list[str]:
    return sorted({str(d)[:7] for d in run.rota["date"]}) if len(run.rota) else []


def plot_calendar(
    run: RunFolder,
    month: str | None = None,
    scenario: Scenario | None = None,
    ax: Axes | None = None,
    language: Language = Language.FR,
) -> Axes:
    """Month grid: a column per day, a row per PDS site (sites of the same pool side by side), each cell the
    radiologist on call, coloured by radiologist; on weekends and holidays the upper half is the day period and
    the lower half the night. `month` is 'YYYY-MM', by default the first month of the run."""
    words = TEXT[language]
    months = run_months(run)
    if month is None:
        if not months:
            raise InputError([Problem(display_path(run.path / "rota.csv"), "has no assignment to draw")])
        month = months[0]
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InputError([Problem("--month", f"expected YYYY-MM, not {month!r}")]) from None
    if month not in months:
        raise InputError([Problem("--month", f"{month} is not in the run (months: {', '.join(months) or 'none'})")])
    days = [first + dt.timedelta(days=n) for n in range(31) if (first + dt.timedelta(days=n)).month == first.month]
    rota = run.rota[run.rota["date"].str.startswith(month)]
    cell: dict[tuple[str, dt.date, str], str] = {}
    for date, period, site, radiologist in zip(
        rota["date"], rota["period"], rota["site_id"], rota["radiologist_id"], strict=True
    ):
        cell[(site, dt.date.fromisoformat(date), "night" if period == PeriodKind.NIGHT.value else "day")] = radiologist
    pool_of: dict[str, Counter[str]] = {}
    if "pool_id" in rota.columns:
        for site, pool in zip(rota["site_id"], rota["pool_id"], strict=True):
            pool_of.setdefault(site, Counter())[pool] += 1
    sites = [s.site_id for s in scenario.pds_sites] if scenario is not None else sorted(set(rota["site_id"]))
    sites += sorted(set(rota["site_id"]) - set(sites))
    usual = {s: pool_of[s].most_common(1)[0][0] if s in pool_of else s for s in sites}
    sites.sort(key=lambda s: (usual[s], s))
    everyone = sorted(set(run.rota["radiologist_id"]) - {""})
    colour = {r: _pastel(n) for n, r in enumerate(everyone)}
    short = short_radiologist_ids(everyone)
    names = short_site_names(sites, scenario)

    ax = _axes(ax, A4_LANDSCAPE)
    fontsize = 5.5 if max((len(v) for v in short.values()), default=1) > 3 else 7
    day_periods = {(s, d) for (s, d, half) in cell if half == "day"}
    # The cells as two collections (covered, and hatched empty) and their texts kept out of the layout: a patch and a
    # laid-out text per cell took most of the report's 98 s on a synthetic year of 60 sites (12 months of 2,400 cells).
    covered: list[Rectangle] = []
    faces: list[str | tuple[float, float, float]] = []
    empty: list[Rectangle] = []
    for row, site in enumerate(sites):
        for column, day in enumerate(days):
            halves = [("day", row - 0.5, 0.5), ("night", row, 0.5)] if (site, day) in day_periods else [
                ("night", row - 0.5, 1.0)
            ]  # fmt: skip
            for half, bottom, height in halves:
                who = cell.get((site, day, half))
                box = Rectangle((column - 0.5, bottom), 1, height)
                if not who:
                    empty.append(box)
                    continue
                covered.append(box)
                faces.append(colour[who])
                label = ax.text(column, bottom + height / 2, short[who], ha="center", va="center",
                                fontsize=fontsize if height == 1 else fontsize - 0.5)  # fmt: skip
                label.set_in_layout(False)
    ax.add_collection(PatchCollection(empty, facecolor="#f0f0f0", edgecolor="white", linewidth=0.8, hatch="///"))
    ax.add_collection(PatchCollection(covered, facecolors=faces, edgecolor="white", linewidth=0.8))
    for row in range(1, len(sites)):
        if usual[sites[row]] != usual[sites[row - 1]]:
            ax.axhline(row - 0.5, color="#404040", linewidth=1.2)
    ax.set_xlim(-0.5, len(days) - 0.5)
    ax.set_ylim(len(sites) - 0.5, -0.5)
    ax.set_yticks(range(len(sites)), [names[s] for s in sites], fontsize=8)
    initials = get_day_names("narrow", context="stand-alone", locale=language.locale)  # 0 is Monday, as weekday()
    ax.set_xticks(range(len(days)), [f"{initials[d.weekday()]}\n{d.day}" for d in days], fontsize=7)
    for label, day in zip(ax.get_xticklabels(), days, strict=True):
        if day.weekday() >= 5:
            label.set_fontweight("bold")
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_xlabel(words["calendar_x"], fontsize=8)
    ax.set_ylabel(words["calendar_y"])
    # Babel's month in the locale's own words ("janvier 2027"): language.py has dates with a day only
    month_name = format_date(first, "LLLL y", locale=language.locale)
    title = words["calendar_title"].format(month=month_name, name=_scenario_name(run, scenario))
    ax.set_title(title, fontsize=12, loc="left")
    return ax


# ---------------------------------------------------------------------------------------------------------- write


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """The figure rendered by the Agg canvas (png at 200 dpi, svg and pdf as vectors)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Creator": "pds-plan"}
    if fmt == "svg":
        metadata = {"Creator": "pds-plan", "Date": None}
    elif fmt == "pdf":
        metadata = {"Creator": "pds-plan", "CreationDate": None}
    figure.savefig(buffer, format=fmt, dpi=200, metadata=metadata)
    return buffer.getvalue()


def output_format(out: Path) -> str:
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError([Problem(display_path(out), f"expected a .png, .svg or .pdf file, not {out.suffix!r}")])
    return fmt


def draw_plot(
    kind: PlotKind | str, run: RunFolder, ax: Axes, month: str | None = None, language: Language = Language.FR
) -> Axes:
    """Draw one kind of plot of a run on `ax`, from the run's own objects and figures, its words in `language`."""
    kind = PlotKind(kind)
    scenario = run.scenario
    target = run.figures.sla_target if run.figures is not None else DEFAULT_SLA_TARGET
    if kind is PlotKind.WORKLOAD:
        return plot_workload(run, scenario, ax=ax, language=language)
    if kind is PlotKind.FAIRNESS:
        if scenario is None:
            raise InputError([Problem(display_path(run.path), "the fairness plot needs the run's scenario")])
        figures = run.figures
        ratios = None
        if figures is not None and figures.fairness_max_over_min is not None:
            ratios = (figures.fairness_max_over_min, figures.baseline_max_over_min or float("nan"))
        return plot_fairness(scenario, run.assignments, run.baseline, ax=ax, ratios=ratios, language=language)
    if kind is PlotKind.SLA:
        return plot_sla(run, scenario, target=target, ax=ax, language=language)
    return plot_calendar(run, month, scenario, ax=ax, language=language)


def write_plot(
    kind: PlotKind | str,
    run: RunFolder,
    out: Path,
    *,
    month: str | None = None,
    force: bool = False,
    language: Language = Language.FR,
) -> Path:
    """Draw one kind of plot of a run on an A4 figure and write it atomically; OutputExistsError without force."""
    kind = PlotKind(kind)
    out = Path(out)
    fmt = output_format(out)
    refuse_to_overwrite(out, force)  # before the work, which may take seconds
    portrait = kind in (PlotKind.WORKLOAD, PlotKind.FAIRNESS)
    figure = Figure(figsize=A4_PORTRAIT if portrait else A4_LANDSCAPE, layout="constrained")
    draw_plot(kind, run, figure.add_subplot(), month, language)
    return atomic_write_bytes(out, figure_bytes(figure, fmt), force=force)
