"""The pool design's notes in words: French by default in pools_summary.csv, English on request, structured and
English in pools_design.json.

Tiny's designs give each kind of note (see tests/analysis/test_pool_design.py for why): at an 80 % target Nancy has
no possible partner, at 81 % it is too busy even alone, at 50 % Verdun has two partners better used elsewhere.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import pytest

from pds_plan import load_scenario
from pds_plan.analysis.pool_design import (
    BelowTarget,
    DesignSettings,
    FewCredentialed,
    KeptAlone,
    NoCredential,
    NoteKind,
    OverPeakLimit,
    RefusalKind,
    RefusedPairs,
    ShortStaffed,
    TooBusyAlone,
    design_pools,
)
from pds_plan.analysis.pool_notes import (
    design_metadata,
    design_notes,
    note_of,
    note_record,
    note_text,
    notes_text,
    refusal_text,
    summary_rows,
)
from pds_plan.domain.language import Language
from pds_plan.domain.model import PeriodKind
from pds_plan.outputs.pool_design import write_pool_design

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"

# Words of the English notes that no French note may hold (matched as whole words, whatever the case).
ENGLISH_WORDS = (
    "too busy", "reader", "alone", "even", "needs", "on-site", "cover", "partner", "partners", "better", "used",
    "pool", "pooling", "pairing", "pair", "pairs", "with it", "lacking", "credentialed", "credential", "radiologist",
    "radiologists", "over", "limit", "peak", "hour", "missing", "turnaround", "target", "only", "holds", "reports",
    "within", "under", "night", "reading", "other", "both", "the", "of", "for", "its", "no", "would", "lower",
    "number", "call",
)  # fmt: skip

EVERY_NOTE = (
    TooBusyAlone(BelowTarget(0.809, PeriodKind.NIGHT, 30.0, 0.95)),
    TooBusyAlone(BelowTarget(0.9, PeriodKind.SATURDAY, 22.5, 0.955)),
    TooBusyAlone(BelowTarget(0.9, PeriodKind.SUNDAY_HOLIDAY, 30.0, 0.95)),
    KeptAlone(0),
    KeptAlone(1),
    KeptAlone(2),
    KeptAlone(0, (RefusedPairs(RefusalKind.BELOW_TARGET, 2), RefusedPairs(RefusalKind.FEW_CREDENTIALED, 1))),
    KeptAlone(1, (RefusedPairs(RefusalKind.OVER_PEAK_LIMIT, 1),)),
    KeptAlone(0, (RefusedPairs(RefusalKind.OVER_PEAK_LIMIT, 3), RefusedPairs(RefusalKind.FEW_CREDENTIALED, 2))),
    ShortStaffed(1, 3),
    ShortStaffed(2, 3),
    NoCredential(),
)


def english_words(text: str) -> list[str]:
    return [w for w in ENGLISH_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE)]


@pytest.fixture(scope="module")
def designs():
    tiny = load_scenario(TINY)
    staff = tuple(dataclasses.replace(r, sites=r.sites - {"verdun"}) for r in tiny.radiologists)
    peak = dataclasses.replace(tiny, rules=dataclasses.replace(tiny.rules, max_peak_reading_minutes_per_hour=30))
    return {
        "no partner": design_pools(tiny, DesignSettings(sla_target=0.8)),
        "too busy": design_pools(tiny, DesignSettings(sla_target=0.81)),
        "partners": design_pools(tiny, DesignSettings(sla_target=0.5)),
        "nobody reads verdun": design_pools(
            dataclasses.replace(tiny, radiologists=staff), DesignSettings(sla_target=0.5)
        ),
        "peak limit": design_pools(peak, DesignSettings(sla_target=0.5)),
    }


def with_every_note(design):
    """The design with one pool per kind of note (the figures of its first pool): every wording in one file."""
    pools = tuple(
        dataclasses.replace(design.pools[0], pool_id=f"P{n:02d}", notes=(note,)) for n, note in enumerate(EVERY_NOTE)
    )
    return dataclasses.replace(design, pools=pools)


def summary_notes(folder) -> list[str]:
    with (folder / "pools_summary.csv").open(encoding="utf-8") as stream:
        return [row["note"] for row in csv.DictReader(stream)]


def test_a_french_pools_summary_has_no_english_note_words(designs, tmp_path):
    written = []
    for n, design in enumerate([*designs.values(), with_every_note(designs["partners"])]):
        write_pool_design(design, tmp_path / str(n))  # French by default
        written += summary_notes(tmp_path / str(n))
    notes = [note for note in written if note]
    assert len(notes) >= 4 + len(EVERY_NOTE)  # a site nobody reads is in no pool
    assert [(note, english_words(note)) for note in notes if english_words(note)] == []
    # The list does catch the English notes.
    write_pool_design(with_every_note(designs["partners"]), tmp_path / "en", language=Language.EN)
    assert all(english_words(note) for note in summary_notes(tmp_path / "en"))


def test_the_french_notes_read_as_a_planner_writes_them(designs):
    said = {name: [row["note"] for row in summary_rows(design)] for name, design in designs.items()}
    assert said["no partner"][1] == (
        "aucun partenaire possible : 2 paires avec ce site manqueraient l'objectif de délai de réponse"
    )
    assert said["too busy"][1] == (
        "trop chargé pour un seul lecteur, même seul : 80,9 % des comptes rendus de nuit en moins de 30 min, sous "
        "l'objectif de 81 % ; il faut un second lecteur ou une présence sur place"
    )
    assert said["partners"][1] == (
        "2 partenaires possibles, mieux employés dans un autre regroupement ou seuls (les regrouper ne réduirait "
        "pas le nombre de radiologues d'astreinte)"
    )
    assert said["peak limit"][1] == (
        "aucun partenaire possible : 2 paires avec ce site dépasseraient la limite de lecture à l'heure de pointe"
    )
    assert said["no partner"][0] == ""  # a pool of two sites has nothing to explain
    assert note_text(designs["nobody reads verdun"].unpoolable["verdun"]) == (
        "aucun radiologue n'a de convention pour ce site"
    )


@pytest.mark.parametrize(
    ("note", "french", "english"),
    [
        (ShortStaffed(1, 3), "seulement 1 radiologue conventionné pour ce site",
         "only 1 radiologist credentialed for it"),
        (ShortStaffed(3, 4), "seulement 3 radiologues conventionnés pour ce site",
         "only 3 radiologists credentialed for it"),
        (
            KeptAlone(1),
            "1 partenaire possible, mieux employé dans un autre regroupement ou seul (les regrouper ne réduirait pas "
            "le nombre de radiologues d'astreinte)",
            "1 possible partner, better used in another pool or alone (pairing it would not lower the number of "
            "radiologists on call)",
        ),
        (KeptAlone(0), "aucun autre site avec lequel le regrouper", "no other site to pool it with"),
        (
            KeptAlone(2, (RefusedPairs(RefusalKind.FEW_CREDENTIALED, 1), RefusedPairs(RefusalKind.OVER_PEAK_LIMIT, 1))),
            "2 partenaires possibles, mieux employés dans un autre regroupement ou seuls (les regrouper ne réduirait "
            "pas le nombre de radiologues d'astreinte) ; 1 paire avec ce site manquerait de radiologues conventionnés "
            "pour les deux sites ; 1 paire avec ce site dépasserait la limite de lecture à l'heure de pointe",
            "2 possible partners, better used in another pool or alone (pairing it would not lower the number of "
            "radiologists on call); 1 pair with it lacking radiologists credentialed for both sites; 1 pair with it "
            "over the peak reading limit",
        ),
        (
            TooBusyAlone(BelowTarget(0.9123, PeriodKind.SATURDAY, 22.5, 0.955)),
            "trop chargé pour un seul lecteur, même seul : 91,2 % des comptes rendus du samedi après-midi en moins "
            "de 22,5 min, sous l'objectif de 95,5 % ; il faut un second lecteur ou une présence sur place",
            "too busy for one reader even alone: 91.2% of Saturday afternoon reports within 22.5 min, under the "
            "95.5% target; needs a second reader or on-site cover",
        ),
        (NoCredential(), "aucun radiologue n'a de convention pour ce site",
         "no radiologist holds a credential (convention) for it"),
    ],
)  # fmt: skip
def test_each_note_in_both_languages(note, french, english):
    assert note_text(note) == french == note_text(note, Language.FR)
    assert note_text(note, Language.EN) == english


def test_refusals_in_both_languages():
    assert refusal_text(FewCredentialed(0, 3)) == "aucun radiologue conventionné pour tous ses sites"
    assert refusal_text(FewCredentialed(1, 3), Language.EN) == "1 radiologist credentialed for all its sites"
    assert refusal_text(OverPeakLimit(1234.4, 45)) == (
        "1\u202f234 minutes de lecture à l'heure de pointe, au-delà de la limite de 45"
    )
    assert refusal_text(OverPeakLimit(44.2, 22.5), Language.EN) == (
        "44 reading minutes per peak hour, over the limit of 22.5"
    )
    assert refusal_text(BelowTarget(0.5, PeriodKind.SUNDAY_HOLIDAY, 30, 0.9)) == (
        "50,0 % des comptes rendus des dimanches et fériés en moins de 30 min, sous l'objectif de 90 %"
    )
    assert notes_text([ShortStaffed(2, 3), NoCredential()]) == (
        "seulement 2 radiologues conventionnés pour ce site ; aucun radiologue n'a de convention pour ce site"
    )
    assert notes_text([ShortStaffed(2, 3), NoCredential()], Language.EN).count("; ") == 1


def test_pools_design_json_keeps_english_sentences_and_holds_the_notes_structured(designs, tmp_path):
    design = designs["too busy"]
    write_pool_design(design, tmp_path)  # French notes in pools_summary.csv ...
    metadata = json.loads((tmp_path / "pools_design.json").read_text(encoding="utf-8"))
    # ... but the machine file is the same in any language, its sentences English as they always were
    assert metadata == json.loads(json.dumps(design_metadata(design)))
    assert metadata["sites_alone"]["nancy"].startswith("too busy for one reader even alone: 80.9% of night reports")
    assert metadata["unpoolable_sites"] == {}
    (record,) = metadata["notes"]
    assert record["pool_id"] == "P02" and record["site_ids"] == ["nancy"] and record["kind"] == "too_busy_alone"
    assert record["refusal"]["kind"] == "below_target" and record["refusal"]["period"] == "night"
    assert record["refusal"]["target"] == 0.81 and record["refusal"]["share"] == pytest.approx(0.809, abs=1e-3)
    # Read back, the notes word the same in any language: what a report in English needs.
    assert design_notes(metadata) == {"P02": design.pools[1].notes}
    assert notes_text(design_notes(metadata)["P02"], Language.EN) == metadata["sites_alone"]["nancy"]
    nobody = design_metadata(designs["nobody reads verdun"])
    assert nobody["unpoolable_sites"] == {"verdun": "no radiologist holds a credential (convention) for it"}
    assert {"pool_id": None, "site_ids": ["verdun"], "kind": "no_credential"} in nobody["notes"]
    assert design_notes(nobody)[None] == (NoCredential(),)
    assert design_notes({}) == {}  # a pools_design.json written before the notes were recorded


def test_every_note_reads_back_from_its_record():
    assert {type(note).kind for note in EVERY_NOTE} == set(NoteKind)
    for note in EVERY_NOTE:
        record = json.loads(json.dumps(note_record(note)))
        assert note_of(record) == note, record
