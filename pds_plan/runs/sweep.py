"""Scenario sweeps: every combination of settings a planner asks "what if" about, each a full run of the pipeline,
on dask.distributed (a LocalCluster by default, a real cluster by address) or serially.

Variants travel as plain data (a scenario path, the settings changed, the run's settings); the worker loads the
scenario, builds the model and solves it there (CP-SAT objects do not pickle), and returns the run object; the
client writes each run folder once its result is gathered, so no folder is ever half-written by a worker. A
variant is keyed by a hash of its content (the scenario's files, the settings changed and the run's settings):
re-running a sweep skips the variants whose folder holds that key already. A variant that fails (a bad value, no
feasible rota, a worker lost) is recorded with its error; the others complete. The search is reproducible (a
budget of deterministic work units), so a variant gives the same rota on any worker with the same CP-SAT threads.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pds_plan.domain.run import RunSettings, plain_json
from pds_plan.errors import InputError, PdsPlanError, Problem
from pds_plan.io.run_store import stored_figures, write_run
from pds_plan.io.scenario import load_scenario, scenario_keys
from pds_plan.runs.compare import COMPARE_COLUMNS

RUN_PREFIX = "run."  # keys of the run's own settings (RunSettings), beside the scenario file's `table.key`
SWEEP_TABLE = "sweep"


def sweep_keys() -> dict[str, str]:
    """Every key a sweep may vary: the scenario file's settings, and the run's (`run.sla_target`, ...)."""
    keys = scenario_keys()
    for name, spec in RunSettings.__dataclass_fields__.items():
        keys[f"{RUN_PREFIX}{name}"] = str(spec.type)
    return keys


def parse_value(text: str) -> Any:
    """A value as a TOML file would hold it: true/false, a whole number, a number, else text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text.strip()


def parse_sets(texts: Sequence[str]) -> dict[str, list[Any]]:
    """`KEY=V1,V2,...` options into {key: [values]}; InputError listing every unknown key with the valid ones."""
    sets: dict[str, list[Any]] = {}
    problems = []
    known = sweep_keys()
    for text in texts:
        key, equals, values = text.partition("=")
        key = key.strip()
        if not equals or not values.strip():
            problems.append(Problem("--set", f"'{text}': expected KEY=V1,V2,..."))
        elif key not in known:
            problems.append(Problem("--set", f"unknown key '{key}' (valid: {', '.join(sorted(known))})"))
        else:
            sets[key] = [parse_value(v) for v in values.split(",")]
    if problems:
        raise InputError(problems)
    return sets


def table_sets(path: Path) -> dict[str, list[Any]]:
    """The scenario file's own [sweep] table: key = [values] (or one value)."""
    import tomllib

    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # the loader reports an unreadable scenario, as that variant's error
    table = document.get(SWEEP_TABLE) or {}
    known = sweep_keys()
    unknown = [key for key in table if key not in known]
    if unknown:
        where = str(path)
        raise InputError(
            [Problem(where, f"[sweep] unknown key '{key}' (valid: {', '.join(sorted(known))})") for key in unknown]
        )
    return {key: list(value) if isinstance(value, list) else [value] for key, value in table.items()}


