"""The pool design's notes in words and as records: what `analysis.pool_design` says about a pool or a site, worded
for people and kept for programs.

The design says why a candidate pool is refused and why a site stays alone as structured notes (`Refusal`,
`PoolNote`); they are worded here, in French by default or in English, their numbers by Babel (`domain.language`).
A run's pools_summary.csv (`summary_frame`) is for people: its note column is in the language asked for (its column
names stay the ones the report and programs read). pools_design.json (`design_metadata`) is for programs: its
`unpoolable_sites` and `sites_alone` keep their English sentences whatever the language, and its `notes` hold the
same notes structured (`note_record`: a kind and its numbers), which `design_notes` reads back to word them in any
language. `outputs.pool_design` writes these files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from pds_plan.analysis.pool_design import (
    BelowTarget,
    FewCredentialed,
    KeptAlone,
    NoCredential,
    NoteKind,
    OverPeakLimit,
    PoolDesign,
    PoolNote,
    Refusal,
    RefusalKind,
    RefusedPairs,
    ShortStaffed,
    TooBusyAlone,
)
from pds_plan.analysis.pool_design import summary_rows as figure_rows
from pds_plan.domain.language import DEFAULT_LANGUAGE, Language, is_singular, number, period_word, share
from pds_plan.domain.model import PeriodKind

# Every word of the notes, one dict per language; a key ending in _one / _other is chosen by the count's plural
# (`domain.language.is_singular`), "{n}" being the count. French as an ARS planner writes it: "regroupement" for a
# pool, "conventionné" for a credentialed radiologist, "délai de réponse" for the turnaround.
TEXT: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {
        "join": " ; ",
        "too_busy_alone": "trop chargé pour un seul lecteur, même seul : {why} ; il faut un second lecteur ou une "
        "présence sur place",
        "partners_one": "{n} partenaire possible, mieux employé dans un autre regroupement ou seul (les regrouper ne "
        "réduirait pas le nombre de radiologues d'astreinte)",
        "partners_other": "{n} partenaires possibles, mieux employés dans un autre regroupement ou seuls (les "
        "regrouper ne réduirait pas le nombre de radiologues d'astreinte)",
        "no_partner": "aucun partenaire possible : {why}",
        "no_other_site": "aucun autre site avec lequel le regrouper",
        "pairs.few_credentialed_one": "{n} paire avec ce site manquerait de radiologues conventionnés pour les deux "
        "sites",
        "pairs.few_credentialed_other": "{n} paires avec ce site manqueraient de radiologues conventionnés pour les "
        "deux sites",
        "pairs.over_peak_limit_one": "{n} paire avec ce site dépasserait la limite de lecture à l'heure de pointe",
        "pairs.over_peak_limit_other": "{n} paires avec ce site dépasseraient la limite de lecture à l'heure de pointe",
        "pairs.below_target_one": "{n} paire avec ce site manquerait l'objectif de délai de réponse",
        "pairs.below_target_other": "{n} paires avec ce site manqueraient l'objectif de délai de réponse",
        "short_staffed_one": "seulement {n} radiologue conventionné pour ce site",
        "short_staffed_other": "seulement {n} radiologues conventionnés pour ce site",
        "no_credential": "aucun radiologue n'a de convention pour ce site",
        "few_credentialed_zero": "aucun radiologue conventionné pour tous ses sites",
        "few_credentialed_one": "seulement {n} radiologue conventionné pour tous ses sites",
        "few_credentialed_other": "seulement {n} radiologues conventionnés pour tous ses sites",
        "over_peak_limit_one": "{n} minute de lecture à l'heure de pointe, au-delà de la limite de {limit}",
        "over_peak_limit_other": "{n} minutes de lecture à l'heure de pointe, au-delà de la limite de {limit}",
        "below_target": "{share} des comptes rendus {period} en moins de {minutes} min, sous l'objectif de {target}",
        "period.night": "de nuit",
        "period.saturday": "du samedi après-midi",
        "period.sunday_holiday": "des dimanches et fériés",
    },
    Language.EN: {
        "join": "; ",
        "too_busy_alone": "too busy for one reader even alone: {why}; needs a second reader or on-site cover",
        "partners_one": "{n} possible partner, better used in another pool or alone (pairing it would not lower the "
        "number of radiologists on call)",
        "partners_other": "{n} possible partners, better used in another pool or alone (pairing it would not lower "
        "the number of radiologists on call)",
        "no_partner": "no possible partner: {why}",
        "no_other_site": "no other site to pool it with",
        "pairs.few_credentialed_one": "{n} pair with it lacking radiologists credentialed for both sites",
        "pairs.few_credentialed_other": "{n} pairs with it lacking radiologists credentialed for both sites",
        "pairs.over_peak_limit_one": "{n} pair with it over the peak reading limit",
        "pairs.over_peak_limit_other": "{n} pairs with it over the peak reading limit",
        "pairs.below_target_one": "{n} pair with it missing the turnaround target",
        "pairs.below_target_other": "{n} pairs with it missing the turnaround target",
        "short_staffed_one": "only {n} radiologist credentialed for it",
        "short_staffed_other": "only {n} radiologists credentialed for it",
        "no_credential": "no radiologist holds a credential (convention) for it",
        "few_credentialed_zero": "0 radiologists credentialed for all its sites",
        "few_credentialed_one": "{n} radiologist credentialed for all its sites",
        "few_credentialed_other": "{n} radiologists credentialed for all its sites",
        "over_peak_limit_one": "{n} reading minute per peak hour, over the limit of {limit}",
        "over_peak_limit_other": "{n} reading minutes per peak hour, over the limit of {limit}",
        "below_target": "{share} of {period} reports within {minutes} min, under the {target} target",
    },
}


def _counted(key: str, count: int, language: Language, **values: str) -> str:
    """The _one or _other form of `key` for `count` (the language's plural rules), "{n}" and `values` filled in."""
    form = TEXT[language][f"{key}_{'one' if is_singular(count, language) else 'other'}"]
    return form.format(n=number(count, language), **values)


def _amount(value: float, language: Language) -> str:
    """Minutes or a limit: whole when whole ("30"), else to a tenth ("22,5")."""
    return number(value, language, digits=0 if float(value).is_integer() else 1)


def _target(value: float, language: Language) -> str:
    """A target share: "95 %", or "95,5 %" when it is not a whole percentage."""
    return share(value, language, digits=0 if round(100 * value, 6).is_integer() else 1)


def _period(kind: PeriodKind, language: Language) -> str:
    if language is Language.FR:
        return TEXT[language].get(f"period.{kind.value}", period_word(kind.value, language))
    return period_word(kind.value, language)


def refusal_text(refusal: Refusal, language: Language = DEFAULT_LANGUAGE) -> str:
    """Why a candidate pool may not be chosen, in words."""
    if isinstance(refusal, FewCredentialed):
        if refusal.radiologists == 0:
            return TEXT[language]["few_credentialed_zero"]
        return _counted("few_credentialed", refusal.radiologists, language)
    if isinstance(refusal, OverPeakLimit):
        peak = round(refusal.peak_minutes)
        return _counted("over_peak_limit", peak, language, limit=_amount(refusal.limit, language))
    return TEXT[language]["below_target"].format(
        share=share(refusal.share, language, digits=1),
        period=_period(refusal.period, language),
        minutes=_amount(refusal.minutes, language),
        target=_target(refusal.target, language),
    )


def _refused_pairs(refused: Sequence[RefusedPairs], language: Language) -> str:
    return TEXT[language]["join"].join(_counted(f"pairs.{r.reason.value}", r.pairs, language) for r in refused)


def note_text(note: PoolNote, language: Language = DEFAULT_LANGUAGE) -> str:
    """One note of the design (why a site is alone, or cannot be covered), in words."""
    words = TEXT[language]
    if isinstance(note, TooBusyAlone):
        return words["too_busy_alone"].format(why=refusal_text(note.refusal, language))
    if isinstance(note, KeptAlone):
        refused = _refused_pairs(note.refused_pairs, language)
        if note.partners:
            head = _counted("partners", note.partners, language)
            return f"{head}{words['join']}{refused}" if refused else head
        return words["no_partner"].format(why=refused) if refused else words["no_other_site"]
    if isinstance(note, ShortStaffed):
        return _counted("short_staffed", note.radiologists, language)
    return words["no_credential"]


def notes_text(notes: Iterable[PoolNote], language: Language = DEFAULT_LANGUAGE) -> str:
    """A pool's notes in one cell: each in words, joined as the language punctuates ("; ", French " ; ")."""
    return TEXT[language]["join"].join(note_text(note, language) for note in notes)


def summary_rows(design: PoolDesign, language: Language = DEFAULT_LANGUAGE) -> list[dict[str, object]]:
    """pools_summary.csv's rows: the figures of each pool (`analysis.pool_design.summary_rows`, columns named as
    programs and the report read them) and its notes worded in `language`."""
    rows = figure_rows(design)
    for pool, row in zip(design.pools, rows, strict=True):
        row["note"] = notes_text(pool.notes, language)
    return rows


def summary_frame(design: PoolDesign, language: Language = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """pools_summary.csv as a table (a run's `design_table`)."""
    return pd.DataFrame(summary_rows(design, language))


# ------------------------------------------------------------------------------------------ the notes as records


def _plain(value: object) -> object:
    if isinstance(value, RefusedPairs):
        return {"reason": value.reason.value, "pairs": value.pairs}
    if isinstance(value, FewCredentialed | OverPeakLimit | BelowTarget):
        return refusal_record(value)
    if isinstance(value, PeriodKind):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def refusal_record(refusal: Refusal) -> dict[str, Any]:
    """A refusal as plain JSON: {"kind": "below_target", "share": 0.809, "period": "night", ...}."""
    return {"kind": refusal.kind.value, **{k: _plain(v) for k, v in vars(refusal).items()}}


def note_record(note: PoolNote) -> dict[str, Any]:
    """A note as plain JSON: its kind and its numbers, e.g. {"kind": "short_staffed", "radiologists": 2,
    "required": 3}; `note_of` reads it back."""
    return {"kind": note.kind.value, **{k: _plain(v) for k, v in vars(note).items()}}


def refusal_of(record: Mapping[str, Any]) -> Refusal:
    kind = RefusalKind(record["kind"])
    if kind is RefusalKind.FEW_CREDENTIALED:
        return FewCredentialed(int(record["radiologists"]), int(record["required"]))
    if kind is RefusalKind.OVER_PEAK_LIMIT:
        return OverPeakLimit(float(record["peak_minutes"]), float(record["limit"]))
    return BelowTarget(
        float(record["share"]), PeriodKind(record["period"]), float(record["minutes"]), float(record["target"])
    )


def note_of(record: Mapping[str, Any]) -> PoolNote:
    """The note a `note_record` holds."""
    kind = NoteKind(record["kind"])
    if kind is NoteKind.TOO_BUSY_ALONE:
        return TooBusyAlone(refusal_of(record["refusal"]))
    if kind is NoteKind.KEPT_ALONE:
        refused = tuple(RefusedPairs(RefusalKind(r["reason"]), int(r["pairs"])) for r in record["refused_pairs"])
        return KeptAlone(int(record["partners"]), refused)
    if kind is NoteKind.SHORT_STAFFED:
        return ShortStaffed(int(record["radiologists"]), int(record["required"]))
    return NoCredential()


def notes_records(design: PoolDesign) -> list[dict[str, Any]]:
    """pools_design.json's `notes`: each note of each pool (with its pool and sites), then each site no radiologist
    may read (pool null)."""
    records = [
        {"pool_id": pool.pool_id, "site_ids": list(pool.figures.site_ids), **note_record(note)}
        for pool in design.pools
        for note in pool.notes
    ]
    records += [{"pool_id": None, "site_ids": [site], **note_record(note)} for site, note in design.unpoolable.items()]
    return records


def design_notes(metadata: Mapping[str, Any]) -> dict[str | None, tuple[PoolNote, ...]]:
    """The notes of a pools_design.json (a run's `design`), by pool id (None: sites no radiologist may read), to
    word in any language with `notes_text`; empty for a file written before the notes were recorded."""
    notes: dict[str | None, list[PoolNote]] = {}
    for record in metadata.get("notes") or ():
        notes.setdefault(record.get("pool_id"), []).append(note_of(record))
    return {pool: tuple(found) for pool, found in notes.items()}


def design_metadata(design: PoolDesign) -> dict[str, Any]:
    """pools_design.json: the settings, the counts, and the notes (`unpoolable_sites` and `sites_alone` in English
    sentences, as they always were, and `notes` structured)."""
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
        "unpoolable_sites": {site: note_text(note, Language.EN) for site, note in design.unpoolable.items()},
        "radiologists_who_can_read_no_pool": list(design.idle_radiologists()),
        "sites_alone": {site: notes_text(notes, Language.EN) for site, notes in design.explanations.items()},
        "notes": notes_records(design),
    }
