"""The HTML report of a run: one self-contained file a planner can mail to the ARS or a hospital director.

`render_report` returns the HTML text (usable from a notebook); `write_report` writes it atomically. The file
stands alone: images are inline PNG data URIs, the CSS is inline, there is no script and no link or resource
outside the file, so that it opens the same way from a mail attachment, an intranet without internet access or a
printer (A4, `@media print`).

What the run folder holds is used as it is (map.png, plot_*.png, the `pds-plan analyse` files); a missing figure
is drawn in memory with `pds_plan.outputs.maps` / `plots`, and missing analysis files leave a line saying to run
`pds-plan analyse` instead of failing, since a report of the rota alone is still worth reading.

This module prepares the data: numbers and dates worded for the reader's language (`Formatter`, by Babel), the
key figures (`Kpi`), the scenario's facts (`Facts`), the tables as rows of plain values (`Table`, `Cell`). The
markup is in the Jinja2 templates beside it (`templates/report.html.j2`, `templates/macros.html.j2`,
`templates/report.css`), rendered with autoescape on: every value that comes from the input files (names, ids,
notes, messages) reaches the page as plain text and is escaped there, since a radiologist's name is text typed by
someone and must never become markup in the reader's browser. Only `markupsafe.Markup` passes as it is: the
sentences `Formatter.say` fills (the text is escaped, and so is every field that is not itself Markup), the pieces
the macros build, and the image data URIs (see `_data_uri`).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import math
import struct
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from matplotlib.figure import Figure
from PIL import Image as PILImage
from PIL import ImageChops

from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.language import SOLVER_WORDS, TITLE_WORDS, Language, cover_title, period_word
from pds_plan.domain.model import Scenario
from pds_plan.domain.run import KeyFigures
from pds_plan.errors import InputError, PdsPlanError, Problem, display_path
from pds_plan.io.run_folder import RunFolder
from pds_plan.io.writers import atomic_write_text, refuse_to_overwrite
from pds_plan.outputs.maps import render_map
from pds_plan.outputs.plots import (
    A4_LANDSCAPE,
    A4_PORTRAIT,
    PlotKind,
    draw_plot,
    figure_bytes,
    run_months,
    short_site_names,
)

SUFFIXES = (".html", ".htm")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
POOLS_FILE = "pools_summary.csv"
MAX_MESSAGES = 50  # rule-check messages listed; summary.json keeps at most this many anyway
DEFAULT_TARGET_MINUTES = 30.0
PORTRAIT_PLOTS = (PlotKind.WORKLOAD, PlotKind.FAIRNESS)  # as `write_plot` draws them
MINUS = "\u2212"  # the typographic minus: as wide as a digit, so that signed columns line up
SIDEWAYS_COLUMNS, SIDEWAYS_ROWS = 8, 8  # a generic table wider and shorter than this is shown turned
TEMPLATES = "templates"  # beside this module, shipped in the package: report.html.j2, macros.html.j2, report.css
PAGE_TEMPLATE, MACROS_TEMPLATE = "report.html.j2", "macros.html.j2"


# Every piece of text the report shows, one dict per language. Values are plain text (the templates escape them);
# `{name}` fields are filled by `Formatter.say`, which escapes them too unless they are Markup.
STRINGS: dict[Language, dict[str, str]] = {
    Language.FR: {
        **SOLVER_WORDS[Language.FR],
        "eyebrow": "Permanence des soins en radiologie · rapport de planification",
        "glossary": "Planning type tableur (référence) : ce que ferait un planificateur sur tableur, période par "
        "période, en donnant chaque astreinte au radiologue le moins chargé qui peut la prendre.",
        "period": "Du {start} au {end}",
        "days": "{n} jours",
        "generated": "Dossier du calcul {run} · calculé le {when} · pds-plan {version}",
        "pseudonymised": "Document pseudonymisé : les noms et identifiants des radiologues sont remplacés par des "
        "pseudonymes stables, dont la clé reste à l'ARS.",
        "facts": "Le scénario",
        "fact_sites": "Sites en PDS",
        "fact_radiologists": "Radiologues",
        "fact_periods": "Site-périodes PDS",
        "fact_periods_detail": "nuits, samedis après-midi, dimanches et fériés",
        "fact_horizon": "Horizon",
        "kpis": "Indicateurs clés",
        "kpi_status": "Optimiseur",
        "kpi_proven": "optimalité prouvée",
        "kpi_not_proven": "optimalité non prouvée",
        "kpi_stage_gap": "charge maximale à {gap} au plus de la meilleure possible (borne prouvée)",
        "kpi_check": "Contrôle des règles",
        "kpi_solve": "Temps de calcul",
        "kpi_solve_detail": "objectif {objective} · borne {bound} · écart {gap}",
        "kpi_solve_none": "pas de recherche CP-SAT (méthode {method})",
        "violations_0": "aucune violation",
        "violations_1": "1 violation",
        "violations_n": "{n} violations",
        "check_unknown": "non contrôlé",
        "kpi_check_detail": "toutes les règles dures revérifiées indépendamment",
        "kpi_fairness": "Équité (écart max/min)",
        "kpi_fairness_detail": "planning type tableur (référence) {baseline} · points par jour ETP disponible, "
        "1 = parfait",
        "kpi_fairness_floor": " · aucun planning en dessous de {floor} avec ces conventions",
        "kpi_fairness_groups": "Équité entre radiologues aux mêmes conventions",
        "kpi_fairness_hours": "Équité en heures d'astreinte (écart max/min)",
        "kpi_fairness_hours_detail": "planning type tableur (référence) {baseline} · heures par jour ETP disponible",
        "kpi_on_call": "Radiologues d'astreinte par nuit",
        "kpi_on_call_detail": "en moyenne, pour {sites} sites PDS · {pooled} sites lus avec un autre la plupart "
        "du temps",
        "kpi_duties": "Astreintes",
        "kpi_duties_detail": "contre {n} site-périodes sans mutualisation",
        "kpi_cost": "Coût total",
        "kpi_cost_detail": "contre {n} sans mutualisation ({diff})",
        "kpi_days_lost": "Jours perdus (repos de sécurité)",
        "kpi_days_lost_detail": "jours de radiologue en semaine · {n} sans mutualisation",
        "kpi_sla": "Comptes rendus en moins de {minutes} min",
        "kpi_sla_detail": "objectif {target} · simulé, pondéré par les examens attendus",
        "kpi_sla_worst": "Site le moins bien servi ({minutes} min)",
        "kpi_sla_worst_detail": "{site} · {below} · région {region}",
        "kpi_pools_ok": "tous les regroupements atteignent l'objectif de {target}",
        "kpi_pools_below_1": "1 regroupement sous l'objectif de {target} : {names}",
        "kpi_pools_below_n": "{n} regroupements sous l'objectif de {target} : {names}",
        "kpi_excluded": "Radiologues sans astreinte possible",
        "kpi_excluded_detail": "sur {n} : aucun site PDS ni pool entier dans leurs conventions · {ids}",
        "kpi_excluded_none": "sur {n} : chacun peut prendre des astreintes",
        "kpi_missing": "analyse absente",
        "placeholder_costs": "Tarifs par défaut (provisoires) : à fixer dans la table [costs] du scénario.",
        "missing_analysis": "Les fichiers d'analyse manquent dans ce run : lancez {command} pour obtenir la charge, "
        "les délais, les jours perdus et les coûts.",
        "unreadable": "{file} illisible ({why}) : ignoré.",
        "no_scenario": "Scénario introuvable : chiffres tirés des seuls fichiers du run (passez --scenario).",
        "optimiser": "Annexe technique : optimiseur et contrôle des règles",
        "method": "Méthode",
        "status": "Statut",
        "yes": "oui",
        "no": "non",
        "stages": "Étapes de l'optimisation, dans l'ordre",
        "stages_note": "Chaque étape part du planning de la précédente et la garde à {tolerance} près ; la charge "
        "est en points par part équitable, pour un radiologue de part moyenne.",
        "col_stage": "Étape",
        "col_part": "Mois",
        "col_value": "Valeur",
        "col_bound": "Borne",
        "col_gap": "Écart",
        "col_seconds": "Secondes",
        "col_status": "Statut",
        "stage.largest_load": "1. charge maximale (points)",
        "stage.smallest_load": "2. charge minimale (points)",
        "stage.hours_spread": "3. écart d'heures d'astreinte (h)",
        "stage.preferences": "4. préférences (pénalité)",
        "wall_time": "Temps de calcul",
        "seconds": "{n} s",
        "time_limit": "Limite de temps",
        "seed": "Graine",
        "note": "Remarque",
        "gap_note": "La borne que CP-SAT prouve sur l'objectif d'équité est faible : l'écart reste proche de 100 % "
        "même quand le rota est bon.",
        "check_result": "Contrôle des règles",
        "check_messages": "Violations (au plus {n} listées)",
        "map": "Carte de couverture",
        "map_caption": "Sites PDS dimensionnés par les examens attendus et formés selon leur type ; couleurs : "
        "mutualisations les plus fréquentes ; traits : vers le site d'origine du radiologue qui lit.",
        "figures": "Graphiques",
        "plot_workload": "Astreintes par radiologue et par semaine ISO, regroupés par site d'origine.",
        "plot_fairness": "Charge pondérée face à la part équitable : planning optimisé contre planning type tableur.",
        "plot_sla": "Part des comptes rendus dans le délai cible, par mutualisation, avec la ligne d'objectif.",
        "plot_calendar": "{month} : qui est d'astreinte pour quel site.",
        "figure_missing": "Figure indisponible : {why}",
        "needs_scenario": "il faut le scénario (--scenario)",
        "needs_analysis": "lancez {command}",
        "sites": "Sites",
        "radiologists": "Radiologues",
        "costs": "Coûts (€)",
        "costs_note": "Indemnités réparties selon les examens attendus, actes lus à distance, plateforme ; "
        "différence = mutualisé − sans mutualisation. Un site lu seul paie aussi des actes lus à distance quand le "
        "radiologue d'astreinte exerce dans un autre hôpital.",
        "pools": "Mutualisations",
        "col_site": "Site",
        "col_periods": "Périodes PDS",
        "col_exams": "Examens attendus",
        "col_reading_hours": "Heures de lecture",
        "col_sla": "≤ {minutes} min",
        "col_own": "Lu par son équipe",
        "col_uncovered": "Non couvertes",
        "col_radiologist": "Radiologue",
        "col_name": "Nom",
        "col_home": "Site d'origine",
        "col_nights": "Nuits",
        "col_saturdays": "Samedis",
        "col_sundays": "Dim./fériés",
        "col_duties": "Astreintes",
        "col_hours": "Heures",
        "col_points": "Points",
        "col_carried": "Reports",
        "col_fair_share": "Part équitable",
        "col_deviation": "Écart",
        "col_days_lost": "Jours perdus",
        "col_income": "Revenu (€)",
        "col_allowances": "Indemnités",
        "col_fees": "Actes à distance",
        "col_platform": "Plateforme",
        "col_total": "Total",
        "col_no_pooling": "Sans mutualisation",
        "col_difference": "Différence",
        "region": "Région",
        "radiologists_note": "Une période couvrant plusieurs sites compte pour une astreinte.",
        "footer": "Produit par pds-plan à partir du dossier {run}. Fond de carte : IGN – Admin Express COG 2018 "
        "(Licence Ouverte / Etalab).",
        "status.OPTIMAL": "Optimal",
        "status.FEASIBLE": "Solution trouvée",
        "status.UNKNOWN": "Aucune solution prouvée",
        "status.NOT_SEARCHED": "Non cherchée (trop peu de temps)",
        "status.TOGETHER": "Cherchée avec la charge maximale",
        "status.GREEDY_COMPLETE": "Planning type tableur",
        "status.GREEDY_INCOMPLETE": "Planning type tableur incomplet",
        "status.GREEDY_FALLBACK": "Repli sur le planning type tableur",
        "pool.pool_id": "Mutualisation",
        "pool.sites": "Sites",
        "pool.expected_exams_per_night": "Examens attendus par nuit",
        "pool.peak_utilisation": "Utilisation au pic",
        "pool.sla_share": "Part dans le délai",
        "pool.credentialed_radiologists": "Radiologues habilités",
        "pool.site_ids": "Identifiants des sites",
        "pool.n_sites": "Nombre de sites",
        "pool.read_on_call_per_night": "Lus d'astreinte par nuit",
        "pool.sla_share_night": "Part dans le délai, nuits",
        "pool.sla_share_saturday": "Part dans le délai, samedis",
        "pool.sla_share_sunday_holiday": "Part dans le délai, dimanches et fériés",
        "pool.sla_share_low": "Part dans le délai (borne basse)",
        "pool.sla_worst_period": "Période la plus chargée",
        "pool.p90_minutes": "Délai P90 (min)",
        "pool.spread_km": "Étendue (km)",
        "pool.meets_sla": "Objectif atteint",
    },
    Language.EN: {
        **SOLVER_WORDS[Language.EN],
        "eyebrow": "Radiology out-of-hours cover (PDS) · planning report",
        "glossary": "Spreadsheet-style rota (baseline): what a planner with a spreadsheet would do, period by period, "
        "giving each duty to the least loaded radiologist who may take it.",
        "period": "{start} to {end}",
        "days": "{n} days",
        "generated": "Run {run} · computed {when} · pds-plan {version}",
        "pseudonymised": "Pseudonymised: radiologists' names and ids are replaced by stable pseudonyms, whose key "
        "stays with the ARS.",
        "facts": "The scenario",
        "fact_sites": "PDS sites",
        "fact_radiologists": "Radiologists",
        "fact_periods": "PDS site-periods",
        "fact_periods_detail": "nights, Saturday afternoons, Sundays and holidays",
        "fact_horizon": "Horizon",
        "kpis": "Key figures",
        "kpi_status": "Optimiser",
        "kpi_proven": "proven optimal",
        "kpi_not_proven": "not proven optimal",
        "kpi_stage_gap": "largest load within {gap} of the least possible (proven bound)",
        "kpi_check": "Rule check",
        "kpi_solve": "Solve time",
        "kpi_solve_detail": "objective {objective} · bound {bound} · gap {gap}",
        "kpi_solve_none": "no CP-SAT search (method {method})",
        "violations_0": "no violation",
        "violations_1": "1 violation",
        "violations_n": "{n} violations",
        "check_unknown": "not checked",
        "kpi_check_detail": "every hard rule checked again, independently",
        "kpi_fairness": "Fairness (max/min spread)",
        "kpi_fairness_detail": "spreadsheet-style rota (baseline) {baseline} · points per FTE-available day, "
        "1 = perfect",
        "kpi_fairness_floor": " · no rota goes below {floor} under these credentials",
        "kpi_fairness_groups": "Fairness among radiologists sharing credentials",
        "kpi_fairness_hours": "Fairness in on-call hours (max/min spread)",
        "kpi_fairness_hours_detail": "spreadsheet-style rota (baseline) {baseline} · hours per FTE-available day",
        "kpi_on_call": "Radiologists on call per night",
        "kpi_on_call_detail": "on average, for {sites} PDS sites · {pooled} sites read with another most of the time",
        "kpi_duties": "On-call duties",
        "kpi_duties_detail": "against {n} site-periods without pooling",
        "kpi_cost": "Total cost",
        "kpi_cost_detail": "against {n} without pooling ({diff})",
        "kpi_days_lost": "Days lost (repos de sécurité)",
        "kpi_days_lost_detail": "weekday radiologist-days · {n} without pooling",
        "kpi_sla": "Reports within {minutes} min",
        "kpi_sla_detail": "target {target} · simulated, weighted by expected exams",
        "kpi_sla_worst": "Worst-served site ({minutes} min)",
        "kpi_sla_worst_detail": "{site} · {below} · region {region}",
        "kpi_pools_ok": "every grouping of sites meets the {target} target",
        "kpi_pools_below_1": "1 grouping below the {target} target: {names}",
        "kpi_pools_below_n": "{n} groupings below the {target} target: {names}",
        "kpi_excluded": "Radiologists who cannot be on call",
        "kpi_excluded_detail": "of {n}: credentialed for no PDS site or whole pool · {ids}",
        "kpi_excluded_none": "of {n}: everyone can take on-call duties",
        "kpi_missing": "not analysed",
        "placeholder_costs": "Default (placeholder) tariffs: set them in the scenario's [costs] table.",
        "missing_analysis": "The analysis files are missing from this run: run {command} for workload, turnaround, "
        "days lost and costs.",
        "unreadable": "{file} is unreadable ({why}): left out.",
        "no_scenario": "Scenario not found: figures from the run files alone (pass --scenario).",
        "optimiser": "Technical annex: optimiser and rule check",
        "method": "Method",
        "status": "Status",
        "yes": "yes",
        "no": "no",
        "stages": "Stages of the optimisation, in order",
        "stages_note": "Each stage starts from the rota of the one before and keeps it within {tolerance}; loads are "
        "points per fair share, for a radiologist of average share.",
        "col_stage": "Stage",
        "col_part": "Month",
        "col_value": "Value",
        "col_bound": "Bound",
        "col_gap": "Gap",
        "col_seconds": "Seconds",
        "col_status": "Status",
        "stage.largest_load": "1. largest load (points)",
        "stage.smallest_load": "2. smallest load (points)",
        "stage.hours_spread": "3. spread of on-call hours (h)",
        "stage.preferences": "4. preferences (penalty)",
        "wall_time": "Solve time",
        "seconds": "{n} s",
        "time_limit": "Time limit",
        "seed": "Seed",
        "note": "Note",
        "gap_note": "The bound CP-SAT proves on the fairness objective is weak: the gap stays near 100 % even when "
        "the rota is good.",
        "check_result": "Rule check",
        "check_messages": "Violations (at most {n} listed)",
        "map": "Coverage map",
        "map_caption": "PDS sites sized by expected exams and shaped by kind; colours: most frequent pools; lines: "
        "to the home site of the radiologist who reads.",
        "figures": "Plots",
        "plot_workload": "On-call periods per radiologist and ISO week, grouped by home site.",
        "plot_fairness": "Weighted load against fair share: optimised rota vs spreadsheet-style rota.",
        "plot_sla": "Share of reports within the turnaround target per pool, with the target line.",
        "plot_calendar": "{month}: who is on call for which site.",
        "figure_missing": "Figure not available: {why}",
        "needs_scenario": "the scenario is needed (--scenario)",
        "needs_analysis": "run {command}",
        "sites": "Sites",
        "radiologists": "Radiologists",
        "costs": "Costs (€)",
        "costs_note": "Allowances split by expected exams, remote-read fees, platform; difference = pooled − "
        "no pooling. A site read alone pays remote-read fees too when the radiologist on call works at another "
        "hospital.",
        "pools": "Pools",
        "col_site": "Site",
        "col_periods": "PDS periods",
        "col_exams": "Expected exams",
        "col_reading_hours": "Reading hours",
        "col_sla": "≤ {minutes} min",
        "col_own": "Read by own staff",
        "col_uncovered": "Uncovered",
        "col_radiologist": "Radiologist",
        "col_name": "Name",
        "col_home": "Home site",
        "col_nights": "Nights",
        "col_saturdays": "Saturdays",
        "col_sundays": "Sun./hol.",
        "col_duties": "Duties",
        "col_hours": "Hours",
        "col_points": "Points",
        "col_carried": "Carried",
        "col_fair_share": "Fair share",
        "col_deviation": "Deviation",
        "col_days_lost": "Days lost",
        "col_income": "Income (€)",
        "col_allowances": "Allowances",
        "col_fees": "Remote fees",
        "col_platform": "Platform",
        "col_total": "Total",
        "col_no_pooling": "No pooling",
        "col_difference": "Difference",
        "region": "Region",
        "radiologists_note": "A period covering several sites counts as one duty.",
        "footer": "Made by pds-plan from the run folder {run}. Base map: IGN – Admin Express COG 2018 "
        "(Licence Ouverte / Etalab).",
        "status.OPTIMAL": "Optimal",
        "status.FEASIBLE": "Solution found",
        "status.UNKNOWN": "No proven solution",
        "status.NOT_SEARCHED": "Not searched (too little time)",
        "status.TOGETHER": "Searched with the largest load",
        "status.GREEDY_COMPLETE": "Spreadsheet-style rota",
        "status.GREEDY_INCOMPLETE": "Spreadsheet-style rota, incomplete",
        "status.GREEDY_FALLBACK": "Fell back on the spreadsheet-style rota",
        "pool.pool_id": "Pool",
        "pool.sites": "Sites",
        "pool.expected_exams_per_night": "Expected exams per night",
        "pool.peak_utilisation": "Peak utilisation",
        "pool.sla_share": "Share within target",
        "pool.credentialed_radiologists": "Credentialed radiologists",
        "pool.site_ids": "Site ids",
        "pool.n_sites": "Number of sites",
        "pool.read_on_call_per_night": "Read on call per night",
        "pool.sla_share_night": "Share within target, nights",
        "pool.sla_share_saturday": "Share within target, Saturdays",
        "pool.sla_share_sunday_holiday": "Share within target, Sundays and holidays",
        "pool.sla_share_low": "Share within target (low bound)",
        "pool.sla_worst_period": "Busiest period",
        "pool.p90_minutes": "P90 turnaround (min)",
        "pool.spread_km": "Spread (km)",
        "pool.meets_sla": "Meets the target",
    },
}


# ----------------------------------------------------------------------------------------------------- templates


@functools.cache
def environment() -> Environment:
    """The report's templates, from the package (`templates/`, shipped in the wheel)."""
    return Environment(
        loader=PackageLoader("pds_plan.outputs", TEMPLATES),
        # Every template here is HTML, or CSS put into the page's <style> (which holds no expression).
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True, default=True),
        undefined=StrictUndefined,  # a value the code forgot to give is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _macros() -> Any:
    """The macros of `macros.html.j2` (code, nowrap, cell, table, figure), callable from here: each returns Markup
    with its arguments escaped."""
    return environment().get_template(MACROS_TEMPLATE).module


