"""Read back a run folder written by `pds-plan solve` (rota, blocks, summary, manifest)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pds_plan.domain.model import PeriodKind, PoolMember, Scenario
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.scenario import load_scenario

RUN_FILES = ("rota.csv", "rota_by_radiologist.csv", "summary.json", "manifest.json")


@dataclass(frozen=True)
class RunFolder:
    path: Path
    rota: pd.DataFrame  # rota.csv: one row per site per period
    blocks: pd.DataFrame  # rota_by_radiologist.csv: one row per radiologist block
    summary: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def scenario_file(self) -> Path | None:
        """The scenario the run was made from, as recorded in the manifest (relative to the run folder)."""
        location = self.manifest.get("scenario_file")
        if not location:
            return None
        candidate = (self.path / location).resolve()
        return candidate if candidate.is_file() else None

    def pool_ids(self) -> dict[tuple[dt.date, PeriodKind, str], str]:
        """pool_id of each site period in rota.csv: the sites one radiologist covered together."""
        return _pool_ids(self.rota)


def _pool_ids(rota: pd.DataFrame) -> dict[tuple[dt.date, PeriodKind, str], str]:
    found: dict[tuple[dt.date, PeriodKind, str], str] = {}
    if "pool_id" not in rota.columns:
        return found
    for date, period, site_id, pool_id in zip(
        rota["date"], rota["period"], rota["site_id"], rota["pool_id"], strict=True
    ):
        try:
            key = (dt.date.fromisoformat(str(date)), PeriodKind(str(period)), str(site_id))
        except ValueError:
            continue  # rows that do not parse are the checker's business, not the report's
        if pool_id:
            found[key] = str(pool_id)
    return found


def load_run(folder: Path | str) -> RunFolder:
    """Read a run folder; InputError names every missing or unreadable file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(display_path(folder), "is not a run folder (made by `pds-plan solve`)")])
    missing = [name for name in RUN_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError([Problem(display_path(folder / name), "missing from the run folder") for name in missing])
    try:
        rota = pd.read_csv(folder / "rota.csv", dtype=str, keep_default_na=False)
        blocks = pd.read_csv(folder / "rota_by_radiologist.csv", dtype=str, keep_default_na=False)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise InputError([Problem(display_path(folder), f"unreadable run file ({error})")]) from None
    return RunFolder(folder, rota, blocks, summary, manifest)


def load_run_scenario(run: RunFolder, path: Path | str) -> Scenario:
    """The scenario a run was solved under: the scenario file, plus the pools designed into the run folder by
    `pds-plan run` when the scenario has none of its own (its pools.csv; the manifest says so)."""
    scenario = load_scenario(path)
    designed = run.path / "pools.csv"
    if scenario.pools or not str(run.manifest.get("pools", "")).startswith("designed") or not designed.is_file():
        return scenario
    try:
        rows = pd.read_csv(designed, dtype=str, keep_default_na=False)
        pools = tuple(
            PoolMember(str(pool), str(site)) for pool, site in zip(rows["pool_id"], rows["site_id"], strict=True)
        )
    except (ValueError, OSError, KeyError) as error:
        raise InputError([Problem(display_path(designed), f"unreadable pools file ({error})")]) from None
    return replace(scenario, pools=pools)
