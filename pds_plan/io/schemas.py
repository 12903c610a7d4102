"""Row schemas of the input contract (docs/input-contract.md): one pydantic model per CSV file."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, field_validator, model_validator

from pds_plan.domain.model import MODALITIES, SITE_KINDS, AvailabilityKind, PeriodKind, SiteKind
from pds_plan.io.tables import Bool, Date, Number, OptionalText, Row, Text, TextList, parse_choice

OVERSEAS_DEPARTEMENTS = {"971", "972", "973", "974", "976"}
# Bounding boxes (lat, lon) of metropolitan France with Corsica, and of the overseas départements.
FRANCE_BOXES = {
    "metropolitan France": ((41.3, 51.2), (-5.3, 9.7)),
    "971": ((15.8, 16.6), (-61.9, -60.9)),
    "972": ((14.3, 14.95), (-61.3, -60.7)),
    "973": ((2.0, 6.0), (-54.7, -51.5)),
    "974": ((-21.5, -20.8), (55.1, 55.9)),
    "976": ((-13.1, -12.5), (44.9, 45.4)),
}


def parse_departement(value: Any) -> str:
    text = str(value).strip().upper()
    if re.fullmatch(r"\d", text):  # Excel drops the leading zero of 01-09
        text = "0" + text
    if re.fullmatch(r"(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])", text) and text not in {"20", "975"}:
        return text
    raise ValueError(f"'{value}' is not a French département code (01-95, 2A, 2B, 971-976)")


# Labels of a site's kind as planners and FINESS exports write them (folded: no accents, case, dots or hyphens).
# ESPIC (private non-profit), HIA (military) and CLCC (cancer centre) hospitals are none of the four kinds, and
# not clinics either: they are known, so they load as OTHER without a warning (docs/input-contract.md "sites.csv").
SITE_KIND_LABELS = {
    **dict.fromkeys(
        [
            "chu",
            "chru",
            "centre hospitalier universitaire",
            "centre hospitalier regional universitaire",
            "university hospital",
        ],
        SiteKind.CHU,
    ),
    **dict.fromkeys(["chr", "centre hospitalier regional", "regional hospital"], SiteKind.CHR),
    **dict.fromkeys(
        [
            "ch",
            "chd",
            "chi",
            "centre hospitalier",
            "centre hospitalier departemental",
            "centre hospitalier intercommunal",
            "hopital local",
            "centre hospitalier ex hopital local",
            "general hospital",
        ],
        SiteKind.CH,
    ),
    **dict.fromkeys(["clinique", "polyclinique", "clinic", "private clinic", "clinique privee"], SiteKind.CLINIQUE),
    **dict.fromkeys(
        [
            "other",
            "autre",
            "espic",
            "etablissement de sante prive d interet collectif",
            "hia",
            "hopital d instruction des armees",
            "hopital des armees",
            "military hospital",
            "clcc",
            "centre de lutte contre le cancer",
            "centre de lutte contre cancer",
            "cancer centre",
            "cancer center",
        ],
        SiteKind.OTHER,
    ),
}
SITE_KIND_EXPECTED = (
    f"{', '.join(SITE_KINDS)}, or a FINESS category such as Centre Hospitalier, Polyclinique, ESPIC, HIA, CLCC"
)


def _fold(text: str) -> str:
    """Lower case without accents, dots, hyphens or apostrophes: 'C.H.R.' is 'chr', 'Hôpital' is 'hopital'."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[.\-_'’]", lambda m: "" if m.group() == "." else " ", plain).split())


def site_kind_of(label: str) -> SiteKind | None:
    """The kind a label names, or None when it names none of them (then the site is OTHER, with a warning).

    A FINESS label such as "Centre Hospitalier (C.H.)" is read whole, then without and within its brackets.
    """
    outside = re.sub(r"\(.*?\)", " ", label)
    inside = " ".join(re.findall(r"\((.*?)\)", label))
    for candidate in (label, outside, inside):
        kind = SITE_KIND_LABELS.get(_fold(candidate))
        if kind is not None:
            return kind
    return None