def _files_hash(path: Path) -> str:
    """A hash of a scenario file and every file beside it it may name: the content a variant is made from."""
    digest = hashlib.sha256()
    path = Path(path).resolve()
    digest.update(path.read_bytes() if path.is_file() else b"")
    for sibling in sorted(path.parent.glob("*.csv")):
        digest.update(sibling.name.encode())
        digest.update(sibling.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Variant:
    """One run of a sweep, as plain data: what travels to a worker."""

    scenario: str  # the scenario file
    overrides: tuple[tuple[str, Any], ...]  # the settings it changes, `table.key` or `run.name` → value
    settings: RunSettings
    content: str = ""  # hash of the scenario's files (filled by `expand`)

    @property
    def scenario_overrides(self) -> dict[str, Any]:
        return {k: v for k, v in self.overrides if not k.startswith(RUN_PREFIX)}

    @property
    def run_settings(self) -> RunSettings:
        changes = {k[len(RUN_PREFIX) :]: v for k, v in self.overrides if k.startswith(RUN_PREFIX)}
        return replace(self.settings, **changes)

    @property
    def key(self) -> str:
        document = {"content": self.content, "overrides": list(self.overrides), "settings": self.settings.as_dict()}
        return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def name(self) -> str:
        """The scenario by its file's name, or its folder's when the file is just `scenario.toml`."""
        path = Path(self.scenario)
        return path.parent.name if path.stem == "scenario" and path.parent.name else path.stem

    @property
    def label(self) -> str:
        changed = " ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in self.overrides)
        return f"{self.name}" + (f" {changed}" if changed else "")

    @property
    def folder_name(self) -> str:
        return f"{self.name}-{self.key[:10]}"

    def record(self) -> dict[str, Any]:
        return {"key": self.key, "overrides": dict(self.overrides), "scenario": self.scenario}


def expand(scenarios: Iterable[Path | str], sets: Mapping[str, Sequence[Any]], settings: RunSettings) -> list[Variant]:
    """Every combination of the values of `sets` (and of each scenario's own [sweep] table), per scenario."""
    variants = []
    for path in scenarios:
        combined = {**table_sets(Path(path)), **sets}
        keys = sorted(combined)
        content = _files_hash(Path(path))
        for values in itertools.product(*(combined[k] for k in keys)):
            variants.append(Variant(str(path), tuple(zip(keys, values, strict=True)), settings, content))
    return variants


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the run (without its solver objects), or why there is none."""

    variant: Variant
    run: Any = None  # a pds_plan.domain.run.Run
    error: str | None = None
    seconds: float = 0.0
    worker: str = ""


def run_variant(variant: Variant) -> Outcome:
    """One variant through the pipeline, in whichever process runs it; library errors become the outcome's error."""
    from pds_plan.runs.pipeline import plan  # in the worker: OR-Tools is loaded there

    started = time.monotonic()
    try:
        scenario = load_scenario(variant.scenario, overrides=variant.scenario_overrides)
        run = plan(scenario, variant.run_settings)
    except PdsPlanError as error:
        return Outcome(variant, error=_one_line(error), seconds=time.monotonic() - started, worker=_worker())
    # The solver's own objects stay in the worker: the folder holds everything else.
    run = replace(run, details=None, variant=variant.record())
    return Outcome(variant, run=run, seconds=time.monotonic() - started, worker=_worker())


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return "; ".join(lines[:3]) or type(error).__name__


def _worker() -> str:
    return f"pid {os.getpid()}"


@dataclass
class SweepResult:
    rows: pd.DataFrame  # sweep.csv: one row per variant
    folders: dict[str, Path] = field(default_factory=dict)  # variant key -> its run folder
    skipped: int = 0  # variants already finished by an earlier run of the sweep


def row_of(variant: Variant, figures: Mapping[str, Any] | None, error: str | None, seconds: float) -> dict[str, Any]:
    row: dict[str, Any] = {"variant": variant.label, "scenario": variant.name, "key": variant.key[:10]}
    row.update({key: value for key, value in variant.overrides})
    row["status"] = "error" if error else str((figures or {}).get("status"))
    row["error"] = error or ""
    row["seconds"] = round(seconds, 2)
    for column in COMPARE_COLUMNS:
        if column not in ("run", "scenario", "status"):
            row[column] = (figures or {}).get(column)
    return row


def run_sweep(
    variants: Sequence[Variant],
    out: Path,
    client: Any = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> SweepResult:
    """Run every variant not finished yet (on the Dask `client`, or here when None), write each run folder under
    `out` as its result comes back, and return sweep.csv's rows in the variants' order."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, Any]] = {}
    folders: dict[str, Path] = {}
    todo = []
    for variant in variants:
        figures = stored_figures(out / variant.folder_name, variant.key)
        if figures is None:
            todo.append(variant)
            continue
        rows[variant.key] = row_of(variant, figures, None, 0.0)
        folders[variant.key] = out / variant.folder_name
        if on_done:
            on_done(rows[variant.key])
    for outcome in _outcomes(todo, client):
        variant = outcome.variant
        error = outcome.error
        figures = None
        if outcome.run is not None:
            folder = out / variant.folder_name
            try:
                write_run(outcome.run, folder, force=True)  # a failed earlier attempt may have left it
                folders[variant.key] = folder
                figures = plain_json(outcome.run.figures.as_dict())
            except PdsPlanError as failure:
                error = _one_line(failure)
        rows[variant.key] = row_of(variant, figures, error, outcome.seconds)
        if on_done:
            on_done(rows[variant.key])
    ordered = [rows[v.key] for v in variants]
    return SweepResult(pd.DataFrame(ordered), folders, skipped=len(variants) - len(todo))


def _outcomes(variants: Sequence[Variant], client: Any) -> Iterable[Outcome]:
    """Outcomes as they finish: from the Dask cluster (a lost worker or any failure of a task is that variant's
    error), or computed here one after the other."""
    if client is None:
        for variant in variants:
            yield run_variant(variant)
        return
    from dask.distributed import as_completed

    futures = {client.submit(run_variant, variant, pure=False, key=f"variant-{variant.key[:16]}"): variant
               for variant in variants}  # fmt: skip
    for future in as_completed(futures):
        variant = futures[future]
        try:
            yield future.result()
        except Exception as error:  # a worker lost (KilledWorker), or a failure outside the library's own errors
            yield Outcome(variant, error=f"{type(error).__name__}: {_one_line(error)}")


def cpsat_threads(dask_workers: int, cores: int | None = None) -> int:
    """CP-SAT threads per variant so that Dask workers × CP-SAT threads stay within the machine's cores."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, dask_workers))


def local_client(workers: int | None = None) -> Any:
    """A LocalCluster sized to this machine: `workers` Dask worker processes (default: one per two cores, at least
    one), one thread each; the caller gives each variant `cpsat_threads(workers)` CP-SAT threads."""
    from dask.distributed import Client, LocalCluster

    cores = os.cpu_count() or 1
    count = workers or max(1, cores // 2)
    cluster = LocalCluster(
        n_workers=count, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    )
    return Client(cluster)


def remote_client(address: str | None = None, scheduler_file: Path | None = None) -> Any:
    """A client of an existing cluster, by address (tcp://host:8786) or scheduler file."""
    from dask.distributed import Client

    if scheduler_file is not None:
        return Client(scheduler_file=str(scheduler_file))
    return Client(address)


def close_client(client: Any) -> None:
    """Close the client and, for a local cluster it started, the cluster's worker processes too (closing the client
    alone leaves them running until the interpreter exits)."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()
