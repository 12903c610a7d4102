"""Files of a pool design: pools.csv (the input contract's format, which `solve` reads), pools_summary.csv and
pools_design.json (settings, explanations and figures).

The design's notes (`analysis.pool_design`: `Refusal`, `PoolNote`) are worded and recorded by
`analysis.pool_notes`: pools_summary.csv, for people, has its note column in the language asked for (French by
default); pools_design.json, for programs, keeps its English sentences and holds the notes structured.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pds_plan.analysis.pool_design import PoolDesign
from pds_plan.analysis.pool_notes import design_metadata, summary_frame
from pds_plan.domain.language import DEFAULT_LANGUAGE, Language
from pds_plan.io.spreadsheet import csv_text
from pds_plan.io.writers import atomic_write_text, refuse_to_overwrite

POOL_FILES = ("pools.csv", "pools_summary.csv", "pools_design.json")


def pools_frame(design: PoolDesign) -> pd.DataFrame:
    return pd.DataFrame([{"pool_id": m.pool_id, "site_id": m.site_id} for m in design.members()])


def pool_design_texts(design: PoolDesign, language: Language = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The text of each file of the design, by file name; the notes of pools_summary.csv in `language`."""
    return {
        "pools.csv": csv_text(pools_frame(design)),
        "pools_summary.csv": csv_text(summary_frame(design, language)),
        "pools_design.json": json.dumps(design_metadata(design), indent=2, ensure_ascii=False) + "\n",
    }


def write_pool_design(
    design: PoolDesign, folder: Path | str, force: bool = False, language: Language = DEFAULT_LANGUAGE
) -> list[Path]:
    """Write the three files into `folder` (created if needed), each atomically; existing ones are refused first,
    before anything is written, unless `force`. pools_summary.csv's notes are in `language` (French by default)."""
    folder = Path(folder)
    for name in POOL_FILES:
        refuse_to_overwrite(folder / name, force)
    texts = pool_design_texts(design, language)
    return [atomic_write_text(folder / name, text, force=force) for name, text in texts.items()]
