"""Load a scenario: the TOML file, the CSV files it names, and every cross-reference between them."""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar

from pds_plan.domain.calendar import period_kinds_of_day, public_holidays
from pds_plan.domain.model import (
    MODALITIES,
    Availability,
    CostSettings,
    PdsHours,
    PeriodKind,
    Pin,
    Points,
    PoolMember,
    Radiologist,
    Reading,
    Rules,
    Scenario,
    Site,
    SiteKind,
    Stages,
    Volume,
    Weights,
)
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.schemas import (
    SITE_KIND_EXPECTED,
    AvailabilityRow,
    BalanceRow,
    PinRow,
    PoolRow,
    RadiologistRow,
    SiteRow,
    VolumeRow,
)
from pds_plan.io.tables import Findings, LoadedTable, load_table

REQUIRED_FILES = ("sites", "radiologists", "volumes")
OPTIONAL_FILES = ("availability", "pools", "pins", "balances")
MAX_HORIZON_DAYS = 2 * 366
MAX_PERIOD_HOURS = 14  # arrêté du 30 avril 2003: a day or night period lasts at most 14 h
MIN_CREDENTIALED = 3
KNOWN_TABLES = {"scenario", "data", "rules", "hours", "points", "weights", "stages", "reading", "costs"}
T = TypeVar("T")


