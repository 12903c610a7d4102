"""Hour-by-hour arrival rates of PDS exams: volumes.csv's mean exams per period spread by an hour-of-day profile.

volumes.csv gives the mean number of exams of one occurrence of a period (a night, a Saturday afternoon, a Sunday
or holiday day) per site and modality. The turnaround of a reader depends on *when* these exams arrive, so each
period is cut into hourly slots counted from its start in the scenario's `PdsHours` (a night 18:30 → 08:30 has 14
slots, slot 0 being 18:30–19:30), and an `ArrivalProfile` gives the share of the period's exams arriving in each
slot. If the period length is not a whole number of hours the last slot is shorter (its duration is given by
`slot_hours`) and its weight is the share of exams arriving in that shorter slot.

The arrival rate of modality m at a site in slot k of a period of kind p is

    λ_m(k) = N_m,p · w_p(k) / d_p(k)     exams per hour,

where N_m,p is the site's mean exams per period (volumes.csv) that the radiologist on call reads during the period
(`Reading.read_on_call_share`: the others are reported the next day or never read remotely), w_p(k) the profile
weight (Σ_k w_p(k) = 1) and d_p(k) the slot's duration in hours (1, or less for a last partial slot), so that
Σ_k λ_m(k) d_p(k) = N_m,p.

Default profile: ASSUMED shapes, informed by one public source
-------------------------------------------------------------
No public hour-by-hour distribution of out-of-hours imaging in French hospitals was found. The ANAP notes that
night activity peaks 20:00–midnight (ANAP; docs/rules.md, "Arrival profile"); the rest of the
default shapes are assumptions in the usual shape of emergency-department arrivals, not measurements:

* night: highest 20:00–midnight, falling after midnight, quiet 02:00–07:00, picking up from 07:00. With the default
  hours (18:30 → 08:30) the busiest slot carries 1.79 times the period's average hour, in line with
  `Reading.peak_factor` (1.8) used by the rota's peak-load rule;
* Saturday afternoon: fairly flat, rising a little in mid-afternoon (peak/average ≈ 1.05);
* Sunday and public-holiday day: quiet at 08:30, rising through late morning, a small dip at lunch, a second rise
  in the afternoon (peak/average ≈ 1.1).

The shapes are stored as intensities per clock hour (`DEFAULT_CLOCK_CURVES`) so that they follow a scenario that
moves its PDS hours; `default_profile(hours)` turns them into weights per slot. A scenario may replace them with
`profile_from_table` (weights per slot) or `profile_from_clock` (intensities per clock hour, e.g. fitted from an
exam log).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pds_plan.domain.model import PdsHours, PeriodKind, Scenario
from pds_plan.errors import InputError, Problem, display_path

HOURS_PER_DAY = 24
MINUTES_PER_HOUR = 60

# Relative arrival intensity per clock hour (index 0 = 00:00–01:00, ..., 23 = 23:00–24:00), per period kind.
# ASSUMPTIONS informed by ANAP's "night activity peaks 20:00–midnight"; see the module docstring. Hours outside a
# kind's default span are filled in so that a scenario with other hours still gets a sensible shape.
DEFAULT_CLOCK_CURVES: Mapping[str, tuple[float, ...]] = {
    # clock hour:             00    01    02    03    04    05    06    07    08    09    10    11
    #                         12    13    14    15    16    17    18    19    20    21    22    23
    PeriodKind.NIGHT:        (1.1,  0.8,  0.5,  0.4,  0.35, 0.35, 0.45, 0.6,  0.9,  1.0,  1.0,  1.0,
                              1.0,  1.0,  1.0,  1.0,  1.0,  1.1,  1.2,  1.4,  1.7,  1.8,  1.7,  1.5),
    PeriodKind.SATURDAY:     (0.8,  0.6,  0.4,  0.35, 0.35, 0.4,  0.5,  0.7,  0.8,  0.85, 0.9,  0.9,
                              0.9,  0.95, 1.05, 1.1,  1.1,  1.05, 1.0,  1.0,  1.0,  1.0,  0.95, 0.9),
    PeriodKind.SUNDAY_HOLIDAY: (0.8,  0.6,  0.4,  0.35, 0.35, 0.4,  0.5,  0.6,  0.6,  0.8,  1.0,  1.15,
                                1.05, 1.0,  1.1,  1.15, 1.1,  1.05, 1.0,  1.0,  1.0,  1.0,  0.95, 0.9),
}  # fmt: skip

DEFAULT_SOURCE = (
    "default: assumed shapes informed by ANAP (night activity peaks 20:00-midnight, quiet 02:00-07:00); "
    "Saturday afternoon and Sunday/holiday day fairly flat with a late-morning and afternoon rise"
)


def _period_minutes(hours: PdsHours, kind: PeriodKind) -> tuple[int, int]:
    """Start (minutes after midnight) and length in minutes of a period kind; an end at or before the start is the
    next day (same convention as `pds_plan.domain.calendar.local_span`)."""
    start, end = hours.of(kind)
    begin = start.hour * MINUTES_PER_HOUR + start.minute
    length = end.hour * MINUTES_PER_HOUR + end.minute - begin
    return begin, length if length > 0 else length + HOURS_PER_DAY * MINUTES_PER_HOUR


def slot_hours(hours: PdsHours, kind: PeriodKind) -> list[float]:
    """Durations in hours of the hourly slots of a period kind: all 1 except a shorter last one if the period is
    not a whole number of hours. Nominal wall-clock length: the daylight-saving nights are not special here."""
    _, length = _period_minutes(hours, kind)
    slots = math.ceil(length / MINUTES_PER_HOUR)
    return [min(MINUTES_PER_HOUR, length - k * MINUTES_PER_HOUR) / MINUTES_PER_HOUR for k in range(slots)]


def _normalised(kind: PeriodKind, weights: Iterable[float]) -> tuple[float, ...]:
    values = tuple(float(w) for w in weights)
    if not values:
        raise ValueError(f"{kind.value}: no weights")
    if any(not math.isfinite(w) or w < 0 for w in values):
        raise ValueError(f"{kind.value}: weights must be finite and >= 0, got {values}")
    total = sum(values)
    if total <= 0:
        raise ValueError(f"{kind.value}: weights sum to 0")
    return tuple(w / total for w in values)


@dataclass(frozen=True)
class ArrivalProfile:
    """Share of a period's exams arriving in each hourly slot of the period, per period kind.

    Slot k of a period covers [start + k h, start + (k + 1) h) from the period's start in the scenario's
    `PdsHours` (the last slot ends with the period). Weights are normalised on construction so that
    Σ_k w_p(k) = 1 for each kind p; they need as many entries as the period has slots (`slot_hours`).

    Attributes
    ----------
    night, saturday, sunday_holiday
        Weights per slot of each period kind.
    source
        Where the shapes come from (shown in reports).
    """

    night: tuple[float, ...]
    saturday: tuple[float, ...]
    sunday_holiday: tuple[float, ...]
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for kind in PeriodKind:
            object.__setattr__(self, kind.value, _normalised(kind, getattr(self, kind.value)))

    def of(self, kind: PeriodKind) -> tuple[float, ...]:
        """Normalised weights per slot of a period kind."""
        weights: tuple[float, ...] = getattr(self, kind.value)
        return weights

    def check_hours(self, hours: PdsHours) -> None:
        """Raise ValueError unless every kind has one weight per slot of the period under these hours."""
        for kind in PeriodKind:
            slots = len(slot_hours(hours, kind))
            if len(self.of(kind)) != slots:
                start, end = hours.of(kind)
                raise ValueError(
                    f"the arrival profile has {len(self.of(kind))} hourly weights for {kind.value} but the period "
                    f"{start:%H:%M}-{end:%H:%M} has {slots} hourly slots"
                )


def profile_from_clock(
    curves: Mapping[str, Sequence[float]], hours: PdsHours | None = None, source: str = ""
) -> ArrivalProfile:
    """Weights per slot from relative arrival intensities per clock hour (24 values, index 0 = 00:00–01:00).

    The weight of slot k is the integral of the piecewise-constant clock-hour intensity c(t) over the slot,
    normalised: w(k) = ∫_slot c(t) dt / ∫_period c(t) dt (computed minute by minute, so periods starting at
    18:30 take half of the 18:00 and half of the 19:00 intensity in their first slot). Kinds missing from `curves`
    take `DEFAULT_CLOCK_CURVES`.

    Parameters
    ----------
    curves
        Per period kind (or its name), 24 non-negative intensities per clock hour (local time).
    hours
        The PDS hours whose slots the weights are for; the default hours if None.
    source
        Where the curves come from.
    """
    hours = hours or PdsHours()
    by_kind = {PeriodKind(key): tuple(values) for key, values in curves.items()}
    weights: dict[str, list[float]] = {}
    for kind in PeriodKind:
        curve = by_kind.get(kind, DEFAULT_CLOCK_CURVES[kind])
        if len(curve) != HOURS_PER_DAY:
            raise ValueError(f"{kind.value}: expected {HOURS_PER_DAY} clock-hour intensities, got {len(curve)}")
        begin, length = _period_minutes(hours, kind)
        slots = [0.0] * len(slot_hours(hours, kind))
        for minute in range(length):
            clock_hour = (begin + minute) // MINUTES_PER_HOUR % HOURS_PER_DAY
            slots[minute // MINUTES_PER_HOUR] += curve[clock_hour]
        weights[kind.value] = slots
    return ArrivalProfile(
        night=tuple(weights["night"]),
        saturday=tuple(weights["saturday"]),
        sunday_holiday=tuple(weights["sunday_holiday"]),
        source=source,
    )


def default_profile(hours: PdsHours | None = None) -> ArrivalProfile:
    """The default (assumed) profile for a scenario's PDS hours: `DEFAULT_CLOCK_CURVES` cut into its slots."""
    return profile_from_clock(DEFAULT_CLOCK_CURVES, hours, DEFAULT_SOURCE)


