"""The CP-SAT rota model: variables, the rule families of rules.py, the objective of objective.py, and solving."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from pds_plan.domain.calendar import Period
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.optimise.windows import WindowPlan

GuardKey = tuple[str, str, str]  # (rule, who or what, month "YYYY-MM")


@dataclass(frozen=True)
class Penalty:
    """One soft-rule term of the objective, named after its rule and the person or site and date it concerns."""

    rule: str
    subject: str
    when: dt.date | None
    expression: Any  # a CP-SAT linear expression counting the events
    weight: int

    @property
    def label(self) -> str:
        return f"{self.subject} on {self.when}" if self.when else self.subject


@dataclass
class RotaModel:
    """A CP-SAT model of one scenario's rota, with its variables kept by meaning."""

    scenario: Scenario
    plan: WindowPlan
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)  # radiologist covers slot
    on: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)  # radiologist on call in window
    candidates: dict[int, list[str]] = field(default_factory=dict)  # slot -> radiologists who may cover it
    explain: bool = False  # guard hard rules with assumption literals, to explain infeasibility
    guards: dict[GuardKey, cp_model.IntVar] = field(default_factory=dict)
    penalties: list[Penalty] = field(default_factory=list)
    # Points already earned before this model's horizon (months solved before, or balances carried over), and
    # fair shares computed over a longer horizon than the model's: used when the horizon is solved month by month.
    carried: dict[str, int] = field(default_factory=dict)
    shares: dict[str, float] | None = None
    in_window: dict[tuple[str, int], list[cp_model.IntVar]] = field(default_factory=dict)  # x vars of r in window
    slots_in_window: dict[tuple[str, int], list[int]] = field(default_factory=dict)  # their slots, in that order

    def guard(self, rule: str, subject: str, day: dt.date) -> list[cp_model.IntVar]:
        """The assumption literal enforcing `rule` for `subject` in the month of `day` (none unless explaining)."""
        if not self.explain:
            return []
        key = (rule, subject, f"{day:%Y-%m}")
        if key not in self.guards:
            self.guards[key] = self.model.new_bool_var(f"assume[{rule}|{subject}|{key[2]}]")
        return [self.guards[key]]

    def slots_of(self, radiologist_id: str, windows: Iterable[int]) -> list[cp_model.IntVar]:
        return [var for w in windows for var in self.in_window.get((radiologist_id, w), ())]

    def windows_of(self, radiologist_id: str) -> list[int]:
        return [w for (r, w) in self.on if r == radiologist_id]


def create_variables(rota: RotaModel) -> None:
    """x[r, slot] only where r may be given the site (a credential for it, and for the rest of its fixed pool if it
    has one) and is not unavailable that date (sparse)."""
    scenario, plan, model = rota.scenario, rota.plan, rota.model
    credentialed: dict[str, list[str]] = defaultdict(list)
    for radiologist in scenario.radiologists:
        for site_id in sorted(scenario.coverable_sites(radiologist.radiologist_id)):
            credentialed[site_id].append(radiologist.radiologist_id)
    for index, period in enumerate(plan.slots):
        who = [r for r in credentialed[period.site_id] if not scenario.is_unavailable(r, period.date)]
        rota.candidates[index] = who
        for r in who:
            rota.x[(r, index)] = model.new_bool_var(f"x[{r}|{period.site_id}|{period.date}|{period.kind.value}]")
    members: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    slots: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (r, slot), var in rota.x.items():
        members[(r, plan.window_of_slot[slot])].append(var)
        slots[(r, plan.window_of_slot[slot])].append(slot)
    rota.in_window = dict(members)
    rota.slots_in_window = dict(slots)
    for (r, w), slot_vars in sorted(members.items()):
        on = model.new_bool_var(f"on[{r}|{plan.windows[w].start:%Y-%m-%dT%H:%M}Z]")
        rota.on[(r, w)] = on
        link_or(model, on, slot_vars)


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    hint: list[Assignment] | None = None
    log: bool = False
    # Reproducible search (the default): the same inputs, seed and workers give the same rota. CP-SAT improves the
    # starting rota by large neighbourhood search only, its workers interleaved, and stops after a budget of its
    # deterministic work units, DETERMINISTIC_UNITS_PER_WORKER_SECOND × workers × time_limit, which does not depend
    # on the machine's speed or load; time_limit stays a wall-clock cap, and a run stopped by it (a slow or busy
    # machine) is no longer reproducible, which summary.json says. Without a complete starting rota, or with
    # deterministic=False, CP-SAT's whole parallel portfolio searches until the wall-clock limit.
    deterministic: bool = True
    light_presolve: bool = False  # see solver_parameters
    # The reproducible search by large neighbourhood search alone; False adds CP-SAT's other subsolvers, still
    # interleaved and reproducible, whose proofs can raise the bound.
    lns_only: bool = True
    # The wall-clock cap when it is not time_limit (which then sets only the deterministic budget): a stage of the
    # staged objective may use the time earlier stages left (optimise/stages.py).
    wall_limit: float | None = None
    # With light_presolve, also no symmetry detection and no inclusion or clique merging in presolve: on a month of a
    # synthetic year (47,000 variables) the first solution came at 0.8 s instead of 1.3 s, the first improvement in
    # under 1.5 s (optimise/decompose.py's months).
    quick_start: bool = False