def _code(value: Any) -> Markup:
    return Markup(_macros().code(value))


def _nowrap(value: str) -> Markup:
    """A figure kept on one line: browsers may break a line after the sign of "+€60,024"."""
    return Markup(_macros().nowrap(value))


# ------------------------------------------------------------------------------------------------------ numbers


@dataclass(frozen=True)
class Formatter:
    """Numbers, dates and text as the reader of one language writes them."""

    language: Language

    @property
    def text(self) -> Mapping[str, str]:
        return STRINGS[self.language]

    def number(self, value: Any, digits: int = 0) -> str:
        """French: 1 234,5 (narrow no-break space, decimal comma); English: 1,234.5; missing: an en dash."""
        number = _float(value)
        if number is None:
            return "–"
        if round(number, digits) == 0:
            number = 0.0  # "-0.0" reads like a loss where there is none
        # Babel's separators (a narrow no-break space and a decimal comma in French); a true minus sign.
        return format_decimal(number, format=_digits_pattern(digits), locale=self.language.locale).replace("-", MINUS)

    def signed(self, value: Any, digits: int = 0) -> str:
        """With a + in front of a positive number: for differences, where the sign is the point."""
        number = _float(value)
        text = self.number(value, digits)
        return "+" + text if number is not None and round(number, digits) > 0 else text

    def percent(self, share: Any, digits: int = 1) -> str:
        number = _float(share)
        if number is None:
            return "–"
        value = self.number(number * 100, digits)
        return f"{value}\u00a0%" if self.language is Language.FR else f"{value}%"

    def money(self, value: Any) -> str:
        number = _float(value)
        if number is None:
            return "–"
        if self.language is Language.FR:
            return f"{self.number(number)}\u00a0€"
        sign = MINUS if round(number) < 0 else ""
        return f"{sign}€{self.number(abs(number))}"

    def signed_money(self, value: Any) -> str:
        number = _float(value)
        if number is None or round(number) <= 0:
            return self.money(value)
        return "+" + self.money(number)

    def month(self, day: dt.date) -> str:
        """ "Février 2027", "February 2027" (Babel)."""
        return format_date(day, format="LLLL yyyy", locale=self.language.locale).capitalize()

    def date(self, day: dt.date) -> str:
        """ "1er janvier 2027", "1 January 2027": Babel's month names, and the French ordinal of the first."""
        text = format_date(day, format="d MMMM y", locale=self.language.locale)
        return "1er" + text[1:] if self.language is Language.FR and day.day == 1 else text

    def say(self, key: str, **fields: str) -> Markup:
        """The sentence `key` with `fields` put in, as Markup: the text is escaped and so is every field, by
        markupsafe as the templates' autoescape would, except the fields that are Markup themselves (a `<code>`
        or a `nowrap` of the macros, another sentence)."""
        return Markup.escape(self.text[key]).format(**fields)


