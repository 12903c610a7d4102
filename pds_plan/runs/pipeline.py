"""The library pipeline: from a scenario to a complete `Run` (pools → solve → check → analyse), in memory.

`pds-plan run`, the notebooks and the sweep call `plan`; the scenario is loaded once, by the caller. Every step
reads its settings from one `RunSettings`, so the turnaround target the pools are designed for is the one the rota
is analysed against. The turnaround of each grouping of sites is simulated once per run (one `SlaCache` for the
pool design and the analysis), so that every turnaround figure of the run comes from one simulation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from pds_plan.analysis.cost import Costs, costs, placeholder_costs
from pds_plan.analysis.figures import key_figures
from pds_plan.analysis.pool_design import (
    DesignSettings,
    PoolDesign,
    PoolDesignError,
    design_pools,
    sla_cache,
    with_turnaround_limits,
)
from pds_plan.analysis.pool_notes import design_metadata, summary_frame
from pds_plan.analysis.profile import scenario_profile
from pds_plan.analysis.workload import SlaCache, Workload, pool_shares, workload
from pds_plan.check import check_rota
from pds_plan.domain.language import DEFAULT_LANGUAGE, Language
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.domain.run import PoolsOrigin, Run, RunSettings, in_order, plain_json
from pds_plan.errors import InfeasibleError
from pds_plan.optimise.rota_model import Progress, SolveOptions
from pds_plan.runs.solve import RunResult, solve

STEPS = ("pools", "solve", "check", "analyse")

StepObserver = Callable[[str], AbstractContextManager[Any]]


@dataclass(frozen=True)
class RunDetails:
    """What a run found that is not written into its folder: the solver's own objects, for live displays."""

    result: RunResult | None  # None for a run analysed again (`reanalyse`)
    design: PoolDesign | None
    workload: Workload
    costs: Costs


@contextlib.contextmanager
def _quietly(_name: str) -> Iterator[None]:
    yield


def solve_options(settings: RunSettings) -> SolveOptions:
    return SolveOptions(
        time_limit=settings.time_limit,
        workers=settings.workers,
        seed=settings.seed,
        deterministic=settings.deterministic,
    )


def design_settings(settings: RunSettings) -> DesignSettings:
    return DesignSettings(
        sla_minutes=settings.sla_minutes,
        sla_target=settings.sla_target,
        replications=settings.replications,
        seed=settings.simulation_seed,
    )


def turnaround_cache(scenario: Scenario, settings: RunSettings) -> SlaCache:
    """The run's one cache of turnaround simulations, at the run's target and replications."""
    return sla_cache(scenario, design_settings(settings), scenario_profile(scenario))


@dataclass(frozen=True)
class PoolChoice:
    """The pools a rota is solved under, where they came from, and what to fall back on."""

    scenario: Scenario  # with the pools (and the turnaround limits of self-formed pools)
    origin: PoolsOrigin
    design: PoolDesign | None
    notes: tuple[str, ...]
    self_formed: Scenario  # the scenario without fixed pools, its self-formed pools held to the run's target


def choose_pools(scenario: Scenario, settings: RunSettings, cache: SlaCache) -> PoolChoice:
    """The scenario's own pools; else pools designed for the run's target (when `settings.design_pools`); else
    pools the optimiser forms itself, which keep the run's turnaround target too (the scenario may turn that off)."""
    limited = with_turnaround_limits(scenario, design_settings(settings), cache)
    if scenario.pools:
        pools = len({m.pool_id for m in scenario.pools})
        return PoolChoice(scenario, PoolsOrigin.SCENARIO, None, (f"{pools} fixed pools from the scenario",), limited)
    if not settings.design_pools:
        return PoolChoice(
            limited, PoolsOrigin.SELF_FORMED, None, ("formed by the optimiser period by period",), limited
        )
    try:
        design = design_pools(scenario, design_settings(settings), cache=cache)
    except PoolDesignError as error:
        note = f"no pools designed ({error}): formed by the optimiser"
        return PoolChoice(limited, PoolsOrigin.SELF_FORMED, None, (note,), limited)
    met = sum(1 for p in design.pools if p.meets_sla)
    note = f"{len(design.pools)} pools designed for {len(scenario.pds_sites)} PDS sites ({met} meet the target)"
    return PoolChoice(design.with_pools(), PoolsOrigin.DESIGNED, design, (note,), limited)