class TomlReader:
    """Typed access to a TOML document that records located problems instead of failing on the first."""

    def __init__(self, path: Path, text: str, document: Mapping[str, Any], findings: Findings) -> None:
        self.name = display_path(path)
        self.lines = text.splitlines()
        self.document = document
        self.findings = findings
        self.reported_tables: set[str] = set()

    def line_of(self, table: str, key: str) -> int | None:
        current = ""
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"\s*\[([^\]]+)\]", line)
            if header:
                current = header.group(1).strip()
            elif current == table and re.match(rf"\s*{re.escape(key)}\s*=", line):
                return number
        return None

    def error(self, table: str, key: str, message: str) -> None:
        self.findings.errors.append(Problem(self.name, f"[{table}] {key}: {message}", row=self.line_of(table, key)))

    def warn(self, table: str, key: str, message: str) -> None:
        self.findings.warnings.append(Problem(self.name, f"[{table}] {key}: {message}", row=self.line_of(table, key)))

    def table(self, name: str) -> Mapping[str, Any]:
        value = self.document.get(name, {})
        if not isinstance(value, Mapping):
            if name not in self.reported_tables:
                self.reported_tables.add(name)
                row = next(
                    (n for n, line in enumerate(self.lines, 1) if re.match(rf"\s*{re.escape(name)}\s*=", line)), None
                )
                self.findings.errors.append(Problem(self.name, f"[{name}] must be a table, not {value!r}", row=row))
            return {}
        return value

    def text(self, table: str, key: str, required: bool = True) -> str | None:
        value = self.table(table).get(key)
        if value is None:
            if required:
                self.error(table, key, "missing: expected a text value")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(table, key, f"expected a non-empty text value, got {value!r}")
            return None
        return value.strip()

    def date(self, table: str, key: str) -> dt.date | None:
        value = self.table(table).get(key)
        if value is None:
            self.error(table, key, "missing: expected a date such as 2027-01-01")
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(table, key, f"{value!r} is not a date (expected YYYY-MM-DD)")
        return None

    def number(self, table: str, key: str, default: float, minimum: float, whole: bool = False) -> float:
        value = self.table(table).get(key, default)
        kind = "a whole number" if whole else "a number"
        if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
            self.error(table, key, f"{value!r} is not {kind} (expected {kind} >= {minimum:g})")
            return default
        if value < minimum:
            self.error(table, key, f"{value!r} is too small (expected {kind} >= {minimum:g})")
            return default
        return value

    def boolean(self, table: str, key: str, default: bool) -> bool:
        value = self.table(table).get(key, default)
        if not isinstance(value, bool):
            self.error(table, key, f"{value!r} is not true or false (expected true or false, without quotes)")
            return default
        return value

    def hours(self, key: str, default: tuple[dt.time, dt.time]) -> tuple[dt.time, dt.time]:
        value = self.table("hours").get(key)
        if value is None:
            return default
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str | dt.time) for v in value)):
            self.error("hours", key, f'{value!r} is not a pair of times (expected ["18:30", "08:30"])')
            return default
        times = []
        for item in value:
            if isinstance(item, dt.time):
                times.append(item)
                continue
            try:
                times.append(dt.time.fromisoformat(item.strip()))
            except ValueError:
                self.error("hours", key, f"'{item}' is not a time of day (expected HH:MM)")
                return default
        return times[0], times[1]


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    name = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, "scenario file not found")]) from None
    except OSError as error:
        raise InputError([Problem(name, f"cannot be read ({error.strerror})")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        row = int(match.group(1)) if match else None
        raise InputError([Problem(name, f"not valid TOML: {error}", row=row)]) from None


def _dataclass_from_table(reader: TomlReader, table: str, cls: type[T]) -> T:
    """Numbers and switches (true / false) of a TOML table into a dataclass of settings; unknown keys are warned
    about."""
    defaults = cls()
    values: dict[str, Any] = {}
    for name, spec in cls.__dataclass_fields__.items():  # type: ignore[attr-defined]
        if name not in reader.table(table):
            continue
        default = getattr(defaults, name)
        if str(spec.type) == "bool":
            values[name] = reader.boolean(table, name, default)
            continue
        whole = "int" in str(spec.type) and "float" not in str(spec.type)
        minimum = 1 if table == "rules" and name != "min_rest_hours" else 0
        number = reader.number(table, name, default if default is not None else -1, minimum, whole=whole)
        values[name] = number if number != -1 else None
    for key in reader.table(table):
        if key not in cls.__dataclass_fields__:  # type: ignore[attr-defined]
            reader.warn(table, key, f"unknown key, ignored (known: {', '.join(cls.__dataclass_fields__)})")  # type: ignore[attr-defined]
    return cls(**values)


def _stages(reader: TomlReader) -> Stages:
    """The [stages] table: each stage's share of the time limit (numbers >= 0, not all 0; they need not sum to 1)
    and the tolerance within which later stages hold earlier ones (a share, below 0.5)."""
    stages = _dataclass_from_table(reader, "stages", Stages)
    if stages.tolerance >= 0.5:
        reader.error("stages", "tolerance", f"{stages.tolerance!r} is too large (expected a share from 0 to 0.5)")
        stages = replace(stages, tolerance=Stages().tolerance)
    if not stages.shares() or stages.largest_load <= 0:
        reader.error(
            "stages",
            "largest_load",
            "the first stage needs a share of the time limit (expected a number > 0: it proves the bound)",
        )
        stages = Stages()
    return stages


def _costs(reader: TomlReader) -> tuple[CostSettings, tuple[str, ...]]:
    """The [costs] table: amounts in euros (numbers >= 0) over the placeholder defaults, and the keys it sets."""
    names = [f.name for f in fields(CostSettings)]
    values: dict[str, float] = {}
    for key, value in reader.table("costs").items():
        if key not in names:
            reader.warn("costs", key, f"unknown key, ignored (known: {', '.join(names)})")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            reader.error("costs", key, f"{value!r} is not an amount in euros (expected a number >= 0)")
        else:
            values[key] = float(value)
    return CostSettings(**values), tuple(values)


def _modality_table(
    reader: TomlReader,
    key: str,
    defaults: tuple[tuple[str, float], ...],
    example: str,
    accepts: Callable[[float], bool],
    expected: str,
) -> tuple[tuple[str, float], ...]:
    """A [reading] sub-table of numbers per modality, such as minutes = {CT = 10, XR = 5}."""
    values = dict(defaults)
    per_modality = reader.table("reading").get(key, {})
    if not isinstance(per_modality, Mapping):
        reader.error("reading", key, f"expected a table such as {example}")
        per_modality = {}
    for modality, value in per_modality.items():
        if modality not in MODALITIES:
            reader.error("reading", key, f"unknown modality '{modality}' (expected {', '.join(MODALITIES)})")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not accepts(value):
            reader.error("reading", key, f"{modality} = {value!r}: expected {expected}")
        else:
            values[modality] = float(value)
    return tuple(sorted(values.items()))


def _reading(reader: TomlReader) -> Reading:
    defaults = Reading()
    known = ("minutes", "overhead_minutes", "read_on_call", "peak_factor")
    for key in reader.table("reading"):
        if key not in known:
            reader.warn("reading", key, f"unknown key, ignored (known: {', '.join(known)})")
    return Reading(
        minutes=_modality_table(
            reader, "minutes", defaults.minutes, "{CT = 10, XR = 5}", lambda v: v > 0, "minutes > 0"
        ),
        overhead_minutes=reader.number("reading", "overhead_minutes", defaults.overhead_minutes, 0),
        read_on_call=_modality_table(
            reader,
            "read_on_call",
            defaults.read_on_call,
            "{CT = 1, XR = 0.3}",
            lambda v: 0 <= v <= 1,
            "a share from 0 to 1",
        ),
        peak_factor=reader.number("reading", "peak_factor", defaults.peak_factor, 1),
    )


def _scenario_settings(reader: TomlReader, findings: Findings) -> tuple[str, dt.date, dt.date, Rules, PdsHours]:
    name = reader.text("scenario", "name") or "unnamed"
    start = reader.date("scenario", "start")
    end = reader.date("scenario", "end")
    if start and end:
        if end < start:
            reader.error("scenario", "end", f"{end} is before start {start}")
        elif (end - start).days + 1 > MAX_HORIZON_DAYS:
            reader.error(
                "scenario",
                "end",
                f"horizon of {(end - start).days + 1} days is too long (at most {MAX_HORIZON_DAYS})",
            )
    rules = _dataclass_from_table(reader, "rules", Rules)
    default_hours = PdsHours()
    hours = PdsHours(**{kind.value: reader.hours(kind.value, default_hours.of(kind)) for kind in PeriodKind})
    for kind in PeriodKind:
        begin, finish = hours.of(kind)
        length = dt.datetime.combine(dt.date(2001, 1, 1), finish) - dt.datetime.combine(dt.date(2001, 1, 1), begin)
        if length <= dt.timedelta(0):
            length += dt.timedelta(days=1)
        if length > dt.timedelta(hours=MAX_PERIOD_HOURS):
            reader.warn(
                "hours",
                kind.value,
                f"a {kind.value} period of {length} is longer than the 14 h of the arrêté du 30 avril 2003",
            )
    return name, start or dt.date.min, end or dt.date.min, rules, hours


def _data_paths(reader: TomlReader, base: Path) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for key in REQUIRED_FILES + OPTIONAL_FILES:
        value = reader.text("data", key, required=key in REQUIRED_FILES)
        if value is not None:
            paths[key] = (base / value).resolve() if not Path(value).is_absolute() else Path(value)
    for key in reader.table("data"):
        if key not in (*REQUIRED_FILES, *OPTIONAL_FILES, "synthetic"):
            reader.warn("data", key, "unknown input file, ignored")
    return paths


def _synthetic_data(reader: TomlReader) -> tuple[str, ...]:
    """[data] synthetic: which input files hold synthetic data (e.g. ["radiologists", "availability", "volumes"]),
    for the map to say so; none by default."""
    value = reader.table("data").get("synthetic", [])
    files = REQUIRED_FILES + OPTIONAL_FILES
    if not isinstance(value, list) or not all(isinstance(v, str) and v in files for v in value):
        reader.error("data", "synthetic", f"expected a list of input files among {', '.join(files)}, got {value!r}")
        return ()
    return tuple(f for f in files if f in value)


def unique_rows(rows: list[tuple[int, Any]], attr: str, name: str, findings: Findings) -> list[tuple[int, Any]]:
    seen: dict[str, int] = {}
    kept = []
    for line, row in rows:
        key = getattr(row, attr)
        if key in seen:
            findings.errors.append(
                Problem(name, f"duplicate {attr} '{key}' (first on line {seen[key]})", row=line, column=attr)
            )
        else:
            seen[key] = line
            kept.append((line, row))
    return kept


def _check_horizon_pin(pin: PinRow, site: Site, start: dt.date, end: dt.date) -> str | None:
    if not start <= pin.date <= end:
        return f"{pin.date} is outside the scenario's horizon {start} to {end}"
    is_holiday = pin.date in public_holidays(site, [pin.date.year])
    if pin.period not in period_kinds_of_day(pin.date, is_holiday):
        return f"site {site.site_id} has no {pin.period.value} period on {pin.date:%A %Y-%m-%d}"
    return None


def scenario_keys() -> dict[str, str]:
    """Every setting of a scenario file a sweep may vary, `table.key` → what it takes (validated on loading)."""
    keys: dict[str, str] = {}
    for table, cls in (
        ("rules", Rules),
        ("points", Points),
        ("weights", Weights),
        ("stages", Stages),
        ("costs", CostSettings),
    ):
        for spec in fields(cls):
            keys[f"{table}.{spec.name}"] = str(spec.type)
    for kind in PeriodKind:
        keys[f"hours.{kind.value}"] = 'pair of times, ["18:30", "08:30"]'
    for key in ("overhead_minutes", "peak_factor"):
        keys[f"reading.{key}"] = "number"
    for modality in MODALITIES:
        keys[f"reading.minutes.{modality}"] = "minutes"
        keys[f"reading.read_on_call.{modality}"] = "share 0-1"
    return keys


def with_overrides(document: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The TOML document with `table.key` (or `table.key.sub`) values replaced, as if the file said so: the loader
    then validates them like any other value, with the same located errors."""
    changed = {table: dict(values) if isinstance(values, Mapping) else values for table, values in document.items()}
    for dotted, value in overrides.items():
        table, _, rest = dotted.partition(".")
        target = changed.setdefault(table, {})
        if not isinstance(target, dict):
            continue  # the loader reports a table that is not a table
        key, _, sub = rest.partition(".")
        if sub:
            inner = target.get(key)
            inner = dict(inner) if isinstance(inner, Mapping) else {}
            inner[sub] = value
            target[key] = inner
        else:
            target[key] = value
    return changed


def load_scenario(
    path: Path | str, files: Mapping[str, Path] | None = None, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Read and validate a scenario and all its files; raise InputError listing every problem found.

    `files` replaces files the scenario names, by role (e.g. {"pools": Path("other_pools.csv")}: `solve --pools`);
    `overrides` replaces settings of the file, `table.key` → value (a sweep's variant, `scenario_keys()`).
    """
    path = Path(path)
    text, document = _read_toml(path)
    if overrides:
        document = with_overrides(document, overrides)
    findings = Findings()
    reader = TomlReader(path, text, document, findings)
    name, start, end, rules, hours = _scenario_settings(reader, findings)
    paths = _data_paths(reader, path.parent)
    synthetic_data = _synthetic_data(reader)
    paths.update({role: Path(file).resolve() for role, file in (files or {}).items()})
    points = _dataclass_from_table(reader, "points", Points)
    weights = _dataclass_from_table(reader, "weights", Weights)
    stages = _stages(reader)
    reading = _reading(reader)
    costs, costs_given = _costs(reader)
    if findings.errors:
        raise InputError(findings.errors)

    def table(key: str, schema: Any) -> LoadedTable[Any]:
        if key not in paths:
            return LoadedTable([])
        # A header-only availability, pools or pins file simply says "none".
        return load_table(paths[key], schema, findings, allow_empty=key in OPTIONAL_FILES)

    site_table = table("sites", SiteRow)
    radiologist_table = table("radiologists", RadiologistRow)
    site_rows = unique_rows(site_table.rows, "site_id", display_path(paths["sites"]), findings)
    radiologist_rows = unique_rows(
        radiologist_table.rows, "radiologist_id", display_path(paths["radiologists"]), findings
    )
    availability_rows = table("availability", AvailabilityRow).rows
    volume_rows = table("volumes", VolumeRow).rows
    pool_rows = table("pools", PoolRow).rows
    pin_rows = table("pins", PinRow).rows
    balance_rows = table("balances", BalanceRow).rows

    sites = {row.site_id: Site(**row.model_dump()) for _, row in site_rows}
    # The kind only chooses a map marker: an unknown one is worth a warning, not the rejection of the scenario.
    for line, row in site_rows:
        if not row.kind_recognised:
            findings.warnings.append(
                Problem(
                    display_path(paths["sites"]),
                    f"'{row.kind_label}' is not a known site kind (expected {SITE_KIND_EXPECTED}): "
                    f"loaded as '{SiteKind.OTHER.value}', drawn with a neutral marker",
                    row=line,
                    column="kind",
                )
            )
    # Ids of rows that failed their own checks: already reported, so references to them are not errors again.
    broken_sites = site_table.declared("site_id") - set(sites)
    broken_radiologists = radiologist_table.declared("radiologist_id") - {r.radiologist_id for _, r in radiologist_rows}

    def site_unchecked(site_id: str) -> bool:
        """A reference to a site whose row, or whole file, failed already: not reported a second time."""
        return site_id not in sites and (site_table.failed or site_id in broken_sites)

    def radiologist_unchecked(radiologist_id: str) -> bool:
        return radiologist_table.failed or radiologist_id in broken_radiologists

    radiologist_file = display_path(paths["radiologists"])
    radiologists: list[Radiologist] = []
    for line, row in radiologist_rows:
        if row.home_site not in sites and not site_unchecked(row.home_site):
            findings.errors.append(
                Problem(radiologist_file, f"unknown site '{row.home_site}' (not in sites.csv)", line, "home_site")
            )
        unknown = [s for s in row.sites if s not in sites and not site_unchecked(s)]
        if unknown:
            findings.errors.append(
                Problem(
                    radiologist_file,
                    f"unknown site(s) {', '.join(unknown)} (not in sites.csv)",
                    line,
                    "sites",
                )
            )
        radiologists.append(
            Radiologist(row.radiologist_id, row.name, row.home_site, row.fte, frozenset(row.sites), row.remote)
        )
    radiologist_ids = {r.radiologist_id for r in radiologists}

    availability = []
    for line, row in availability_rows:
        if row.radiologist_id not in radiologist_ids and not radiologist_unchecked(row.radiologist_id):
            findings.errors.append(
                Problem(
                    display_path(paths["availability"]),
                    f"unknown radiologist '{row.radiologist_id}' (not in radiologists.csv)",
                    line,
                    "radiologist_id",
                )
            )
        availability.append(Availability(**row.model_dump()))

    volumes = []
    volume_file = display_path(paths["volumes"]) if "volumes" in paths else ""
    seen_volumes: dict[tuple[str, str, PeriodKind], int] = {}
    for line, row in volume_rows:
        key = (row.site_id, row.modality, row.period)
        if site_unchecked(row.site_id):
            continue
        if row.site_id not in sites:
            findings.errors.append(
                Problem(volume_file, f"unknown site '{row.site_id}' (not in sites.csv)", line, "site_id")
            )
        elif key in seen_volumes:
            findings.errors.append(
                Problem(
                    volume_file,
                    f"duplicate volume for {row.site_id} {row.modality} "
                    f"{row.period.value} (first on line {seen_volumes[key]})",
                    line,
                )
            )
        elif row.modality not in sites[row.site_id].modalities:
            findings.warnings.append(
                Problem(
                    volume_file,
                    f"site {row.site_id} does not list modality {row.modality} in sites.csv",
                    line,
                    "modality",
                )
            )
        seen_volumes.setdefault(key, line)
        volumes.append(Volume(**row.model_dump()))

    pools = []
    pool_of_site: dict[str, tuple[str, int]] = {}
    for line, row in pool_rows:
        pool_file = display_path(paths["pools"])
        if site_unchecked(row.site_id):
            continue
        if row.site_id not in sites:
            findings.errors.append(
                Problem(pool_file, f"unknown site '{row.site_id}' (not in sites.csv)", line, "site_id")
            )
        elif row.site_id in pool_of_site:
            other, first = pool_of_site[row.site_id]
            findings.errors.append(
                Problem(
                    pool_file,
                    f"site {row.site_id} is already in pool {other} (line {first}): a site belongs to one pool",
                    line,
                    "site_id",
                )
            )
        elif not sites[row.site_id].pds:
            findings.warnings.append(
                Problem(pool_file, f"site {row.site_id} has no PDS need (pds = false)", line, "site_id")
            )
        pool_of_site.setdefault(row.site_id, (row.pool_id, line))
        pools.append(PoolMember(row.pool_id, row.site_id))

    pins = []
    by_radiologist = {r.radiologist_id: r for r in radiologists}
    for line, row in pin_rows:
        pin_file = display_path(paths["pins"])
        if site_unchecked(row.site_id) or (
            row.radiologist_id not in radiologist_ids and radiologist_unchecked(row.radiologist_id)
        ):
            continue
        if row.site_id not in sites:
            findings.errors.append(Problem(pin_file, f"unknown site '{row.site_id}'", line, "site_id"))
            continue
        if row.radiologist_id not in by_radiologist:
            findings.errors.append(
                Problem(pin_file, f"unknown radiologist '{row.radiologist_id}'", line, "radiologist_id")
            )
            continue
        if not by_radiologist[row.radiologist_id].may_read_for(row.site_id):
            findings.errors.append(
                Problem(
                    pin_file,
                    f"radiologist {row.radiologist_id} has no credential for site {row.site_id}",
                    line,
                    "radiologist_id",
                )
            )
        if not sites[row.site_id].pds:
            findings.errors.append(
                Problem(pin_file, f"site {row.site_id} has no PDS need (pds = false)", line, "site_id")
            )
        problem = _check_horizon_pin(row, sites[row.site_id], start, end)
        if problem:
            findings.errors.append(Problem(pin_file, problem, line, "date"))
        pins.append(Pin(**row.model_dump()))

    balances: dict[str, float] = {}
    for line, row in balance_rows:
        balance_file = display_path(paths["balances"])
        if row.radiologist_id not in radiologist_ids:
            if not radiologist_unchecked(row.radiologist_id):
                findings.errors.append(
                    Problem(balance_file, f"unknown radiologist '{row.radiologist_id}'", line, "radiologist_id")
                )
        elif row.radiologist_id in balances:
            findings.errors.append(
                Problem(balance_file, f"a second balance for {row.radiologist_id}", line, "radiologist_id")
            )
        else:
            balances[row.radiologist_id] = row.points

    if site_rows and not any(s.pds for s in sites.values()):
        findings.errors.append(Problem(display_path(paths["sites"]), "no site has pds = true: nothing to plan"))
    if findings.errors:
        raise InputError(findings.errors)

    findings.warnings.extend(_coverage_warnings(sites, radiologists, volumes, paths))
    return Scenario(
        name=name,
        start=start,
        end=end,
        sites=tuple(sites.values()),
        radiologists=tuple(radiologists),
        availability=tuple(availability),
        volumes=tuple(volumes),
        pools=tuple(pools),
        pins=tuple(pins),
        hours=hours,
        rules=rules,
        points=points,
        weights=weights,
        stages=stages,
        reading=reading,
        source=path.resolve(),
        input_files=paths,
        settings={k: v for k, v in document.items() if k not in KNOWN_TABLES},
        warnings=tuple(findings.warnings),
        balances=balances,
        costs=costs,
        costs_given=costs_given,
        synthetic_data=synthetic_data,
    )


def _coverage_warnings(
    sites: dict[str, Site], radiologists: list[Radiologist], volumes: list[Volume], paths: dict[str, Path]
) -> list[Problem]:
    warnings = []
    credentialed: dict[str, int] = Counter(s for r in radiologists for s in r.sites)
    with_volumes: dict[str, float] = defaultdict(float)
    for volume in volumes:
        with_volumes[volume.site_id] += volume.mean_exams
    for site in sites.values():
        if not site.pds:
            continue
        count = credentialed.get(site.site_id, 0)
        if count < MIN_CREDENTIALED:
            warnings.append(
                Problem(
                    display_path(paths["radiologists"]),
                    f"PDS site {site.site_id} has only {count} "
                    f"credentialed radiologist(s) (fewer than {MIN_CREDENTIALED})",
                )
            )
        if site.site_id not in with_volumes:
            warnings.append(
                Problem(
                    display_path(paths["volumes"]),
                    f"PDS site {site.site_id} has no volumes: its expected exams count as 0",
                )
            )
    for radiologist in radiologists:
        if not any(sites[s].pds for s in radiologist.sites if s in sites):
            warnings.append(
                Problem(
                    display_path(paths["radiologists"]),
                    f"radiologist {radiologist.radiologist_id} is credentialed for no PDS site: never on call",
                )
            )
    return warnings