def _digits_pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits else "")


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def language_of(lang: Language | str) -> Language:
    try:
        return Language(str(lang).strip().lower())
    except ValueError:
        choices = ", ".join(language.value for language in Language)
        raise InputError([Problem("--lang", f"expected one of {choices}, not {lang!r}")]) from None


# ----------------------------------------------------------------------------------------------------- the data


@dataclass
class Analysis:
    """The `pds-plan analyse` files of a run folder that could be read (None: absent); `unreadable` lists the files
    that are there but could not be read, with why."""

    sites: pd.DataFrame | None = None
    radiologists: pd.DataFrame | None = None
    days_lost: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    pools: pd.DataFrame | None = None
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        frames = (self.sites, self.radiologists, self.days_lost, self.costs)
        return all(frame is not None for frame in frames) and bool(self.metadata)


ANALYSIS_COLUMNS = {
    "workload_sites.csv": ("site_id", "pds_periods", "expected_exams", "sla_share_within_target"),
    "workload_radiologists.csv": ("radiologist_id", "home_site", "periods", "weighted_points", "fair_share"),
    "daytime_days_lost.csv": ("home_site", "days_lost", "days_lost_without_pooling"),
    "costs.csv": ("scope", "id", "total", "no_pooling_total", "difference"),
}


def analysis_of(run: RunFolder) -> Analysis:
    """The run's analysis tables, as the pipeline computed them."""
    tables = run.tables
    return Analysis(
        sites=tables.get("workload_sites"),
        radiologists=tables.get("workload_radiologists"),
        days_lost=tables.get("daytime_days_lost"),
        costs=tables.get("costs"),
        metadata=dict(run.analysis),
        pools=run.design_table,
    )


