"""Files of a pool design: pools.csv (the input contract's format, which `solve` reads), pools_summary.csv and
pools_design.json (settings, explanations and figures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pds_plan.analysis.pool_design import PoolDesign, summary_rows
from pds_plan.io.spreadsheet import csv_text
from pds_plan.io.writers import atomic_write_text, refuse_to_overwrite

POOL_FILES = ("pools.csv", "pools_summary.csv", "pools_design.json")


def pools_frame(design: PoolDesign) -> pd.DataFrame:
    return pd.DataFrame([{"pool_id": m.pool_id, "site_id": m.site_id} for m in design.members()])


def design_metadata(design: PoolDesign) -> dict[str, Any]:
    settings = design.settings
    return {
        "scenario": design.scenario.name,
        "start": design.scenario.start.isoformat(),
        "end": design.scenario.end.isoformat(),
        "settings": {
            "max_sites": settings.max_sites or design.scenario.rules.max_sites_per_radiologist,
            "sla_minutes": settings.sla_minutes,
            "sla_target": settings.sla_target,
            "min_radiologists": settings.min_radiologists,
            "replications": settings.replications,
            "seed": settings.seed,
            "service_cv": settings.cv,
            "km_other_ght": settings.km_other_ght,
            "km_other_departement": settings.km_other_departement,
        },
        "period_kinds": [k.value for k in design.kinds],
        "pools": len(design.pools),
        "radiologists_on_call_at_once": design.on_call_at_night,
        "pds_sites": len(design.scenario.pds_sites),
        "pools_meeting_sla": sum(1 for p in design.pools if p.meets_sla),
        "candidates_tried": design.candidates_tried,
        "candidates_allowed": design.candidates_allowed,
        "proven_optimal": design.optimal,
        "seconds": round(design.seconds, 2),
        "unpoolable_sites": design.unpoolable,
        "radiologists_who_can_read_no_pool": list(design.idle_radiologists()),
        "sites_alone": design.explanations,
    }


def pool_design_texts(design: PoolDesign) -> dict[str, str]:
    """The text of each file of the design, by file name."""
    return {
        "pools.csv": csv_text(pools_frame(design)),
        "pools_summary.csv": csv_text(pd.DataFrame(summary_rows(design))),
        "pools_design.json": json.dumps(design_metadata(design), indent=2, ensure_ascii=False) + "\n",
    }


def write_pool_design(design: PoolDesign, folder: Path | str, force: bool = False) -> list[Path]:
    """Write the three files into `folder` (created if needed), each atomically; existing ones are refused first,
    before anything is written, unless `force`."""
    folder = Path(folder)
    for name in POOL_FILES:
        refuse_to_overwrite(folder / name, force)
    return [atomic_write_text(folder / name, text, force=force) for name, text in pool_design_texts(design).items()]
