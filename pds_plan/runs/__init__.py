"""The run layer: library functions on in-memory objects (solve, the pipeline, compare) that the CLI, notebooks and
later the sweep call."""

from pds_plan.runs.solve import DECOMPOSE_AFTER_DAYS, METHODS, RunResult, solve

__all__ = ["DECOMPOSE_AFTER_DAYS", "METHODS", "RunResult", "solve"]