def _names(frame: pd.DataFrame, key: str, name: str) -> dict[str, str]:
    if key not in frame.columns or name not in frame.columns:
        return {}
    return {str(k): str(v) for k, v in zip(frame[key], frame[name], strict=True) if str(v)}


@dataclass(frozen=True)
class Names:
    sites: dict[str, str]
    radiologists: dict[str, str]


def names_of(run: RunFolder, scenario: Scenario | None) -> Names:
    sites = _names(run.rota, "site_id", "site_name")
    radiologists = {**_names(run.blocks, "radiologist_id", "radiologist_name"),
                    **_names(run.rota, "radiologist_id", "radiologist_name")}  # fmt: skip
    if scenario is not None:
        sites.update({s.site_id: s.name for s in scenario.sites})
        radiologists.update({r.radiologist_id: r.name for r in scenario.radiologists})
    return Names(sites, radiologists)


# --------------------------------------------------------------------------------------------------------- images


@dataclass(frozen=True)
class Picture:
    png: bytes | None
    why_missing: str = ""  # plain text, or a sentence (Markup)

    @property
    def portrait(self) -> bool:
        size = png_size(self.png) if self.png else None
        return size is not None and size[1] > size[0]


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the PNG header (IHDR is always the first chunk)."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE):
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def trimmed(png: bytes, pad: int = 24) -> bytes:
    """The PNG without the white margins a full A4 figure leaves around a smaller drawing (the map's legends end
    well above the page's foot), so that the page shows the drawing, not paper; unchanged when there is little
    to gain, to spare a re-encoding."""
    try:
        with PILImage.open(io.BytesIO(png)) as opened:
            picture = opened.convert("RGBA")
    except (OSError, ValueError):
        return png
    paper = PILImage.new("RGBA", picture.size, (255, 255, 255, 255))
    flat = PILImage.alpha_composite(paper, picture).convert("RGB")
    box = ImageChops.difference(flat, paper.convert("RGB")).getbbox()
    if box is None:
        return png
    width, height = flat.size
    left, top = max(box[0] - pad, 0), max(box[1] - pad, 0)
    right, bottom = min(box[2] + pad, width), min(box[3] + pad, height)
    if (right - left) * (bottom - top) > 0.95 * width * height:
        return png
    buffer = io.BytesIO()
    flat.crop((left, top, right, bottom)).save(buffer, format="PNG")
    return buffer.getvalue()