def parse_site_kind(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError(f"is empty: expected a site kind ({SITE_KIND_EXPECTED})")
    return (site_kind_of(text) or SiteKind.OTHER).value


Departement = Annotated[str, BeforeValidator(parse_departement)]
SiteKindName = Annotated[str, BeforeValidator(parse_site_kind)]
Modality = Annotated[str, BeforeValidator(parse_choice(MODALITIES))]
PeriodName = Annotated[PeriodKind, BeforeValidator(parse_choice(tuple(PeriodKind)))]
AvailabilityName = Annotated[AvailabilityKind, BeforeValidator(parse_choice(tuple(AvailabilityKind)))]


def _box(info: ValidationInfo) -> tuple[str, tuple[tuple[float, float], tuple[float, float]]]:
    departement = info.data.get("departement")
    key = departement if departement in OVERSEAS_DEPARTEMENTS else "metropolitan France"
    return key, FRANCE_BOXES[key]


class SiteRow(Row):
    site_id: Text
    name: Text
    kind: SiteKindName
    departement: Departement
    lat: Number
    lon: Number
    modalities: TextList
    emergency: Bool
    pds: Bool
    finess: OptionalText = None
    ght: OptionalText = None
    onsite_required: Bool = False
    kind_label: OptionalText = None  # set from `kind`, never read from a column of its own

    @model_validator(mode="before")
    @classmethod
    def keep_other_kind_label(cls, data: Any) -> Any:
        """A kind that is not one of the four keeps its label (ESPIC, HIA, or a typo the warning names)."""
        if isinstance(data, dict):
            label = str(data.get("kind", "")).strip()
            known = site_kind_of(label)
            data = {**data, "kind_label": label if known in (None, SiteKind.OTHER) else ""}  # "" is None
        return data

    @property
    def kind_recognised(self) -> bool:
        """False when `kind` was loaded as OTHER only because its label names no known kind."""
        return self.kind_label is None or site_kind_of(self.kind_label) is not None

    @field_validator("lat")
    @classmethod
    def lat_in_france(cls, value: float, info: ValidationInfo) -> float:
        where, ((low, high), _) = _box(info)
        if not low <= value <= high:
            raise ValueError(f"{value} is not a latitude in {where} (expected {low} to {high})")
        return value

    @field_validator("lon")
    @classmethod
    def lon_in_france(cls, value: float, info: ValidationInfo) -> float:
        where, (_, (low, high)) = _box(info)
        if not low <= value <= high:
            raise ValueError(f"{value} is not a longitude in {where} (expected {low} to {high})")
        return value

    @field_validator("modalities")
    @classmethod
    def known_modalities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        upper = tuple(v.upper() for v in value)
        unknown = [v for v in upper if v not in MODALITIES]
        if unknown:
            raise ValueError(f"unknown modality {', '.join(unknown)} (expected some of {', '.join(MODALITIES)})")
        return upper

    @field_validator("finess")
    @classmethod
    def finess_has_nine_characters(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9][0-9AB][0-9]{7}", value):
            raise ValueError(f"'{value}' is not a FINESS number (9 characters, e.g. 540023264)")
        return value


class RadiologistRow(Row):
    radiologist_id: Text
    name: Text
    home_site: Text
    fte: Number
    sites: TextList
    remote: Bool = True

    @field_validator("fte")
    @classmethod
    def fte_in_range(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError(f"{value:g} is not a full-time equivalent (expected more than 0, at most 1)")
        return value


class DaysRow(Row):
    """A radiologist's days, from `start` to `end` included: an absence (`replan --absences`)."""

    radiologist_id: Text
    start: Date
    end: Date

    @field_validator("end")
    @classmethod
    def end_not_before_start(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and value < start:
            raise ValueError(f"end {value} is before start {start}")
        return value


class AvailabilityRow(DaysRow):
    kind: AvailabilityName


class VolumeRow(Row):
    site_id: Text
    modality: Modality
    period: PeriodName
    mean_exams: Number

    @field_validator("mean_exams")
    @classmethod
    def not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError(f"{value:g} is negative: expected a mean number of exams >= 0")
        return value


class PoolRow(Row):
    pool_id: Text
    site_id: Text


class BalanceRow(Row):
    """Points a radiologist carries over from earlier rotas (positive: already did more than their share)."""

    radiologist_id: Text
    points: Number


class PinRow(Row):
    date: Date
    period: PeriodName
    site_id: Text
    radiologist_id: Text