# Deterministic work units CP-SAT's interleaved LNS spends per wall-clock second and worker on the bundled quarters:
# 0.19 with 2 workers on a 2-core machine, presolve included (bench/README.md). 0.15 leaves a margin so that the
# deterministic budget, not the wall-clock cap, ends the search on such a machine.
DETERMINISTIC_UNITS_PER_WORKER_SECOND = 0.15


@dataclass(frozen=True)
class Progress:
    solutions: int
    objective: float
    bound: float
    elapsed: float
    # "search": a solution of CP-SAT's; a stage's name (optimise/stages.py): a solution of that stage, its objective
    # in the stage's own terms. "greedy": on a horizon solved month by month, the complete greedy rota, which Ctrl-C
    # keeps from then on (its objective, over the whole horizon, is not computed: NaN).
    source: str = "search"

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


def relative_gap(objective: float, bound: float) -> float:
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)


@dataclass(frozen=True)
class SolveOutcome:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN, MODEL_INVALID
    assignments: tuple[Assignment, ...]
    objective: float | None
    bound: float | None
    wall_time: float
    first_solution_time: float | None
    penalties: dict[str, list[tuple[str, int]]]  # rule -> [(label, count)] of the terms that are not zero
    parameters: dict[str, Any]
    model_size: dict[str, int]
    progress: tuple[Progress, ...] = ()
    interrupted: bool = False  # Ctrl-C stopped the search (the best rota found is kept)
    watched: dict[str, int] = field(default_factory=dict)  # the values of `solve_model`'s `watch` expressions
    values: tuple[int, ...] = ()  # every variable's value, when `solve_model` was asked to keep them

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"

    @property
    def found(self) -> bool:
        return self.status in {"OPTIMAL", "FEASIBLE"}

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return relative_gap(self.objective, self.bound)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, on_progress: Callable[[Progress], None] | None, source: str = "search") -> None:
        super().__init__()
        self.started = started
        self.on_progress = on_progress
        self.source = source
        self.history: list[Progress] = []

    def on_solution_callback(self) -> None:
        progress = Progress(
            solutions=len(self.history) + 1,
            objective=self.objective_value,
            bound=proven_bound(self.best_objective_bound),
            elapsed=time.monotonic() - self.started,
            source=self.source,
        )
        self.history.append(progress)
        if self.on_progress is not None:
            self.on_progress(progress)


def proven_bound(cp_sat_bound: float) -> float:
    """The best lower bound known on the objective. Every penalty of the objective is a non-negative count or
    distance with a positive weight, so 0 is proven whatever CP-SAT reports: its large neighbourhood search alone
    (the reproducible search) never raises its own bound above the presolve's, which can be negative."""
    return max(0.0, cp_sat_bound)