def _render_plot(
    kind: PlotKind, run: RunFolder, scenario: Scenario | None, text: Formatter, month: str | None = None
) -> Picture:
    if kind is PlotKind.FAIRNESS and scenario is None:
        return Picture(None, text.text["needs_scenario"])
    figure = Figure(figsize=A4_PORTRAIT if kind in PORTRAIT_PLOTS else A4_LANDSCAPE, layout="constrained")
    try:
        draw_plot(kind, run, figure.add_subplot(), month, language=text.language)
    except (PdsPlanError, ValueError, KeyError) as error:
        # A figure that cannot be drawn costs the reader one picture, not the whole report.
        return Picture(None, _first_line(error))
    return Picture(figure_bytes(figure, "png"))


def _render_map(run: RunFolder, scenario: Scenario | None, text: Formatter) -> Picture:
    if scenario is None:
        return Picture(None, text.text["needs_scenario"])
    try:
        return Picture(render_map(scenario, "png", rota=run.rota, language=text.language))
    except (PdsPlanError, ValueError, KeyError, OSError) as error:
        return Picture(None, _first_line(error))


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def images_of(run: RunFolder, scenario: Scenario | None, text: Formatter) -> dict[str, Picture]:
    """map and the four plots, drawn from the run (never read back from files a run folder may hold); the calendar
    once per month of the horizon (`calendar:YYYY-MM`)."""
    found: dict[str, Picture] = {"map": _render_map(run, scenario, text)}
    for kind in PlotKind:
        if kind is PlotKind.CALENDAR:
            for month in run_months(run):
                found[f"{kind.value}:{month}"] = _render_plot(kind, run, scenario, text, month)
        else:
            found[kind.value] = _render_plot(kind, run, scenario, text)
    return {name: Picture(trimmed(p.png)) if p.png else p for name, p in found.items()}


@dataclass(frozen=True)
class Shown:
    """A figure as the page shows it, in a section of its own: the picture, or why it is missing."""

    caption: str
    alt: str
    src: Markup | None  # the PNG as a data URI
    size: tuple[int, int] | None
    portrait: bool
    missing: Markup  # the sentence shown instead of a missing picture
    heading: str = ""  # the section's title, if any
    page: bool = False  # printed on a page of its own


def _data_uri(png: bytes) -> Markup:
    # Marked safe: built here from the PNG bytes, it holds only "data:image/png;base64," and the base64 alphabet
    # (A-Z a-z 0-9 + / =), none of which autoescape would change; nothing from an input file is in it.
    return Markup("data:image/png;base64," + base64.b64encode(png).decode("ascii"))


def shown(image: Picture, caption: str, alt: str, text: Formatter, heading: str = "", page: bool = False) -> Shown:
    if image.png is None:
        return Shown(caption, alt, None, None, False, text.say("figure_missing", why=image.why_missing), heading, page)
    return Shown(caption, alt, _data_uri(image.png), png_size(image.png), image.portrait, Markup(), heading, page)


# --------------------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    title: str  # plain text
    numeric: bool = True


@dataclass(frozen=True)
class Cell:
    """A table cell of plain values (the template escapes them): a name with its id below it, a short name with
    the long one as its title, or a text with a code after it. A cell that is only text is a str."""

    text: str
    id: str = ""
    title: str = ""
    code: str = ""


