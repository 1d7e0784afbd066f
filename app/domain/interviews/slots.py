"""Finding interview times everyone can make: a pure computation, no database.

Time is cut into a grid of `granularity` minutes (UTC-aligned). For every person we compute, once,
`run[i]`: how many consecutive grid slots from slot i they could spend interviewing (inside their
working hours in their own time zone, honouring date overrides, not busy once buffers are added,
not on a day or week where they are at their interview cap). A stage of d slots fits a person at
slot i exactly when run[i] >= d, so each check is O(1), and building the arrays is linear in the
grid plus the busy blocks. Daylight-saving changes are handled by expanding working hours per local
date with zoneinfo, never by adding fixed offsets.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SUGGESTION_SPACING_MINUTES = 60


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    time_zone: str
    working_hours: dict[str, list[tuple[str, str]]]
    overrides: dict[date, list[tuple[str, str]]] = field(default_factory=dict)
    busy: Sequence[tuple[datetime, datetime]] = ()
    interviews_by_day: dict[date, int] = field(default_factory=dict)
    interviews_by_week: dict[tuple[int, int], int] = field(default_factory=dict)
    cap_per_day: int | None = None
    cap_per_week: int | None = None
    # A connected calendar that could not be read: its busy time is unknown, never free. Such a
    # person still appears in suggestions, named, and ranked below people fully checked.
    calendar_unchecked: str | None = None
    # Local days with a tentative event (it blocks like any busy time; a suggestion says so).
    tentative_days: frozenset[date] = frozenset()


UNCHECKED_PENALTY = 30.0


@dataclass(frozen=True)
class Stage:
    name: str
    duration_minutes: int
    pool: Sequence[uuid.UUID]
    required: int = 1


@dataclass(frozen=True)
class SlotRequest:
    stages: Sequence[Stage]
    range_start: datetime
    range_end: datetime
    earliest: datetime  # now + minimum notice
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    max_gap_minutes: int = 60
    allow_back_to_back: bool = True
    candidate_windows: Sequence[tuple[datetime, datetime]] | None = None
    candidate_time_zone: str = "UTC"
    granularity_minutes: int = 15
    limit: int = 10


@dataclass(frozen=True)
class PlacedStage:
    name: str
    start: datetime
    end: datetime
    interviewers: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class Suggestion:
    score: float
    stages: tuple[PlacedStage, ...]
    reasons: tuple[str, ...]

    @property
    def start(self) -> datetime:
        return self.stages[0].start

    @property
    def end(self) -> datetime:
        return self.stages[-1].end


@dataclass(frozen=True)
class SlotResult:
    suggestions: tuple[Suggestion, ...]
    blocked_by: tuple[str, ...]
    considered: int


class _Grid:
    def __init__(self, start: datetime, end: datetime, minutes: int) -> None:
        step = timedelta(minutes=minutes)
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        offset = (start - epoch) % step
        self.start = start if not offset else start + (step - offset)
        self.step = step
        self.minutes = minutes
        self.n = max(0, int((end - self.start) // step))

    def at(self, i: int) -> datetime:
        return self.start + self.step * i

    def index_floor(self, moment: datetime) -> int:
        return int((moment - self.start) // self.step)

    def index_ceil(self, moment: datetime) -> int:
        q, r = divmod(moment - self.start, self.step)
        return int(q) + (1 if r else 0)

    def mark(self, usable: bytearray, start: datetime, end: datetime, value: int) -> None:
        """Set every slot lying wholly (value 1) or partly (value 0) inside [start, end)."""
        if value:
            a, b = self.index_ceil(start), self.index_floor(end)
        else:
            a, b = self.index_floor(start), self.index_ceil(end)
        a, b = max(a, 0), min(b, self.n)
        if a < b:
            usable[a:b] = bytes([value]) * (b - a)


def _runs(usable: bytearray) -> list[int]:
    run = [0] * (len(usable) + 1)
    for i in range(len(usable) - 1, -1, -1):
        run[i] = run[i + 1] + 1 if usable[i] else 0
    return run


def _parse(hhmm: str) -> time:
    hour, minute = hhmm.split(":")
    return time(int(hour), int(minute))


def _local_days(grid: _Grid, zone: ZoneInfo) -> list[date]:
    first = grid.start.astimezone(zone).date() - timedelta(days=1)
    last = grid.at(grid.n).astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def working_mask(person: Person, grid: _Grid) -> bytearray:
    """Slots inside the person's working hours (or that day's override), in their own zone."""
    zone = ZoneInfo(person.time_zone)
    usable = bytearray(grid.n)
    for day in _local_days(grid, zone):
        ranges = person.overrides.get(day, person.working_hours.get(WEEKDAYS[day.weekday()], []))
        for start, end in ranges:
            local_start = datetime.combine(day, _parse(start), tzinfo=zone)
            local_end = datetime.combine(day, _parse(end), tzinfo=zone)
            grid.mark(usable, local_start.astimezone(UTC), local_end.astimezone(UTC), 1)
    return usable


def _cap_mask(person: Person, grid: _Grid, usable: bytearray) -> bytearray:
    if person.cap_per_day is None and person.cap_per_week is None:
        return usable
    zone = ZoneInfo(person.time_zone)
    capped = bytearray(usable)
    for day in _local_days(grid, zone):
        at_day_cap = (
            person.cap_per_day is not None
            and person.interviews_by_day.get(day, 0) >= person.cap_per_day
        )
        iso = day.isocalendar()
        at_week_cap = (
            person.cap_per_week is not None
            and person.interviews_by_week.get((iso.year, iso.week), 0) >= person.cap_per_week
        )
        if at_day_cap or at_week_cap:
            start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
            grid.mark(capped, start, end, 0)
    return capped


@dataclass
class _Availability:
    person: Person
    working: bytearray
    capped: bytearray
    free: bytearray
    run: list[int]


def _availability(person: Person, grid: _Grid, before: int, after: int) -> _Availability:
    working = working_mask(person, grid)
    capped = _cap_mask(person, grid, working)
    free = bytearray(capped)
    # An interview [a, b) needs the person free over [a - before, b + after), which is the same
    # as keeping [a, b) off every busy block widened by `after` before it and `before` after it.
    widen_start, widen_end = timedelta(minutes=after), timedelta(minutes=before)
    for start, end in person.busy:
        grid.mark(free, start - widen_start, end + widen_end, 0)
    return _Availability(person, working, capped, free, _runs(free))


def find_slots(request: SlotRequest, people: Sequence[Person]) -> SlotResult:
    start = max(request.range_start, request.earliest)
    grid = _Grid(start, request.range_end, request.granularity_minutes)
    by_id = {p.id: p for p in people}
    avail = {
        p.id: _availability(p, grid, request.buffer_before_minutes, request.buffer_after_minutes)
        for p in people
    }
    g = request.granularity_minutes
    durations = [-(-s.duration_minutes // g) for s in request.stages]
    min_gap = 0 if request.allow_back_to_back else 1
    max_gap = max(min_gap, request.max_gap_minutes // g)

    candidate = bytearray(b"\x01" * grid.n)
    if request.candidate_windows is not None:
        candidate = bytearray(grid.n)
        for w_start, w_end in request.candidate_windows:
            grid.mark(candidate, w_start, w_end, 1)
    candidate_run = _runs(candidate)

    # For every stage and slot: the pool members free for the whole stage there.
    free_at: list[list[list[uuid.UUID]]] = []
    for stage, d in zip(request.stages, durations, strict=True):
        per_slot: list[list[uuid.UUID]] = []
        runs = [(pid, avail[pid].run) for pid in stage.pool if pid in avail]
        for i in range(grid.n):
            per_slot.append([pid for pid, run in runs if run[i] >= d])
        free_at.append(per_slot)

    found: list[tuple[int, ...]] = []
    considered = 0
    n_stages = len(request.stages)

    def chains(starts: list[int], out: list[tuple[int, ...]]) -> None:
        j = len(starts)
        if j == n_stages:
            first, last = starts[0], starts[-1] + durations[-1]
            if candidate_run[first] >= last - first:
                out.append(tuple(starts))
            return
        prev_end = starts[-1] + durations[j - 1]
        for i in range(prev_end + min_gap, min(prev_end + max_gap, grid.n - durations[j]) + 1):
            if candidate[i] and len(free_at[j][i]) >= request.stages[j].required:
                starts.append(i)
                chains(starts, out)
                starts.pop()

    for i in range(max(0, grid.n - durations[0] + 1)):
        if candidate_run[i] < durations[0] or len(free_at[0][i]) < request.stages[0].required:
            continue
        options: list[tuple[int, ...]] = []
        chains([i], options)
        considered += len(options)
        if options:
            # Of the panels starting here, keep the one that keeps the candidate waiting least.
            found.append(min(options, key=lambda c: (c[-1] - c[0], c)))

    suggestions = [
        s
        for s in (
            _place(request, grid, starts, durations, free_at, avail, by_id) for starts in found
        )
        if s
    ]
    suggestions.sort(key=lambda s: (-s.score, s.start, [p.interviewers for p in s.stages]))
    chosen: list[Suggestion] = []
    spacing = timedelta(minutes=MAX_SUGGESTION_SPACING_MINUTES)
    for suggestion in suggestions:
        if all(abs(suggestion.start - c.start) >= spacing for c in chosen):
            chosen.append(suggestion)
        if len(chosen) >= request.limit:
            break
    blocked = (
        () if chosen else _diagnose(request, grid, avail, by_id, candidate, durations, free_at)
    )
    return SlotResult(suggestions=tuple(chosen), blocked_by=blocked, considered=considered)


def _week_load(person: Person, moment: datetime) -> int:
    iso = moment.astimezone(ZoneInfo(person.time_zone)).date().isocalendar()
    return person.interviews_by_week.get((iso.year, iso.week), 0)


MAX_ASSIGNMENTS_TRIED = 256


def _place(
    request: SlotRequest,
    grid: _Grid,
    starts: Sequence[int],
    durations: Sequence[int],
    free_at: list[list[list[uuid.UUID]]],
    avail: dict[uuid.UUID, _Availability],
    by_id: dict[uuid.UUID, Person],
) -> Suggestion | None:
    """Choose interviewers for each stage and score the panel.

    Least loaded first, but with backtracking: when a choice for an early stage leaves a later
    stage without anyone under their caps, other choices are tried (bounded, pools are small).
    Caps count the interviews this panel itself adds, per local day and ISO week."""
    day_use: dict[tuple[uuid.UUID, date], int] = {}
    week_use: dict[tuple[uuid.UUID, tuple[int, int]], int] = {}
    placed: list[PlacedStage] = []
    tried = 0

    def local(pid: uuid.UUID, moment: datetime) -> tuple[date, tuple[int, int]]:
        day = moment.astimezone(ZoneInfo(by_id[pid].time_zone)).date()
        iso = day.isocalendar()
        return day, (iso.year, iso.week)

    def fits(pid: uuid.UUID, moment: datetime) -> bool:
        person = by_id[pid]
        day, week = local(pid, moment)
        if (
            person.cap_per_day is not None
            and person.interviews_by_day.get(day, 0) + day_use.get((pid, day), 0)
            >= person.cap_per_day
        ):
            return False
        return not (
            person.cap_per_week is not None
            and person.interviews_by_week.get(week, 0) + week_use.get((pid, week), 0)
            >= person.cap_per_week
        )

    def assign(j: int) -> bool:
        nonlocal tried
        if j == len(request.stages):
            return True
        stage, i, d = request.stages[j], starts[j], durations[j]
        moment = grid.at(i)
        options = sorted(
            (pid for pid in free_at[j][i] if fits(pid, moment)),
            key=lambda pid: (
                # People whose calendars could be checked first; then the least loaded.
                by_id[pid].calendar_unchecked is not None,
                sum(n for (p, _), n in day_use.items() if p == pid),
                _week_load(by_id[pid], moment),
                by_id[pid].name,
                str(pid),
            ),
        )
        for group in combinations(options, stage.required):
            tried += 1
            if tried > MAX_ASSIGNMENTS_TRIED:
                return False
            for pid in group:
                day, week = local(pid, moment)
                day_use[(pid, day)] = day_use.get((pid, day), 0) + 1
                week_use[(pid, week)] = week_use.get((pid, week), 0) + 1
            placed.append(PlacedStage(stage.name, moment, grid.at(i + d), tuple(group)))
            if assign(j + 1):
                return True
            placed.pop()
            for pid in group:
                day, week = local(pid, moment)
                day_use[(pid, day)] -= 1
                week_use[(pid, week)] -= 1
        return False

    if not assign(0):
        return None
    return _score(request, grid, placed, avail, by_id, durations)


def _margin(person: Person, start: datetime, end: datetime) -> int:
    """Minutes between the interview and the nearer edge of the working range holding it (max 60)."""
    zone = ZoneInfo(person.time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    ranges = person.overrides.get(day, person.working_hours.get(WEEKDAYS[day.weekday()], []))
    for first, last in ranges:
        range_start = datetime.combine(day, _parse(first), tzinfo=zone)
        range_end = datetime.combine(day, _parse(last), tzinfo=zone)
        if range_start <= local_start and local_end <= range_end:
            before = (local_start - range_start).total_seconds() // 60
            after = (range_end - local_end).total_seconds() // 60
            return int(min(60, before, after))
    return 0


def _score(
    request: SlotRequest,
    grid: _Grid,
    placed: list[PlacedStage],
    avail: dict[uuid.UUID, _Availability],
    by_id: dict[uuid.UUID, Person],
    durations: Sequence[int],
) -> Suggestion:
    reasons: list[str] = []
    score = 100.0
    gap = sum(int((b.start - a.end).total_seconds() // 60) for a, b in itertools.pairwise(placed))
    if len(placed) > 1:
        score -= gap / 15
        reasons.append(
            "no waiting between stages" if gap == 0 else f"{gap} minutes of waiting between stages"
        )
    # Comfort: how far inside their working day each interviewer is (an hour or more is ideal),
    # measured against the working hours themselves, not the grid (which starts at the notice).
    tightest = 60
    for stage in placed:
        for pid in stage.interviewers:
            tightest = min(tightest, _margin(by_id[pid], stage.start, stage.end))
    score -= (60 - tightest) / 10
    reasons.append(
        "well inside everyone's working hours"
        if tightest >= 60
        else f"within {tightest} minutes of someone's working-day edge"
    )
    loads = {pid: _week_load(by_id[pid], placed[0].start) for s in placed for pid in s.interviewers}
    score -= sum(loads.values()) * 0.5
    load_text = ", ".join(
        f"{by_id[pid].name} {n}"
        for pid, n in sorted(loads.items(), key=lambda kv: by_id[kv[0]].name)
    )
    reasons.append(f"interviews already that week: {load_text}")
    zone = ZoneInfo(request.candidate_time_zone)
    local_start = placed[0].start.astimezone(zone)
    local_end = placed[-1].end.astimezone(zone)
    if local_start.hour < 9 or (local_end.hour, local_end.minute) > (18, 0):
        score -= 5
        reasons.append(
            f"outside the candidate's usual day ({local_start:%H:%M}-{local_end:%H:%M} local)"
        )
    else:
        reasons.append(
            f"{local_start:%H:%M}-{local_end:%H:%M} for the candidate ({request.candidate_time_zone})"
        )
    days_out = (placed[0].start - request.earliest).days
    score -= days_out * 0.2
    seen: set[uuid.UUID] = set()
    for stage in placed:
        for pid in stage.interviewers:
            if pid in seen:
                continue
            seen.add(pid)
            person = by_id[pid]
            if person.calendar_unchecked is not None:
                score -= UNCHECKED_PENALTY
                reasons.append(
                    f"{person.name}'s calendar could not be checked ({person.calendar_unchecked})"
                )
            day = stage.start.astimezone(ZoneInfo(person.time_zone)).date()
            if day in person.tentative_days:
                reasons.append(f"{person.name} has tentative events that day (counted as busy)")
    return Suggestion(score=round(score, 2), stages=tuple(placed), reasons=tuple(reasons))


def _diagnose(
    request: SlotRequest,
    grid: _Grid,
    avail: dict[uuid.UUID, _Availability],
    by_id: dict[uuid.UUID, Person],
    candidate: bytearray,
    durations: Sequence[int],
    free_at: list[list[list[uuid.UUID]]],
) -> tuple[str, ...]:
    """Say what made every time impossible, most decisive constraint first."""
    reasons: list[str] = []
    if request.earliest >= request.range_end:
        return (
            f"the whole range falls inside the minimum notice period (earliest start {request.earliest:%Y-%m-%d %H:%M} UTC)",
        )
    if grid.n == 0 or grid.n < sum(durations):
        return ("the range left after the minimum notice period is too short for the panel",)
    if request.candidate_windows is not None and not any(candidate):
        return ("the candidate's windows all fall outside the range (or inside the notice period)",)
    for j, stage in enumerate(request.stages):
        if not any(len(free_at[j][i]) >= stage.required for i in range(grid.n)):
            reasons.append(
                f"stage '{stage.name}' never has {stage.required} of its pool free for {stage.duration_minutes} minutes"
            )
            for pid in stage.pool:
                a = avail.get(pid)
                if a is None:
                    continue
                name = by_id[pid].name
                if not any(a.working):
                    reasons.append(f"{name} has no working hours in the range")
                elif not any(a.capped):
                    reasons.append(
                        f"{name} is at their interview cap on every working day in the range"
                    )
                elif max(a.run) < durations[j]:
                    reasons.append(f"{name} is busy whenever they work in the range")
    if reasons:
        return tuple(reasons)
    if request.candidate_windows is not None and not any(
        candidate[i] and len(free_at[0][i]) >= request.stages[0].required for i in range(grid.n)
    ):
        return (
            "the candidate's windows never overlap a time when the first stage's interviewers are free",
        )
    if len(request.stages) > 1:
        return (
            f"the stages cannot be chained with at most {request.max_gap_minutes} minutes between them"
            + ("" if request.allow_back_to_back else " and no back-to-back stages")
            + (
                " while the candidate is available" if request.candidate_windows is not None else ""
            ),
        )
    return ("the candidate's windows are too short for the interview",)