def solver_parameters(options: SolveOptions, complete_start: bool = True) -> dict[str, Any]:
    """CP-SAT parameters; the reproducible search needs a complete starting rota (`SolveOptions.deterministic`)."""
    parameters: dict[str, Any] = {
        "max_time_in_seconds": float(options.wall_limit if options.wall_limit is not None else options.time_limit),
        "num_workers": int(options.workers),
        "random_seed": int(options.seed),
    }
    if options.deterministic and complete_start:
        parameters["interleave_search"] = True
        parameters["use_lns_only"] = options.lns_only
        parameters["max_deterministic_time"] = round(
            DETERMINISTIC_UNITS_PER_WORKER_SECOND * options.workers * options.time_limit, 3
        )
        if options.light_presolve:
            # Starting from a complete rota, the search needs no proof from presolve: one pass without probing
            # reaches the first improvement in 0.6 s instead of 1.8 s on Lorraine (a quarter of a 5 s stage).
            parameters["max_presolve_iterations"] = 1
            parameters["cp_model_probing_level"] = 0
            if options.quick_start:
                parameters["symmetry_level"] = 0
                parameters["presolve_inclusion_work_limit"] = 0
                parameters["merge_at_most_one_work_limit"] = 0
    return parameters


def solve_model(
    rota: RotaModel,
    options: SolveOptions,
    on_progress: Callable[[Progress], None] | None = None,
    watch: dict[str, Any] | None = None,
    start: Sequence[int] | None = None,
    keep_values: bool = False,
    source: str = "search",
) -> SolveOutcome:
    """Search for the best rota within the options' budget. `start`: a value for every variable of the model (the
    `values` of an earlier outcome of the same model), a complete starting rota that `options.hint` then need not
    give; `keep_values`: return every variable's value, to start a later search from."""
    solver = cp_solver()
    started = time.monotonic()
    if start is not None:
        set_complete_hint(rota.model, start)
        complete_start = True
    else:
        complete_start = bool(options.hint) and apply_hint(rota, options.hint or [])
    parameters = solver_parameters(options, complete_start)
    for name, value in parameters.items():
        setattr(solver.parameters, name, value)
    solver.parameters.log_search_progress = options.log
    callback = _Progress(started, on_progress, source)
    status, interrupted = search_until_done(solver, rota.model, callback)
    wall = time.monotonic() - started
    if options.deterministic and "max_deterministic_time" not in parameters:
        # No complete starting rota (the greedy one left periods uncovered): the portfolio searched on the clock.
        parameters = {**parameters, "reproducible": False}
    elif "max_deterministic_time" in parameters:
        # Reproducible only when the deterministic budget (or a proven optimum), not the wall clock or Ctrl-C, ended
        # the search. A search that stops short of its budget for another reason is not claimed reproducible: two
        # such stages, measured, gave different rotas on a loaded machine.
        parameters = {
            **parameters,
            "deterministic_time_used": round(solver.deterministic_time, 3),
            "reproducible": not interrupted
            and (
                solver.deterministic_time >= parameters["max_deterministic_time"] - 1e-6 or status == cp_model.OPTIMAL
            ),
        }
    name = solver.status_name(status)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assignments: list[Assignment] = []
    penalties: dict[str, list[tuple[str, int]]] = {}
    watched: dict[str, int] = {}
    values: tuple[int, ...] = ()
    if found:
        watched = {name: int(solver.value(expression)) for name, expression in (watch or {}).items()}
        solution = solver.response_proto.solution
        if keep_values:
            values = tuple(solution)
        for (r, slot), var in rota.x.items():
            if solution[var.index]:
                period = rota.plan.slots[slot]
                assignments.append(Assignment(period.date, period.kind, period.site_id, r))
        for penalty in rota.penalties:
            count = int(solver.value(penalty.expression))
            if count:
                penalties.setdefault(penalty.rule, []).append((penalty.label, count))
    proto = rota.model.proto
    return SolveOutcome(
        status=name,
        assignments=tuple(sorted(assignments)),
        objective=solver.objective_value if found else None,
        bound=proven_bound(solver.best_objective_bound) if found else None,
        wall_time=wall,
        first_solution_time=callback.history[0].elapsed if callback.history else None,
        penalties=penalties,
        parameters=parameters,
        model_size={"variables": len(proto.variables), "constraints": len(proto.constraints)},
        progress=tuple(callback.history),
        interrupted=interrupted,
        watched=watched,
        values=values,
    )