@dataclass(frozen=True)
class Table:
    """A table as rows of values (str or Cell), one per column; `sideways`: shown turned, a row per column."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[str | Cell]]
    foot: Sequence[str | Cell] | None = None
    caption: str = ""
    css: str = ""
    header: bool = True
    sideways: bool = False


def table_html(table: Table) -> Markup:
    """The table as HTML (the `table` macro)."""
    return Markup(_macros().table(table))


def _named(identifier: Any, names: Mapping[str, str]) -> str | Cell:
    """A name with its id below it (ids are what the CSV files and the terminal show)."""
    key = str(identifier)
    name = names.get(key)
    if not name or name == key:
        return key
    return Cell(name, id=key)


def _target_minutes(analysis: Analysis) -> float:
    sla = analysis.metadata.get("sla")
    minutes = _float(sla.get("target_minutes")) if isinstance(sla, dict) else None
    return minutes if minutes is not None else DEFAULT_TARGET_MINUTES


def _minutes(minutes: float, text: Formatter) -> str:
    return text.number(minutes, 0 if minutes == int(minutes) else 1)


def sites_table(analysis: Analysis, names: Names, text: Formatter) -> Table | None:
    frame = analysis.sites
    if frame is None:
        return None
    minutes = _minutes(_target_minutes(analysis), text)
    columns = [
        Column(text.text["col_site"], numeric=False),
        Column(text.text["col_periods"]),
        Column(text.text["col_exams"]),
        Column(text.text["col_reading_hours"]),
        Column(text.text["col_sla"].format(minutes=minutes)),
        Column(text.text["col_own"]),
        Column(text.text["col_uncovered"]),
    ]
    rows = [
        [
            _named(row.get("site_id"), names.sites),
            text.number(row.get("pds_periods")),
            text.number(row.get("expected_exams"), 1),
            text.number(row.get("expected_reading_hours"), 1),
            text.percent(row.get("sla_share_within_target")),
            text.percent(row.get("share_read_by_own_staff")),
            text.number(row.get("uncovered_periods")),
        ]
        for row in frame.to_dict("records")
    ]
    return Table(columns, rows)


def radiologists_table(
    analysis: Analysis, names: Names, text: Formatter, short_sites: Mapping[str, str]
) -> Table | None:
    frame = analysis.radiologists
    if frame is None:
        return None
    income: dict[str, Any] = {}
    if analysis.costs is not None:
        people = analysis.costs[analysis.costs["scope"] == "radiologist"]
        income = dict(zip(people["id"].astype(str), people["total"], strict=True))
    carried = "carried_points" in frame.columns and bool(
        pd.to_numeric(frame["carried_points"], errors="coerce").fillna(0).abs().sum()
    )  # only worth a column when balances were carried over
    specs: list[tuple[str, str, Callable[[Any], str]]] = [
        ("col_nights", "night_periods", text.number),
        ("col_saturdays", "saturday_periods", text.number),
        ("col_sundays", "sunday_holiday_periods", text.number),
        ("col_duties", "periods", text.number),
        ("col_hours", "on_call_hours", text.number),
        ("col_points", "weighted_points", text.number),
        *([("col_carried", "carried_points", lambda v: text.number(v, 1))] if carried else []),
        ("col_fair_share", "fair_share", lambda v: text.number(v, 1)),
        ("col_deviation", "deviation", lambda v: text.signed(v, 1)),
        ("col_exams", "expected_exams", text.number),
        ("col_days_lost", "daytime_days_lost", text.number),
    ]
    specs = [spec for spec in specs if spec[1] in frame.columns]
    columns = [
        Column(text.text["col_radiologist"], numeric=False),
        Column(text.text["col_name"], numeric=False),
        Column(text.text["col_home"], numeric=False),
        *[Column(text.text[key]) for key, _, _ in specs],
        *([Column(text.text["col_income"])] if income else []),
    ]
    rows: list[list[str | Cell]] = []
    for row in frame.to_dict("records"):
        identifier = str(row.get("radiologist_id"))
        home = str(row.get("home_site"))
        rows.append(
            [
                identifier,
                names.radiologists.get(identifier, ""),
                Cell(short_sites.get(home, home), title=names.sites.get(home, home)),
                *[show(row.get(column)) for _, column, show in specs],
                *([text.number(income.get(identifier))] if income else []),
            ]
        )
    return Table(columns, rows, caption=text.text["radiologists_note"], css="people")


def costs_table(analysis: Analysis, names: Names, text: Formatter) -> Table | None:
    frame = analysis.costs
    if frame is None:
        return None
    values = ("allowances", "remote_fees", "platform", "total", "no_pooling_total", "difference")
    keys = ("col_allowances", "col_fees", "col_platform", "col_total", "col_no_pooling", "col_difference")
    columns = [Column(text.text["col_site"], numeric=False), *[Column(text.text[k]) for k in keys]]
    sites = frame[frame["scope"] == "site"].to_dict("records")
    rows = [[_named(row.get("id"), names.sites), *_money_cells(row, values, text)] for row in sites]
    region = frame[frame["scope"] == "region"].to_dict("records")
    foot = [text.text["region"], *_money_cells(region[0], values, text)] if region else None
    return Table(columns, rows, foot, caption=text.text["costs_note"])


def _money_cells(row: Mapping[Hashable, Any], columns: Sequence[str], text: Formatter) -> list[str | Cell]:
    return [text.signed(row.get(c)) if c == "difference" else text.number(row.get(c)) for c in columns]


def _is_share(name: str, values: pd.Series) -> bool:
    """A column of fractions, shown as percentages: named like one and every value within [0, 1]."""
    if not any(word in name.lower() for word in ("share", "utilisation", "utilization", "rate", "ratio")):
        return False
    return bool(values.dropna().between(0, 1).all())


def _generic_cell(value: Any, text: Formatter) -> str:
    if isinstance(value, bool):  # a column of booleans with a blank is read as text
        return text.text["yes" if value else "no"]
    return "–" if pd.isna(value) else str(value).replace(";", "; ")


PERIOD_COLUMNS = {"sla_worst_period"}  # columns of pools_summary.csv that hold a period kind


def generic_table_of(frame: pd.DataFrame, text: Formatter, prefix: str) -> Table:
    """Any table (pools_summary.csv): numbers formatted for the language, known headers translated.

    A table with many columns but few rows (a pool design: a dozen and more figures for a handful of pools) is
    turned on its side, a row per column, so that it stays readable on A4 instead of running off the page.
    """
    columns: list[Column] = []
    shows: list[Callable[[Any], str]] = []
    for name in frame.columns:
        values = frame[name]
        title = text.text.get(f"{prefix}.{name}", str(name).replace("_", " "))
        if pd.api.types.is_bool_dtype(values):
            shows.append(lambda v: text.text["yes" if v else "no"])
            columns.append(Column(title, numeric=False))
        elif pd.api.types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce")
            whole = bool((numbers.dropna() % 1 == 0).all())
            if _is_share(str(name), numbers):
                shows.append(text.percent)
            elif whole:
                shows.append(text.number)
            else:
                largest = numbers.abs().max()
                digits = 2 if largest < 100 else 1 if largest < 10_000 else 0  # about four significant digits
                shows.append(functools.partial(text.number, digits=digits))
            columns.append(Column(title))
        elif name in PERIOD_COLUMNS:  # a period kind (night, saturday...) as people say it
            shows.append(lambda v: "–" if pd.isna(v) else period_word(str(v), text.language))
            columns.append(Column(title, numeric=False))
        else:
            shows.append(lambda v: _generic_cell(v, text))
            columns.append(Column(title, numeric=False))
    rows = [[show(value) for show, value in zip(shows, row, strict=True)] for row in frame.itertuples(index=False)]
    sideways = len(columns) > SIDEWAYS_COLUMNS and 0 < len(rows) <= SIDEWAYS_ROWS
    return Table(columns, rows, css="sideways" if sideways else "", sideways=sideways)


def generic_table(frame: pd.DataFrame, text: Formatter, prefix: str) -> str:
    """`generic_table_of` as HTML."""
    return str(table_html(generic_table_of(frame, text, prefix)))


# ----------------------------------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Facts:
    name: str
    start: dt.date | None
    end: dt.date | None
    sites: int
    radiologists: int
    site_periods: int

    @property
    def days(self) -> int | None:
        return (self.end - self.start).days + 1 if self.start and self.end else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def facts_of(run: RunFolder, scenario: Scenario | None, analysis: Analysis) -> Facts:
    if scenario is not None:
        return Facts(scenario.name, scenario.start, scenario.end, len(scenario.pds_sites), len(scenario.radiologists),
                     len(build_calendar(scenario)))  # fmt: skip
    horizon = run.summary.get("horizon") or {}
    dates = sorted(str(d) for d in run.rota.get("date", []))
    start = _date(horizon.get("start")) or (_date(dates[0]) if dates else None)
    end = _date(horizon.get("end")) or (_date(dates[-1]) if dates else None)
    name = str(run.summary.get("scenario") or run.manifest.get("scenario") or run.path.name)
    people: set[str] = set()
    if analysis.radiologists is not None:
        people = set(analysis.radiologists["radiologist_id"].astype(str))
    elif "radiologist_id" in run.rota.columns:
        people = set(run.rota["radiologist_id"]) - {""}
    sites = len(set(run.rota["site_id"])) if "site_id" in run.rota.columns else 0
    return Facts(name, start, end, sites, len(people), len(run.rota))


@dataclass(frozen=True)
class Fact:
    """One of the scenario's facts as the page shows it (plain text)."""

    label: str
    value: str
    detail: str = ""


def fact_items(facts: Facts, text: Formatter) -> list[Fact]:
    horizon = text.text["days"].format(n=text.number(facts.days)) if facts.days else "–"
    return [
        Fact(text.text["fact_sites"], text.number(facts.sites)),
        Fact(text.text["fact_radiologists"], text.number(facts.radiologists)),
        Fact(text.text["fact_periods"], text.number(facts.site_periods), text.text["fact_periods_detail"]),
        Fact(text.text["fact_horizon"], horizon),
    ]


@dataclass(frozen=True)
class Kpi:
    """A headline card: plain text, or Markup (a sentence of `Formatter.say`)."""

    label: str
    value: str
    detail: str = ""
    tone: str = ""  # ok, bad, warn, none


def _violations(count: Any, text: Formatter) -> Markup:
    number = _float(count)
    if number is None:
        return text.say("check_unknown")
    n = int(number)
    if n == 0:
        return text.say("violations_0")
    return text.say("violations_1") if n == 1 else text.say("violations_n", n=text.number(n))


def status_label(summary: Mapping[str, Any], text: Formatter) -> str:
    status = str(summary.get("status") or "?")
    return text.text.get(f"status.{status}", status)