DEFAULT_PROFILE = default_profile()  # for the default hours (night 18:30-08:30, Saturday 12:30-18:30, ...)


def profile_from_table(
    mapping: Mapping[str, Sequence[float]], hours: PdsHours | None = None, source: str = "scenario"
) -> ArrivalProfile:
    """An arrival profile from a table of weights per slot, e.g. a scenario's ``[profile]`` TOML table::

        [profile]
        night = [3, 4, 5, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 2]     # 14 slots from 18:30
        saturday = [1, 1, 1, 1, 1, 1]

    Weights are relative (normalised here). Kinds missing from the table keep the default profile for `hours`.

    Parameters
    ----------
    mapping
        Period kind name (``night``, ``saturday``, ``sunday_holiday``) to weights per slot from the period's start.
    hours
        The scenario's PDS hours: give them to check each list has one weight per slot (and to cut the default
        shapes of missing kinds); default hours if None.
    source
        Where the weights come from.

    Raises
    ------
    ValueError
        On an unknown kind, a negative or non-finite weight, all-zero weights or a wrong number of slots.
    """
    known = {kind.value for kind in PeriodKind}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise ValueError(f"unknown period kind(s) {', '.join(unknown)} (expected {', '.join(sorted(known))})")
    hours = hours or PdsHours()
    default = default_profile(hours)
    profile = ArrivalProfile(
        night=tuple(mapping.get("night", default.night)),
        saturday=tuple(mapping.get("saturday", default.saturday)),
        sunday_holiday=tuple(mapping.get("sunday_holiday", default.sunday_holiday)),
        source=source,
    )
    profile.check_hours(hours)
    return profile


