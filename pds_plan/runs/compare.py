"""Runs side by side: one row per run, the key figures of each (the same values its summary.json holds)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pds_plan.domain.run import Run

# The columns of compare.csv, in order; after `run` and `scenario` every one is a field of `KeyFigures`.
COMPARE_COLUMNS = (
    "run", "scenario", "status", "gap", "pds_sites", "pooled_sites", "on_call_per_night", "sla_minutes",
    "sla_target", "worst_site", "worst_site_name", "worst_site_sla_share", "pools_below_target", "regional_sla_share",
    "fairness_max_over_min", "fairness_within_groups", "fairness_floor", "baseline_max_over_min",
    "fairness_hours_max_over_min", "baseline_hours_max_over_min", "radiologists",
    "radiologists_excluded", "daytime_days_lost", "daytime_days_lost_without_pooling", "cost_total_eur",
    "cost_no_pooling_eur", "violations",
)  # fmt: skip


def compare(runs: Sequence[tuple[str, Run]]) -> pd.DataFrame:
    """One row per (name, run), the columns of COMPARE_COLUMNS: the runs' key figures, unrounded."""
    rows = []
    for name, run in runs:
        figures = run.figures.as_dict()
        rows.append({"run": name, **{c: figures[c] for c in COMPARE_COLUMNS if c != "run"}})
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