def kpis_of(run: RunFolder, text: Formatter) -> list[Kpi]:
    """The headline cards: the run's key figures (`analysis.figures`), the same ones the run panel and `compare`
    show, rounded here for display only."""
    figures = run.figures
    if figures is None:
        return [Kpi(text.say("kpi_status"), text.say("kpi_missing"), tone="none")]
    summary = run.summary
    kpis = [
        Kpi(
            text.say("kpi_status"),
            status_label(summary, text),
            # The solver's own status code is for the technical annex, not the committee.
            text.say("kpi_proven")
            if figures.proven_optimal
            else text.say("kpi_stage_gap", gap=text.percent(figures.gap, 1))
            if figures.gap_of == "largest_load" and figures.gap is not None
            else text.say("kpi_not_proven"),
            "ok" if figures.proven_optimal else "",
        ),
        Kpi(
            text.say("kpi_check"),
            _violations(figures.violations, text),
            text.say("kpi_check_detail"),
            "ok" if figures.violations == 0 else "bad",
        ),
    ]
    floor = figures.fairness_floor
    kpis.append(
        Kpi(
            text.say("kpi_fairness"),
            text.number(figures.fairness_max_over_min, 2),
            text.say("kpi_fairness_detail", baseline=text.number(figures.baseline_max_over_min, 2))
            + (text.say("kpi_fairness_floor", floor=text.number(floor, 2)) if floor is not None else ""),
        )
    )
    if figures.fairness_hours_max_over_min is not None:
        kpis.append(
            Kpi(
                text.say("kpi_fairness_hours"),
                text.number(figures.fairness_hours_max_over_min, 2),
                text.say("kpi_fairness_hours_detail", baseline=text.number(figures.baseline_hours_max_over_min, 2)),
            )
        )
    if figures.credential_groups > 1:
        floor = figures.fairness_floor_within_groups
        kpis.append(
            Kpi(
                text.say("kpi_fairness_groups"),
                text.number(figures.fairness_within_groups, 2),
                text.say("kpi_fairness_detail", baseline=text.number(figures.baseline_within_groups, 2))
                + (text.say("kpi_fairness_floor", floor=text.number(floor, 2)) if floor is not None else ""),
            )
        )
    kpis.append(
        Kpi(
            text.say("kpi_on_call"),
            text.number(figures.on_call_per_night, 1),
            text.say(
                "kpi_on_call_detail", sites=text.number(figures.pds_sites), pooled=text.number(figures.pooled_sites)
            ),
        )
    )
    detail = text.say("kpi_duties_detail", n=text.number(figures.site_periods))
    kpis.append(Kpi(text.say("kpi_duties"), text.number(figures.on_call_duties), detail))
    excluded = figures.radiologists_excluded
    ids = ", ".join(figures.radiologists_excluded_ids)
    kpis.append(
        Kpi(
            text.say("kpi_excluded"),
            text.number(excluded),
            text.say("kpi_excluded_detail", n=text.number(figures.radiologists), ids=ids)
            if excluded
            else text.say("kpi_excluded_none", n=text.number(figures.radiologists)),
            "warn" if excluded else "ok",
        )
    )
    detail = text.say(
        "kpi_cost_detail",
        n=_nowrap(text.money(figures.cost_no_pooling_eur)),
        diff=_nowrap(text.signed_money(figures.cost_total_eur - figures.cost_no_pooling_eur)),
    )
    kpis.append(Kpi(text.say("kpi_cost"), text.money(figures.cost_total_eur), detail))
    kpis.append(
        Kpi(
            text.say("kpi_days_lost"),
            text.number(figures.daytime_days_lost),
            text.say("kpi_days_lost_detail", n=text.number(figures.daytime_days_lost_without_pooling)),
        )
    )
    kpis.append(_sla_kpi(figures, text))
    return kpis


def _sla_kpi(figures: KeyFigures, text: Formatter) -> Kpi:
    """The turnaround headline: the worst-served site and how many groupings of sites miss the run's own target."""
    minutes = _minutes(figures.sla_minutes, text)
    label = text.say("kpi_sla_worst", minutes=minutes)
    if figures.worst_site_sla_share is None:
        return Kpi(label, text.say("kpi_missing"), tone="none")
    target = text.percent(figures.sla_target, 1)
    below = figures.pools_below_target
    if below == 0:
        pools = text.say("kpi_pools_ok", target=target)
    else:
        names = "; ".join(figures.pools_below_target_names)
        pools = text.say("kpi_pools_below_1" if below == 1 else "kpi_pools_below_n", n=str(below), target=target,
                         names=names)  # fmt: skip
    detail = text.say(
        "kpi_sla_worst_detail",
        site=figures.worst_site_name or figures.worst_site or "",
        below=pools,
        region=text.percent(figures.regional_sla_share),
    )
    tone = "ok" if figures.worst_site_sla_share >= figures.sla_target and below == 0 else "warn"
    return Kpi(label, text.percent(figures.worst_site_sla_share), detail, tone)


def _placeholder_costs(analysis: Analysis) -> bool:
    settings = analysis.metadata.get("costs")
    if not isinstance(settings, dict):
        return False
    return any(isinstance(v, dict) and v.get("placeholder") for v in settings.values())


# ------------------------------------------------------------------------------------------------------- sections

PSEUDONYMISED_NOTE_START = "pseudonymised:"  # how the run note of a pseudonymised run begins


def report_title(run: RunFolder, facts: Facts, text: Formatter) -> Markup:
    """ "Permanence des soins en imagerie — Lorraine, 1er trimestre 2027": the region the sites lie in (the bundled
    boundaries) and the horizon in words, as the map's title (`domain.language.cover_title`); the scenario's name
    when the region is unknown."""
    region = facts.name
    if run.scenario is not None and run.scenario.sites:
        from pds_plan.outputs.maps import region_name  # geopandas: loaded when a report is made

        region = region_name(run.scenario) or region
    if facts.start is None or facts.end is None:
        return Markup.escape(TITLE_WORDS[text.language].format(region=region, period=""))
    return Markup.escape(cover_title(region, facts.start, facts.end, text.language))


def _header(run: RunFolder, facts: Facts, text: Formatter) -> dict[str, Any]:
    period = Markup()
    if facts.start and facts.end:
        period = text.say("period", start=text.date(facts.start), end=text.date(facts.end))
        if facts.days:
            period += " · " + text.say("days", n=text.number(facts.days))
    written = str(run.manifest.get("written_at") or "")
    when = written.replace("T", " ").replace("Z", " UTC") if written else "?"
    version = (run.manifest.get("versions") or {}).get("pds-plan") or "?"
    notes = (run.summary.get("run") or {}).get("notes") or ()
    heading = report_title(run, facts, text)
    return {
        "title": heading.striptags(),  # the same words, as the window's plain-text title
        "heading": heading,
        "period": period,
        "scenario": facts.name,
        "meta": text.say("generated", run=run.path.name, when=when, version=str(version)),
        # A reader of a shared report must know the names in it are not people's (pds_plan/runs/pseudonymise.py
        # adds the note; its module is not imported here, since it would load the optimiser).
        "pseudonymised": any(str(n).startswith(PSEUDONYMISED_NOTE_START) for n in notes),
    }


def _notes(run: RunFolder, analysis: Analysis, text: Formatter) -> list[Markup]:
    notes: list[Markup] = []
    if not analysis.complete:
        notes.append(text.say("missing_analysis", command=_code(f"pds-plan analyse {display_path(run.path)}")))
    notes += [text.say("unreadable", file=_code(name), why=why) for name, why in analysis.unreadable]
    if run.scenario is None:
        notes.append(text.say("no_scenario"))
    if _placeholder_costs(analysis):
        notes.append(text.say("placeholder_costs"))
    return notes