def search_until_done(
    solver: cp_model.CpSolver, model: cp_model.CpModel, callback: cp_model.CpSolverSolutionCallback
) -> tuple[Any, bool]:
    """Solve, letting Ctrl-C stop the search and keep the best rota found; returns the status and whether Ctrl-C
    stopped it. The search runs in a thread while the main thread waits, so that Python receives the interrupt and
    asks CP-SAT to stop; elsewhere than in the main thread, signals cannot reach Python, and the search simply runs."""
    solver.parameters.catch_sigint_signal = False  # see cp_solver
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model, callback), False
    outcome: list[Any] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(solver.solve(model, callback))
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    interrupted = False
    while True:
        # Event.wait, not Thread.join: a join interrupted by Ctrl-C can leave the thread looking finished.
        try:
            if done.wait(0.1):
                break
        except KeyboardInterrupt:
            interrupted = True
            solver.stop_search()
    if failure:
        raise failure[0]
    return outcome[0], interrupted


def apply_hint(rota: RotaModel, assignments: Iterable[Assignment], workers: int = 1) -> bool:
    """Start the search from a known rota (the greedy one): with every variable's value when the rota fits the model
    (`completed_values`), else only the x variables as a partial, best-effort hint; returns whether it was complete.
    """
    assignments = list(assignments)
    values = completed_values(rota, assignments, workers)
    if values is not None:
        set_complete_hint(rota.model, values)
        return True
    rota.model.clear_hints()
    chosen = {(a.radiologist_id, a.key) for a in assignments}
    for (r, slot), var in rota.x.items():
        rota.model.add_hint(var, (r, rota.plan.slots[slot].key) in chosen)
    return False


def set_complete_hint(model: cp_model.CpModel, values: Sequence[int]) -> None:
    """Hint every variable of the model, straight into its proto: add_hint one variable at a time took 8 s of a
    synthetic year's 48 month stages (2.3 million calls)."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def completed_values(rota: RotaModel, assignments: Iterable[Assignment], workers: int = 1) -> tuple[int, ...] | None:
    """Every variable's value for a rota: the rota fixes the x variables, and a short solve of a copy of the model
    with them fixed gives every other variable (on-call windows, loads, penalties) a value; None when the rota does
    not fit the model."""
    chosen = {(a.radiologist_id, a.key) for a in assignments}
    fixed = rota.model.clone()
    fixed.clear_hints()
    variables = fixed.proto.variables
    for (r, slot), var in rota.x.items():
        # Fixed as the variable's domain, which presolve reads at once (a constraint each cost a synthetic year's
        # month a second to add).
        domain = variables[var.index].domain
        domain[0] = domain[1] = int((r, rota.plan.slots[slot].key) in chosen)
    solver = cp_solver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = 10.0
    solver.parameters.stop_after_first_solution = True
    status = solver.solve(fixed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return tuple(int(v) for v in solver.response_proto.solution)


def cp_solver() -> cp_model.CpSolver:
    """A CP-SAT solver that leaves Ctrl-C to Python: CP-SAT's own handler, once a solve ends, leaves the interrupt
    unhandled, so that a later Ctrl-C would kill the process without a word (search_until_done handles it)."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver


def link_or(model: cp_model.CpModel, target: cp_model.IntVar, literals: list[cp_model.IntVar]) -> None:
    """target == OR(literals), as clauses (cheaper for presolve than a max-equality)."""
    for literal in literals:
        model.add_implication(literal, target)
    model.add_bool_or(literals).only_enforce_if(target)


def month_limit(limit: int, fte: float) -> int:
    """A monthly limit pro rata FTE, rounded up so that part-timers are not barred from their share."""
    return math.ceil(limit * fte - 1e-9)


def slot_month(period: Period) -> str:
    return f"{period.date:%Y-%m}"
