"""A run as an object: the scenario as solved, its rota, the rule check and every figure of it.

The pipeline (`pds_plan.runs.pipeline.plan`) builds a `Run` in memory; `pds_plan.io.run_store` writes it into a run
folder and reads it back into the same object; the outputs (exports, report, plots, maps) and `compare` take it.
Everything here is plain data, so that a run written and read back equals the run that was written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

import pandas as pd

from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment


class PoolsOrigin(StrEnum):
    """Where the pools a rota was solved under came from."""

    SCENARIO = "scenario"  # fixed by the scenario's pools.csv
    DESIGNED = "designed"  # designed by `pds-plan pools design` for this run (pools.csv in the run folder)
    SELF_FORMED = "self-formed"  # none fixed: the optimiser groups sites period by period


@dataclass(frozen=True)
class RunSettings:
    """What a planner chooses for a run; every step of the pipeline reads its settings from here."""

    method: str = "cpsat"
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    deterministic: bool = True
    design_pools: bool = True  # design pools first when the scenario has none
    sla_minutes: float = 30.0  # turnaround target, minutes from image arrival to report
    sla_target: float = 0.95  # share of reports within sla_minutes that a pool must keep
    replications: int = 400  # simulated periods per grouping of sites and period kind
    simulation_seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RunSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class KeyFigures:
    """Every headline figure of a run, computed once (`pds_plan.analysis.figures.key_figures`) and shown everywhere
    from here: the run panel, the report, `compare` and the notebooks. Values are unrounded; displays round them."""

    scenario: str
    status: str
    proven_optimal: bool
    gap: float | None  # the proven gap of the first stage (the largest load) when the rota was solved in stages
    gap_of: str | None  # "largest_load" then; None for a rota solved otherwise (replanned, greedy)
    violations: int
    on_call_duties: int  # one radiologist on call in one period, however many sites they read
    site_periods: int  # PDS periods of every PDS site: the duties without pooling
    pds_sites: int
    pooled_sites: int  # PDS sites read together with another site on most of their periods
    on_call_per_night: float  # radiologists on call on a mean night
    sla_minutes: float
    sla_target: float
    regional_sla_share: float | None  # share of all the region's on-call reports within sla_minutes
    worst_site: str | None  # site_id of the site with the lowest share within sla_minutes
    worst_site_name: str | None
    worst_site_sla_share: float | None
    pools_below_target: int  # pools as worked (fixed, formed by the optimiser, or a site alone) below sla_target
    pools_below_target_names: tuple[str, ...]
    fairness_max_over_min: float | None  # summary.json fairness.spread_ratio_max_min
    fairness_within_groups: float | None
    fairness_hours_max_over_min: float | None  # on-call hours per FTE-available day, max / min
    fairness_hours_within_groups: float | None
    credential_groups: int  # groups of radiologists linked by shared credentials (1: the two fairness figures agree)
    fairness_floor: float | None  # no rota of the scenario can be more even (optimise/fairness_floor.py)
    fairness_floor_within_groups: float | None
    baseline_max_over_min: float | None  # the spreadsheet-style greedy rota
    baseline_within_groups: float | None
    baseline_hours_max_over_min: float | None
    radiologists: int
    radiologists_excluded: int  # may read no PDS site under the run's pools and credentials: never on call
    radiologists_excluded_ids: tuple[str, ...]
    daytime_days_lost: float
    daytime_days_lost_without_pooling: float
    cost_total_eur: float
    cost_no_pooling_eur: float

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for name in ("pools_below_target_names", "radiologists_excluded_ids"):
            values[name] = list(values[name])
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> KeyFigures:
        known = {f.name for f in fields(cls)}
        loaded = {k: v for k, v in values.items() if k in known}
        for name in known - set(loaded):  # a figure added since the run was written: not known for it
            loaded[name] = None
        for name in ("pools_below_target_names", "radiologists_excluded_ids"):
            loaded[name] = tuple(loaded.get(name) or ())
        return cls(**loaded)


def in_order(assignments: Iterable[Assignment]) -> tuple[Assignment, ...]:
    """A rota in one order (date, period, site), whoever made it: runs compare equal when their rotas are."""
    return tuple(sorted(assignments, key=lambda a: (a.date, a.period.value, a.site_id, a.radiologist_id)))


def plain_json(value: Any) -> Any:
    """`value` as JSON keeps it: NaN and infinity become None (JSON has neither), tuples become lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    return value


# The analysis tables of a run, by the name of the file they are written to.
TABLE_NAMES = (
    "workload_sites",
    "workload_radiologists",
    "workload_periods",
    "workload_pools",
    "daytime_days_lost",
    "costs",
)


@dataclass(frozen=True, eq=False)
class Run:
    """One run: what it was made from, what it found, and every figure of it."""

    scenario: Scenario  # as solved: with the pools designed for the run, if any
    settings: RunSettings
    pools_origin: PoolsOrigin
    assignments: tuple[Assignment, ...]
    baseline: tuple[Assignment, ...]  # the greedy (spreadsheet-style) rota it is compared with
    solve: dict[str, Any]  # the solver's record: status, objective, bound, fairness, rule check (summary.json)
    violations: tuple[str, ...]  # the independent rule check of the rota, one message per violation
    figures: KeyFigures
    tables: dict[str, pd.DataFrame]  # TABLE_NAMES: workload, days lost and costs of the rota
    analysis: dict[str, Any]  # settings and totals of the analysis (analysis.json)
    design: dict[str, Any] | None = None  # the pool design, when the run designed its pools (pools_design.json)
    design_table: pd.DataFrame | None = None  # pools_summary.csv
    manifest: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None  # the run this one was derived from (replan, swap)
    notes: tuple[str, ...] = ()  # what a planner should know about how the run was made (pools chosen, fallbacks)
    variant: dict[str, Any] | None = None  # a sweep's variant: its content key and the settings it changed
    # What the run found that is not written into its folder (the solver's own objects, for live displays): None
    # for a run read back from its folder, and left out of comparisons.
    details: Any = None

    @property
    def name(self) -> str:
        return self.scenario.name

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __eq__(self, other: object) -> bool:
        # DataFrames do not compare with ==; two runs are equal when every field and every table is.
        if not isinstance(other, Run):
            return NotImplemented
        plain = ("scenario", "settings", "pools_origin", "assignments", "baseline", "solve", "violations",
                 "figures", "analysis", "design", "parent", "notes", "variant")  # fmt: skip
        if any(getattr(self, name) != getattr(other, name) for name in plain):
            return False
        if self.tables.keys() != other.tables.keys():
            return False
        frames: list[tuple[pd.DataFrame | None, pd.DataFrame | None]] = [
            (self.tables[k], other.tables[k]) for k in self.tables
        ]
        frames.append((self.design_table, other.design_table))
        for mine, theirs in frames:
            if (mine is None) != (theirs is None):
                return False
            if mine is not None and theirs is not None and not _same_frame(mine, theirs):
                return False
        return True

    __hash__ = None  # type: ignore[assignment]


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, check_exact=False, rtol=1e-9
        )
    except AssertionError:
        return False
    return True
