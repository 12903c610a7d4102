"""Time windows: PDS periods of different sites with the same start and end are covered in the same window.

A radiologist on call in a window may cover several of its slots at once. Rest and block rules are expressed once
per horizon on windows (they are the same for everybody): pairs of windows too close to both be worked, and chains
of touching windows longer than the longest allowed block.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from pds_plan.domain.calendar import Period
from pds_plan.domain.model import PeriodKind, Points, Rules
from pds_plan.domain.rota import period_points


@dataclass(frozen=True)
class Window:
    index: int
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    slots: tuple[int, ...]  # indices into the slot list
    local_date: dt.date  # the date the periods start on
    kinds: frozenset[PeriodKind]
    points: int

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def weekend(self) -> dt.date | None:
        """The Saturday of the weekend this window belongs to (Saturday 12:30 to Monday 08:30), if any."""
        day = self.local_date
        if day.weekday() == 5 and self.kinds & {PeriodKind.SATURDAY, PeriodKind.NIGHT, PeriodKind.SUNDAY_HOLIDAY}:
            return day
        if day.weekday() == 6:
            return day - dt.timedelta(days=1)
        return None


@dataclass(frozen=True)
class WindowPlan:
    slots: tuple[Period, ...]
    windows: tuple[Window, ...]
    window_of_slot: tuple[int, ...]
    too_close: tuple[tuple[int, int], ...]  # (w1, w2): w1 ends before w2 starts, with less than the minimum rest
    too_long: tuple[tuple[int, ...], ...]  # chains of touching windows whose span exceeds the longest block
    overlapping: tuple[tuple[int, ...], ...]  # groups of windows that share an instant (for "at once" rules)
    # Points of each slot. A window's slots may differ (Good Friday is a holiday in Moselle only): a radiologist
    # earns the most of the slots they cover in a window, which the window's own `points` (the most of all) is not.
    slot_points: tuple[int, ...]


def plan_windows(periods: list[Period], rules: Rules, points: Points) -> WindowPlan:
    slots = tuple(periods)
    by_span: dict[tuple[dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    for index, period in enumerate(slots):
        by_span[(period.start_utc, period.end_utc)].append(index)
    windows = []
    window_of_slot = [0] * len(slots)
    for index, ((start, end), members) in enumerate(sorted(by_span.items())):
        for slot in members:
            window_of_slot[slot] = index
        windows.append(
            Window(
                index=index,
                start=start,
                end=end,
                slots=tuple(members),
                local_date=slots[members[0]].date,
                kinds=frozenset(slots[m].kind for m in members),
                points=max(period_points(slots[m], points) for m in members),
            )
        )
    rest = dt.timedelta(hours=rules.min_rest_hours)
    longest = dt.timedelta(hours=rules.max_block_hours)
    too_close = []
    for first in windows:
        for second in windows[first.index + 1 :]:
            if second.start - first.end >= rest:
                break  # windows are sorted by start: later ones are further still
            if first.end < second.start:
                too_close.append((first.index, second.index))
    return WindowPlan(
        slots=slots,
        windows=tuple(windows),
        window_of_slot=tuple(window_of_slot),
        too_close=tuple(too_close),
        too_long=tuple(_chains_too_long(windows, longest)),
        overlapping=tuple(_overlap_groups(windows)),
        slot_points=tuple(period_points(period, points) for period in slots),
    )


def _chains_too_long(windows: list[Window], longest: dt.timedelta) -> list[tuple[int, ...]]:
    """Minimal chains w1, w2, ... each starting at or before the previous one's end and reaching past it, whose span
    exceeds `longest`: together they would form one block longer than allowed."""
    chains: list[tuple[int, ...]] = []

    def extend(chain: tuple[int, ...], start: dt.datetime, end: dt.datetime) -> None:
        if end - start > longest:
            chains.append(chain)
            return
        for nxt in windows[chain[-1] + 1 :]:
            if nxt.start > end:
                break
            if nxt.end > end:
                extend((*chain, nxt.index), start, nxt.end)

    for window in windows:
        extend((window.index,), window.start, window.end)
    return chains


def _overlap_groups(windows: list[Window]) -> list[tuple[int, ...]]:
    """For each instant where the set of open windows changes, the windows open then (maximal groups only)."""
    instants = sorted({w.start for w in windows})
    groups: list[tuple[int, ...]] = []
    for instant in instants:
        group = tuple(w.index for w in windows if w.start <= instant < w.end)
        if group and not any(set(group) <= set(g) for g in groups[-3:]):
            groups.append(group)
    return groups
