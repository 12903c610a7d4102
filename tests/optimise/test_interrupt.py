"""Ctrl-C stops the search and keeps the best rota found, in one solve and in a horizon solved month by month."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import threading
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from pds_plan.check import check_rota
from pds_plan.optimise import decompose
from pds_plan.optimise.decompose import solve_by_month
from pds_plan.optimise.rota_model import SolveOptions, search_until_done


class _InterruptAfterFirstSolution(cp_model.CpSolverSolutionCallback):
    """Sends the process SIGINT (Ctrl-C) shortly after the first solution, while the search goes on."""

    def __init__(self) -> None:
        super().__init__()
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if self.solutions == 1:
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()


def _hard_knapsacks() -> cp_model.CpModel:
    """A first solution at once (nothing chosen), and no proof of optimality for a long while."""
    rng = random.Random(7)
    model = cp_model.CpModel()
    items = [model.new_bool_var(f"x{i}") for i in range(300)]
    for _ in range(40):
        weights = [rng.randint(100, 1000) for _ in items]
        model.add(sum(w * x for w, x in zip(weights, items, strict=True)) <= sum(weights) // 3)
    model.maximize(sum(rng.randint(100, 1000) * x for x in items))
    for x in items:
        model.add_hint(x, 0)
    return model


def test_ctrl_c_stops_the_search_and_keeps_the_best_solution():
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 60
    solver.parameters.num_workers = 2
    callback = _InterruptAfterFirstSolution()
    started = time.monotonic()
    status, interrupted = search_until_done(solver, _hard_knapsacks(), callback)
    assert interrupted
    assert status == cp_model.FEASIBLE
    assert time.monotonic() - started < 30
    # Python's own Ctrl-C handling is intact afterwards: a later interrupt is a KeyboardInterrupt, not a dead process.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_after_ctrl_c_the_months_left_keep_their_greedy_rota_and_nothing_more_is_searched(tiny, monkeypatch):
    searched = []
    real = decompose.solve_stages

    def interrupted_at_once(staged, options, settings, hint, on_progress=None):
        searched.append(staged.rota.scenario.start)
        outcome, records = real(staged, options, settings, hint, on_progress)
        return replace(outcome, interrupted=True), records

    monkeypatch.setattr(decompose, "solve_stages", interrupted_at_once)
    long = replace(tiny, end=dt.date(2027, 5, 31))
    decomposed = solve_by_month(long, SolveOptions(time_limit=8, workers=1))
    assert decomposed is not None
    outcome, _ = decomposed
    assert outcome.found and outcome.interrupted
    assert searched == [dt.date(2027, 1, 1)]  # January only; no polish of the whole horizon either
    assert outcome.parameters["decomposition"][1:] == [f"2027-0{m}: greedy kept (interrupted)" for m in range(2, 6)]
    assert outcome.parameters["reproducible"] is False
    assert check_rota(long, outcome.assignments) == []


def test_month_by_month_the_complete_greedy_rota_is_reported_first(tiny):
    from pds_plan.runs import solve

    seen = []
    long = replace(tiny, end=dt.date(2027, 5, 31))
    result = solve(long, SolveOptions(time_limit=5, workers=1), on_progress=seen.append)
    assert seen and seen[0].source == "greedy" and seen[0].solutions == 0
    assert seen[0].elapsed < result.outcome.wall_time
    stages = {name for name, _ in long.stages.shares()}
    assert seen[1:] and all(p.source in stages for p in seen[1:])  # the polish's stages
    assert result.violations == ()
