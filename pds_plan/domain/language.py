"""The language of what people read (French by default, English on request), with Babel's numbers and dates.

Every output a person reads (report, map, plots, workbook, export CSVs for people) takes a `Language` and words
its labels with `words(language, key)`; numbers, shares and dates go through the functions below, never through
hand-made formats, so that "1 234,5", "94,5 %" and "lundi 15 février 2027" are the locale's own. The machine files
of the input contract (rota.csv, summary.json) keep their English column names.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from enum import StrEnum

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent


class Language(StrEnum):
    FR = "fr"
    EN = "en"

    @property
    def locale(self) -> str:
        return {"fr": "fr_FR", "en": "en_GB"}[self.value]


DEFAULT_LANGUAGE = Language.FR

# Period kinds as people say them.
PERIOD_WORDS: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {"night": "nuit", "saturday": "samedi après-midi", "sunday_holiday": "dimanche ou férié"},
    Language.EN: {"night": "night", "saturday": "Saturday afternoon", "sunday_holiday": "Sunday or holiday"},
}


def language_of(value: Language | str | None) -> Language:
    """A language from its code ("fr", "en"), French when None; ValueError naming the accepted codes."""
    if value is None:
        return DEFAULT_LANGUAGE
    try:
        return Language(str(value).strip().lower())
    except ValueError:
        raise ValueError(f"unknown language {value!r} (expected fr or en)") from None


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits else "")


def number(value: float, language: Language, digits: int = 0) -> str:
    return format_decimal(value, format=_pattern(digits), locale=language.locale)


def share(value: float, language: Language, digits: int = 1) -> str:
    """A share (0.945) as a percentage ("94,5 %" in French, "94.5%" in English)."""
    sign = " %" if language is Language.FR else "%"
    return format_percent(value, format=_pattern(digits) + sign, locale=language.locale)


def long_date(day: dt.date, language: Language) -> str:
    """ "lundi 15 février 2027", "Monday 15 February 2027"."""
    return format_date(day, format="full", locale=language.locale)


def short_date(day: dt.date, language: Language) -> str:
    """ "15 févr. 2027", "15 Feb 2027"."""
    return format_date(day, format="medium", locale=language.locale)


@functools.cache
def _locale(language: Language) -> Locale:
    return Locale.parse(language.locale)


def is_singular(count: float, language: Language) -> bool:
    """Whether `count` takes the singular in the language, by its CLDR plural rules (Babel): French says "0 site"
    and "1 site", English "0 sites" and "1 site"."""
    return _locale(language).plural_form(abs(count)) == "one"


def period_word(kind: str, language: Language) -> str:
    return PERIOD_WORDS[language].get(kind, kind)


def long_date_words(day: dt.date, language: Language) -> str:
    """ "1er janvier 2027", "1 January 2027": Babel's month names, and the French ordinal of the first."""
    text = format_date(day, format="d MMMM y", locale=language.locale)
    return "1er" + text[1:] if language is Language.FR and day.day == 1 else text


HORIZON_WORDS: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {"quarter": "{n} trimestre {year}", "first": "1er", "nth": "{n}e", "span": "du {start} au {end}"},
    Language.EN: {"quarter": "Q{n} {year}", "first": "1", "nth": "{n}", "span": "{start} to {end}"},
}
TITLE_WORDS: Mapping[Language, str] = {
    Language.FR: "Permanence des soins en imagerie — {region}, {period}",
    Language.EN: "Out-of-hours imaging cover — {region}, {period}",
}


def horizon_words(start: dt.date, end: dt.date, language: Language) -> str:
    """ "1er trimestre 2027" for a calendar quarter, else "du 1er mars 2027 au 30 avril 2027"."""
    words = HORIZON_WORDS[language]
    last = dt.date(end.year + (end.month == 12), end.month % 12 + 1, 1) - dt.timedelta(days=1)
    if start.day == 1 and start.month % 3 == 1 and end == last and end.month == start.month + 2:
        quarter = (start.month - 1) // 3 + 1
        n = words["first"] if quarter == 1 else words["nth"].format(n=quarter)
        return words["quarter"].format(n=n, year=start.year)
    return words["span"].format(start=long_date_words(start, language), end=long_date_words(end, language))


def cover_title(region: str, start: dt.date, end: dt.date, language: Language) -> str:
    """The title of the report and of the map: "Permanence des soins en imagerie — Lorraine, 1er trimestre 2027"."""
    return TITLE_WORDS[language].format(region=region, period=horizon_words(start, end, language))


# The solver's headline figures as the report's annex and the workbook's summary sheet both label them (the
# `_stage` ones when the rota was solved in stages: the figures are then the first stage's).
SOLVER_WORDS: Mapping[Language, Mapping[str, str]] = {
    Language.FR: {
        "proven": "Optimalité prouvée",
        "objective": "Objectif",
        "bound": "Meilleure borne",
        "gap": "Écart à la borne",
        "objective_stage": "Charge maximale (étape 1, points)",
        "bound_stage": "Borne prouvée (étape 1)",
        "gap_stage": "Écart prouvé (étape 1)",
    },
    Language.EN: {
        "proven": "Proven optimal",
        "objective": "Objective",
        "bound": "Best bound",
        "gap": "Gap to the bound",
        "objective_stage": "Largest load (stage 1, points)",
        "bound_stage": "Proven bound (stage 1)",
        "gap_stage": "Proven gap (stage 1)",
    },
}