HourlyRates = list[tuple[int, dict[str, float]]]


def arrival_rates(
    scenario: Scenario, site_id: str, kind: PeriodKind, profile: ArrivalProfile | None = None
) -> HourlyRates:
    """Arrival rate (exams per hour) of each modality of a site in each hourly slot of a period kind.

    λ_m(k) = N_m · w(k) / d(k), with N_m the site's mean exams per period of this kind and modality (volumes.csv,
    ``scenario.volumes``) that the radiologist on call reads (`Reading.read_on_call_share`), w(k) the profile
    weight and d(k) the slot's duration in hours (`slot_hours`); hence Σ_k λ_m(k) d(k) = N_m. Modalities without a
    volume line are absent (rate 0).

    Parameters
    ----------
    scenario
        The scenario: its volumes and PDS hours.
    site_id
        A site of the scenario.
    kind
        The period kind.
    profile
        Weights per slot; None means the default (assumed) profile cut for the scenario's hours.

    Returns
    -------
    list of (slot index from the period's start, {modality: exams per hour})
    """
    if site_id not in {s.site_id for s in scenario.sites}:
        raise ValueError(f"unknown site '{site_id}'")
    profile = profile or default_profile(scenario.hours)
    profile.check_hours(scenario.hours)
    means: dict[str, float] = defaultdict(float)
    for volume in scenario.volumes:
        if volume.site_id == site_id and volume.period == kind:
            means[volume.modality] += volume.mean_exams * scenario.reading.read_on_call_share(volume.modality)
    durations = slot_hours(scenario.hours, kind)
    return [
        (k, {modality: mean * weight / duration for modality, mean in means.items()})
        for k, (weight, duration) in enumerate(zip(profile.of(kind), durations, strict=True))
    ]


def pool_arrival_rates(
    scenario: Scenario, site_ids: Iterable[str], kind: PeriodKind, profile: ArrivalProfile | None = None
) -> HourlyRates:
    """Arrival rates of a pool of sites read by one radiologist: the sum over its sites, slot by slot, per modality
    (a superposition of independent Poisson processes is a Poisson process with the summed rate)."""
    total: HourlyRates = [(k, {}) for k in range(len(slot_hours(scenario.hours, kind)))]
    for site_id in dict.fromkeys(site_ids):
        for (_, rates), (_, summed) in zip(arrival_rates(scenario, site_id, kind, profile), total, strict=True):
            for modality, rate in rates.items():
                summed[modality] = summed.get(modality, 0.0) + rate
    return total


def scenario_profile(scenario: Scenario) -> ArrivalProfile | None:
    """The scenario's [profile] table (weights per hourly slot, `profile_from_table`), or None for the default."""
    table = scenario.settings.get("profile")
    if table is None:
        return None
    where = display_path(scenario.source) if scenario.source else "scenario"
    if not isinstance(table, dict):
        raise InputError([Problem(where, f"[profile] must be a table, not {table!r}")])
    try:
        return profile_from_table(table, scenario.hours, source=f"{where} [profile]")
    except (ValueError, TypeError) as error:
        raise InputError([Problem(where, f"[profile]: {error}")]) from None