@dataclass(frozen=True)
class Optimiser:
    """The technical annex: the solver's figures and the rule check."""

    table: Table
    gap_note: bool
    stages: Table | None
    stages_note: Markup
    verdict: Markup
    verdict_class: str  # pass, fail, or "" when not checked
    messages: list[str]
    messages_heading: Markup


def optimiser_of(run: RunFolder, text: Formatter) -> Optimiser:
    summary, manifest = run.summary, run.manifest
    gap = _float(summary.get("gap"))
    staged = summary.get("gap_of") == "largest_load"  # the headline objective is the first stage's
    wall = _float(summary.get("wall_time_seconds"))
    limit = _float(manifest.get("time_limit_seconds"))
    rows: list[tuple[str, str | Cell]] = [
        ("method", _str(summary.get("method") or manifest.get("method") or "?")),
        ("status", Cell(status_label(summary, text), code=_str(summary.get("status") or "?"))),
        ("proven", text.text["yes" if summary.get("proven_optimal") else "no"]),
        ("objective_stage" if staged else "objective", text.number(summary.get("objective"), 2 if staged else 0)),
        ("bound_stage" if staged else "bound", text.number(summary.get("best_bound"), 2 if staged else 0)),
        ("gap_stage" if staged else "gap", text.percent(gap, 2)),
        ("wall_time", text.text["seconds"].format(n=text.number(wall, 1)) if wall is not None else "–"),
        ("time_limit", text.text["seconds"].format(n=text.number(limit, 0)) if limit is not None else "–"),
        ("seed", _str(manifest.get("seed", "–"))),
    ]
    if summary.get("note"):
        rows.append(("note", _str(summary["note"])))
    table = Table([Column("", numeric=False), Column("", numeric=False)],
                  [[text.text[key], value] for key, value in rows], css="facts-table", header=False)  # fmt: skip
    check = summary.get("rule_check") or {}
    violations = check.get("violations")
    count = _float(violations)
    tolerance = run.scenario.stages.tolerance if run.scenario is not None else None
    return Optimiser(
        table=table,
        gap_note=gap is not None and gap > 0.9 and not staged,
        stages=stages_table(summary.get("stages") or [], text),
        stages_note=text.say("stages_note", tolerance=text.percent(tolerance, 0) if tolerance is not None else "–"),
        verdict=_violations(violations, text),
        verdict_class="" if count is None else "pass" if count == 0 else "fail",
        messages=[str(m) for m in (check.get("messages") or [])][:MAX_MESSAGES],
        messages_heading=text.say("check_messages", n=str(MAX_MESSAGES)),
    )


def stages_table(stages: Sequence[Mapping[str, Any]], text: Formatter) -> Table | None:
    """summary.json's stages in solve order: each stage's value, proven bound and gap (the months of a horizon
    solved month by month each have their row)."""
    if not stages:
        return None
    months = any(stage.get("part") for stage in stages)
    columns = [Column(text.text["col_stage"], numeric=False)]
    columns += [Column(text.text["col_part"], numeric=False)] if months else []
    columns += [Column(text.text[key]) for key in ("col_value", "col_bound", "col_gap", "col_seconds")]
    columns += [Column(text.text["col_status"], numeric=False)]
    rows: list[list[str | Cell]] = []
    for stage in stages:
        name = str(stage.get("name"))
        row: list[str | Cell] = [text.text.get(f"stage.{name}", name)]
        row += [_str(stage.get("part") or "–")] if months else []
        digits = 0 if stage.get("unit") == "penalty" else 2
        row += [
            text.number(stage.get("objective"), digits),
            text.number(stage.get("bound"), digits),
            text.percent(stage.get("gap"), 1),
            text.number(stage.get("seconds"), 1),
            Cell(
                text.text.get(f"status.{stage.get('status')}", _str(stage.get("status"))),
                code=_str(stage.get("status")),
            ),
        ]
        rows.append(row)
    return Table(columns, rows, css="stages")


def figures_of(images: Mapping[str, Picture], facts: Facts, text: Formatter) -> list[Shown]:
    """The map, then the plots (the calendar once per month), each in a section of its own."""
    found = [
        shown(
            images["map"],
            text.text["map_caption"],
            f"{text.text['map']} – {facts.name}",
            text,
            heading=text.text["map"],
            page=True,
        )
    ]
    for kind in PlotKind:
        keys = sorted(k for k in images if k.split(":")[0] == kind.value)
        for key in keys:
            month = key.partition(":")[2]
            label = text.month(dt.date.fromisoformat(f"{month}-01")) if month else ""
            caption = text.text[f"plot_{kind.value}"].replace("{month}", label)
            workload = kind is PlotKind.WORKLOAD
            # On paper a portrait figure takes a page of its own; landscape ones may share one.
            page = images[key].portrait or workload
            found.append(shown(images[key], caption, caption, text, text.text["figures"] if workload else "", page))
    return found


def tables_of(analysis: Analysis, names: Names, scenario: Scenario | None, text: Formatter) -> list[tuple[str, Table]]:
    """The tables of the analysis, each with its section's title; the pool design last, when there is one (its
    columns are another module's to choose: the table's own box scrolls when they are too many for the page)."""
    homes = set(analysis.radiologists["home_site"].astype(str)) if analysis.radiologists is not None else set()
    short_sites = short_site_names({*names.sites, *homes}, scenario)
    found = [
        (text.text[title], table)
        for title, table in (
            ("sites", sites_table(analysis, names, text)),
            ("radiologists", radiologists_table(analysis, names, text, short_sites)),
            ("costs", costs_table(analysis, names, text)),
        )
        if table is not None
    ]
    if analysis.pools is not None:
        found.append((text.text["pools"], generic_table_of(analysis.pools, text, "pool")))
    return found


# ---------------------------------------------------------------------------------------------------------- entry


def render_report(run: RunFolder, lang: Language | str = Language.FR) -> str:
    """The HTML report of a run, as text: French by default, `lang="en"` for English. Everything in it comes from
    the run (`pds_plan.io.run_store.folder_view`): its scenario, tables and key figures; nothing is read or solved.
    """
    text = Formatter(language_of(lang))
    scenario = run.scenario
    analysis = analysis_of(run)
    names = names_of(run, scenario)
    facts = facts_of(run, scenario, analysis)
    return (
        environment()
        .get_template(PAGE_TEMPLATE)
        .render(
            lang=text.language.value,
            words=text.text,
            **_header(run, facts, text),
            facts=fact_items(facts, text),
            kpis=kpis_of(run, text),
            notes=_notes(run, analysis, text),
            figures=figures_of(images_of(run, scenario, text), facts, text),
            tables=tables_of(analysis, names, scenario, text),
            optimiser=optimiser_of(run, text),
            footer=text.say("footer", run=_code(run.path.name)),
        )
    )


def output_path(out: Path | str) -> Path:
    out = Path(out)
    if out.suffix.lower() not in SUFFIXES:
        raise InputError([Problem(display_path(out), f"expected an .html file, not {out.suffix or 'no suffix'!r}")])
    return out


def write_report(run: RunFolder, out: Path | str, lang: Language | str = Language.FR, force: bool = False) -> Path:
    """Write the report atomically; OutputExistsError when `out` exists, unless `force` (checked before the work,
    which may draw figures for seconds)."""
    path = output_path(out)
    language = language_of(lang)
    refuse_to_overwrite(path, force)
    return atomic_write_text(path, render_report(run, language), force=force)