def plan(
    scenario: Scenario,
    settings: RunSettings | None = None,
    *,
    on_step: StepObserver | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> Run:
    """Design pools (when the scenario has none and `settings.design_pools`), solve the rota, check it
    independently, analyse its workload, turnaround and costs, and compute its key figures.

    The designed pools' notes (why a site stays alone) are worded in `language` in the run's pools_summary.csv
    (`design_table`), French by default as every file of a run folder that people read (`outputs.run_outputs`);
    pools_design.json (`design`) keeps them structured, and its sentences in English.

    Raises InfeasibleError (with an explanation) when no rota keeps every hard rule.
    """
    settings = settings or RunSettings()
    step = on_step or _quietly
    cache = turnaround_cache(scenario, settings)
    with step("pools"):
        choice = choose_pools(scenario, settings, cache)
    solved, origin, design, notes = choice.scenario, choice.origin, choice.design, list(choice.notes)
    with step("solve"):
        try:
            result = solve(solved, solve_options(settings), settings.method, on_progress)
        except InfeasibleError as error:
            if origin is not PoolsOrigin.DESIGNED:
                raise
            # The design counts nights and credentials, not leave or rest month by month: its pools may still be
            # impossible to staff. The planner gets a rota with pools formed period by period, and is told why.
            why = error.explanation[0] if error.explanation else "no rota keeps every rule"
            notes.append(
                f"the designed pools cannot be staffed ({why}): solved instead with pools formed by the optimiser, "
                "which keep the same turnaround target"
            )
            solved, origin, design = choice.self_formed, PoolsOrigin.SELF_FORMED, None
            result = solve(solved, solve_options(settings), settings.method, on_progress)
    solved = result.scenario  # with the rules solve added (turnaround limits of self-formed pools)
    with step("check"):
        # Independent of the solver's own check: the checker never imports the optimiser.
        violations = tuple(str(v) for v in check_rota(solved, result.assignments))
    with step("analyse"):
        analysed = analyse(solved, summary_of(result, violations), result.assignments, settings, cache, violations)
    return replace(
        analysed,
        pools_origin=origin,
        assignments=in_order(result.assignments),
        baseline=in_order(result.greedy.assignments),
        design=plain_json(design_metadata(design)) if design else None,
        design_table=summary_frame(design, language) if design else None,
        notes=tuple(notes),
        details=RunDetails(result, design, analysed.details.workload, analysed.details.costs),
    )


def summary_of(result: RunResult, violations: tuple[str, ...]) -> dict[str, Any]:
    """The solver's record as summary.json keeps it, with the pipeline's independent rule check."""
    return plain_json({**result.summary(), "rule_check": {"violations": len(violations), "messages": list(violations)}})


def analyse(
    scenario: Scenario,
    solve_record: dict[str, Any],
    assignments: tuple[Assignment, ...] | list[Assignment],
    settings: RunSettings,
    cache: SlaCache | None = None,
    violations: tuple[str, ...] | None = None,
) -> Run:
    """Workload, turnaround, days lost, costs and key figures of a rota: a `Run` whose pools, baseline and notes
    the caller fills in (`plan`, `reanalyse`)."""
    cache = _cache_for(scenario, cache or turnaround_cache(scenario, settings))
    if violations is None:
        violations = tuple(str(v) for v in check_rota(scenario, assignments))
    report = workload(scenario, assignments, cache=cache)
    placeholders = placeholder_costs(scenario)
    cost = costs(scenario, report)
    solve_record = {**solve_record, "rule_check": {"violations": len(violations), "messages": list(violations)}}
    pools = pool_shares(report.periods)
    figures = key_figures(
        scenario, solve_record, len(violations), assignments, report, pools, cost, settings.sla_target
    )
    tables = {
        "workload_sites": report.sites,
        "workload_radiologists": report.radiologists,
        "workload_periods": report.periods,
        "workload_pools": pools,
        "daytime_days_lost": report.days_lost,
        "costs": cost.frame(),
    }
    return Run(
        scenario=scenario,
        settings=settings,
        pools_origin=PoolsOrigin.SELF_FORMED,
        assignments=in_order(assignments),
        baseline=(),
        solve=solve_record,
        violations=violations,
        figures=figures,
        tables=tables,
        analysis=plain_json(analysis_record(scenario, settings, report, cost, placeholders)),
        details=RunDetails(None, None, report, cost),
    )


def reanalyse(run: Run, settings: RunSettings) -> Run:
    """A run analysed again with other settings (turnaround target, replications): `pds-plan analyse`."""
    analysed = analyse(run.scenario, run.solve, run.assignments, settings)
    notes = run.notes
    before, after = run.settings, settings
    if (before.sla_minutes, before.sla_target) != (after.sla_minutes, after.sla_target):
        # The pools (designed, or formed under the turnaround rule) were chosen for the old target; the checker
        # keeps holding the rota to it. Say so next to figures judged against the new one.
        notes = (
            *notes,
            f"analysed at {after.sla_minutes:g} min and {after.sla_target:.1%}; the pools were chosen for "
            f"{before.sla_minutes:g} min and {before.sla_target:.1%}",
        )
    return replace(
        run,
        settings=settings,
        notes=notes,
        violations=analysed.violations,
        solve=analysed.solve,
        figures=analysed.figures,
        tables=analysed.tables,
        analysis=analysed.analysis,
        details=analysed.details,
    )


def _cache_for(scenario: Scenario, cache: SlaCache) -> SlaCache:
    # The cache simulates with the scenario it was made for; the pools or rules attached since do not change
    # volumes, hours or the reading model, so its simulations stay valid for the scenario as solved.
    cache.scenario = scenario
    return cache


def analysis_record(
    scenario: Scenario, settings: RunSettings, report: Workload, cost: Costs, placeholders: list[str]
) -> dict[str, Any]:
    """analysis.json: the settings the figures were computed with, and the regional totals."""
    profile = scenario_profile(scenario)
    return {
        "scenario": scenario.name,
        "sla": {
            "target_minutes": settings.sla_minutes,
            "target_share": settings.sla_target,
            "replications": settings.replications,
            "seed": settings.simulation_seed,
        },
        "profile": profile.source if profile is not None else "default (assumed) profile, analysis/profile.py",
        "costs": {
            name: {"euros": value, "placeholder": name in placeholders} for name, value in cost.settings_dict().items()
        },
        "region": dict(cost.region),
        "simulations": report.simulations,
        "uncovered_site_periods": len(report.uncovered),
    }
