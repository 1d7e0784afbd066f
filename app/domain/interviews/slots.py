"""Finding interview times everyone can make: a pure computation, no database.

Time is cut into a grid of `granularity` minutes (UTC-aligned). Every person's time is handled
as sorted lists of half-open slot intervals, never slot by slot: their working hours (each local
date expanded with zoneinfo, so daylight-saving changes are right) shrunk by the buffers, so that
a buffer too lies inside the working day; minus whole local days at an interview cap; minus their
busy blocks widened by the buffers, sorted and merged once. From the free intervals one slice
assignment each gives `run[i]`: how many consecutive grid slots from slot i they could spend
interviewing. A stage of d slots fits a person at slot i exactly when run[i] >= d, so each check
is O(1), and the work is linear in the grid plus n log n in the busy blocks (one sort).
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, combinations
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SUGGESTION_SPACING_MINUTES = 60

Intervals = list[tuple[int, int]]


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    time_zone: str
    working_hours: dict[str, list[tuple[str, str]]]
    overrides: dict[date, list[tuple[str, str]]] = field(default_factory=dict)
    busy: Sequence[tuple[datetime, datetime]] = ()
    # The same as epoch seconds (how the database hands it over: no datetime per block).
    busy_seconds: Sequence[tuple[float, float]] = ()
    interviews_by_day: dict[date, int] = field(default_factory=dict)
    interviews_by_week: dict[tuple[int, int], int] = field(default_factory=dict)
    cap_per_day: int | None = None
    cap_per_week: int | None = None
    # A connected calendar that could not be read: its busy time is unknown, never free. Such a
    # person still appears in suggestions, named, and ranked below people fully checked.
    calendar_unchecked: str | None = None
    # Local days with a tentative event (it blocks like any busy time; a suggestion says so).
    tentative_days: frozenset[date] = frozenset()
    # A personal preference (from their interviewer pool): no interview starts before this
    # local time, whatever the working hours say.
    not_before: time | None = None
    # When they last interviewed (fairness: of two equally loaded, the one who waited longer).
    last_interview_at: datetime | None = None


UNCHECKED_PENALTY = 30.0


@dataclass(frozen=True)
class Stage:
    name: str
    duration_minutes: int
    pool: Sequence[uuid.UUID]
    required: int = 1
    # Members in training who may join as an extra interviewer (a shadow seat); best effort:
    # a panel is never refused for want of a free trainee, its reasons say so instead.
    trainees: Sequence[uuid.UUID] = ()
    trainee_seats: int = 0


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
    trainees: tuple[uuid.UUID, ...] = ()


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
        self.t0 = self.start.timestamp()
        self.secs = step.total_seconds()

    def at(self, i: int) -> datetime:
        return self.start + self.step * i

    def seconds(self, i: int) -> float:
        return self.t0 + self.secs * i

    def inner(self, start: float, end: float) -> tuple[int, int]:
        """The slots lying wholly inside [start, end) (epoch seconds)."""
        return math.ceil((start - self.t0) / self.secs), math.floor((end - self.t0) / self.secs)

    def touched(self, start: float, end: float) -> tuple[int, int]:
        """The slots lying wholly or partly inside [start, end) (epoch seconds)."""
        return math.floor((start - self.t0) / self.secs), math.ceil((end - self.t0) / self.secs)


def _merge(spans: list[tuple[int, int]]) -> Intervals:
    """Sorted, disjoint, non-adjacent intervals covering the same slots as `spans`."""
    spans.sort()
    out: Intervals = []
    for a, b in spans:
        if a >= b:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _subtract(base: Intervals, cut: Intervals) -> Intervals:
    """`base` without `cut` (both sorted and disjoint): one merge-like pass."""
    out: Intervals = []
    j, m = 0, len(cut)
    for a, b in base:
        while j < m and cut[j][1] <= a:
            j += 1
        k = j
        while k < m and cut[k][0] < b and a < b:
            ca, cb = cut[k]
            if ca > a:
                out.append((a, ca))
            a = max(a, cb)
            k += 1
        if a < b:
            out.append((a, b))
    return out


def _clamp(spans: Intervals, n: int) -> Intervals:
    return [(max(a, 0), min(b, n)) for a, b in spans if b > 0 and a < n and max(a, 0) < min(b, n)]


def _runs(spans: Intervals, n: int) -> list[int]:
    """run[i]: consecutive slots from i inside `spans` (one slice assignment per interval)."""
    run = [0] * (n + 1)
    for a, b in spans:
        run[a:b] = range(b - a, 0, -1)
    return run


@functools.lru_cache(maxsize=256)
def _parse(hhmm: str) -> time:
    hour, minute = hhmm.split(":")
    return time(int(hour), int(minute))


@functools.lru_cache(maxsize=256)
def _clock_seconds(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 3600 + int(minute) * 60


def _local_days(grid: _Grid, zone: ZoneInfo) -> list[date]:
    first = grid.start.astimezone(zone).date() - timedelta(days=1)
    last = grid.at(grid.n).astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def _ranges(person: Person, day: date) -> list[tuple[str, str]]:
    return person.overrides.get(day, person.working_hours.get(WEEKDAYS[day.weekday()], []))


class _Edges:
    """For a slot, the working range around it widened to whole slots (a slot outside every
    range: itself): how near an interview there can be to the working-day edge, at most.

    Asked only at the starts of the panels found, so looked up there (a bisection over the
    ranges, which follow one another) rather than written out for every slot of the grid: two
    lists of the grid's length per person cost more than all the look-ups. Ranges out of order
    or sharing a slot (two touching ranges not on the grid) are written out per slot instead,
    the later one winning, as before."""

    __slots__ = ("_ends", "_lookup", "_ranges", "_starts")

    def __init__(self, edges: Sequence[tuple[int, int]], n: int) -> None:
        # The grid may begin inside a range (at the notice): its true start lies before slot 0.
        ranges = [(a, b, max(a, 0), min(b, n)) for a, b in edges]
        ranges = [r for r in ranges if r[2] < r[3]]
        self._ranges = ranges
        self._starts = [lo for _, _, lo, _ in ranges]
        self._ends = [hi for _, _, _, hi in ranges]
        self._lookup: dict[int, tuple[int, int]] | None = None
        if any(b[2] < a[3] for a, b in itertools.pairwise(ranges)):
            self._lookup = {}
            for a, b, lo, hi in ranges:
                for i in range(lo, hi):
                    self._lookup[i] = (a, b)

    def around(self, i: int) -> tuple[int, int]:
        if self._lookup is not None:
            return self._lookup.get(i, (i, i))
        k = bisect.bisect_right(self._starts, i) - 1
        if k >= 0 and i < self._ends[k]:
            a, b, _, _ = self._ranges[k]
            return a, b
        return i, i


@dataclass
class _Availability:
    person: Person
    zone: ZoneInfo
    working: Intervals  # slots inside working hours (for the diagnosis)
    capped: Intervals  # ... and on a day and in a week below the caps
    free: Intervals  # ... with the buffers inside the hours, clear of busy time
    run: list[int]
    days: list[date]
    weeks: list[tuple[int, int]]  # the ISO week of each of `days`
    slot_day: list[int]  # slot -> index into `days` (its local date)
    edges: _Edges
    hours: dict[date, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    margins: dict[tuple[int, int], int] = field(default_factory=dict)  # (slot, length) -> minutes

    def day(self, i: int) -> date:
        return self.days[self.slot_day[i]]

    def week(self, i: int) -> tuple[int, int]:
        return self.weeks[self.slot_day[i]]


@dataclass(frozen=True)
class _Days:
    """A time zone's local days over the grid, shared by everyone in that zone."""

    zone: ZoneInfo
    days: list[date]
    midnights: list[float]  # epoch seconds of each day's local midnight, and the next one's
    slot_day: list[int]  # slot -> index into `days`
    weeks: list[tuple[int, int]]  # the ISO week of each of `days`


def _days(grid: _Grid, time_zone: str) -> _Days:
    return _zone_days(time_zone, grid.start, grid.n, grid.minutes)


@functools.lru_cache(maxsize=64)
def _zone_days(time_zone: str, start: datetime, n: int, minutes: int) -> _Days:
    """`_days` of a grid, kept: the same range is asked again and again (each suggestion over
    it, each booking link's page), and its days are a pure function of the zone and the grid.
    Nobody changes a _Days' lists."""
    grid = _Grid(start, start + timedelta(minutes=minutes * n), minutes)
    zone = ZoneInfo(time_zone)
    days = _local_days(grid, zone)
    midnights = [
        datetime.combine(d, time(0), tzinfo=zone).timestamp()
        for d in (*days, days[-1] + timedelta(days=1))
    ]
    slot_day = [0] * (grid.n + 1)
    for k in range(len(days) - 1):
        a, b = grid.touched(midnights[k], midnights[k + 1])
        a, b = max(a, 0), min(b, grid.n + 1)
        if a < b:
            slot_day[a:b] = [k] * (b - a)
    weeks = [(iso.year, iso.week) for iso in (d.isocalendar() for d in days)]
    return _Days(zone, days, midnights, slot_day, weeks)


def _availability(
    person: Person,
    grid: _Grid,
    before: int,
    after: int,
    shared: dict[str, _Days] | None = None,
) -> _Availability:
    """`shared`: the local days already worked out per time zone (a panel's people share a
    few zones; each zone's days are computed once)."""
    local = shared.get(person.time_zone) if shared is not None else None
    if local is None:
        local = _days(grid, person.time_zone)
        if shared is not None:
            shared[person.time_zone] = local
    zone, days, midnights = local.zone, local.days, local.midnights
    day_starts = midnights[:-1]
    hours: list[tuple[int, int]] = []
    edges: list[tuple[int, int]] = []
    allowed: list[tuple[float, float]] = []
    not_before = person.not_before
    for k, day in enumerate(days):
        ranges = _ranges(person, day)
        if not ranges:
            continue
        # A day that keeps one UTC offset (every day but a daylight-saving change's) is its
        # midnight plus the clock time: no zone conversion per range.
        steady = midnights[k + 1] - midnights[k] == 86400
        midnight = midnights[k]
        for first, last in ranges:
            if steady:
                start, end = midnight + _clock_seconds(first), midnight + _clock_seconds(last)
            else:
                start = datetime.combine(day, _parse(first), tzinfo=zone).timestamp()
                end = datetime.combine(day, _parse(last), tzinfo=zone).timestamp()
            hours.append(grid.inner(start, end))
            edges.append(grid.touched(start, end))
            if not_before is not None:
                earliest = (
                    midnight + not_before.hour * 3600 + not_before.minute * 60
                    if steady
                    else datetime.combine(day, not_before, tzinfo=zone).timestamp()
                )
                start = max(start, earliest)
            if start < end:
                allowed.append((start, end))
    working = _clamp(_merge(hours), grid.n)
    # The buffers belong to the interview: they too must lie inside the working hours, so each
    # stretch of working time (adjacent ranges joined first) is shrunk by them.
    allowed.sort()
    joined: list[tuple[float, float]] = []
    for start, end in allowed:
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    usable = _merge([grid.inner(start + before * 60, end - after * 60) for start, end in joined])
    capped_days: list[tuple[int, int]] = []
    if person.cap_per_day is not None or person.cap_per_week is not None:
        for k, day in enumerate(days[:-1]):
            iso = day.isocalendar()
            if (
                person.cap_per_day is not None
                and person.interviews_by_day.get(day, 0) >= person.cap_per_day
            ) or (
                person.cap_per_week is not None
                and person.interviews_by_week.get((iso.year, iso.week), 0) >= person.cap_per_week
            ):
                capped_days.append(grid.touched(day_starts[k], day_starts[k + 1]))
    capped_days = _merge(capped_days)
    capped = _subtract(working, capped_days)
    # An interview [a, b) needs the person free over [a - before, b + after), which is the same
    # as keeping [a, b) off every busy block widened by `after` before it and `before` after it.
    t0, secs = grid.t0, grid.secs
    lo, hi = -after * 60 - t0, before * 60 - t0
    floor, ceil = math.floor, math.ceil
    busy = _merge(
        [
            (floor((s.timestamp() + lo) / secs), ceil((e.timestamp() + hi) / secs))
            for s, e in person.busy
        ]
        + [(floor((s + lo) / secs), ceil((e + hi) / secs)) for s, e in person.busy_seconds]
    )
    free = _clamp(_subtract(_subtract(usable, capped_days), busy), grid.n)
    slot_day, weeks = local.slot_day, local.weeks
    return _Availability(
        person,
        zone,
        working,
        capped,
        free,
        _runs(free, grid.n),
        days,
        weeks,
        slot_day,
        _Edges(edges, grid.n),
    )


def unavailable(person: Person, start: datetime, end: datetime) -> str | None:
    """Why the person cannot take [start, end) as things stand (None: they can): outside their
    working hours or before their preferred start, busy (blocks or interviews), or at a cap.
    For one given time (a replacement), so no grid: the rules of find_slots, checked directly."""
    zone = ZoneInfo(person.time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    inside = any(
        datetime.combine(day, _parse(first), tzinfo=zone) <= local_start
        and local_end <= datetime.combine(day, _parse(last), tzinfo=zone)
        for first, last in _ranges(person, day)
    )
    if not inside:
        return f"{person.name} does not work then"
    if person.not_before is not None and local_start.timetz().replace(tzinfo=None) < (
        person.not_before
    ):
        return f"{person.name} takes no interviews before {person.not_before:%H:%M}"
    a, b = start.timestamp(), end.timestamp()
    if any(s < end and e > start for s, e in person.busy) or any(
        s < b and e > a for s, e in person.busy_seconds
    ):
        return f"{person.name} is busy then"
    if person.cap_per_day is not None and person.interviews_by_day.get(day, 0) >= (
        person.cap_per_day
    ):
        return f"{person.name} is at their cap of {person.cap_per_day} interviews that day"
    iso = day.isocalendar()
    if (
        person.cap_per_week is not None
        and person.interviews_by_week.get((iso.year, iso.week), 0) >= person.cap_per_week
    ):
        return f"{person.name} is at their cap of {person.cap_per_week} interviews that week"
    return None


class _Fits:
    """Per stage: at which slots enough of its pool is free, and who (asked only when placing)."""

    def __init__(self, stage: Stage, d: int, avail: dict[uuid.UUID, _Availability], n: int) -> None:
        self.d = d
        self.runs = [(pid, avail[pid].run) for pid in stage.pool if pid in avail]
        diff = [0] * (n + 2)
        for pid in stage.pool:
            a_ = avail.get(pid)
            if a_ is None:
                continue
            for a, b in a_.free:
                if b - a >= d:
                    diff[a] += 1
                    diff[b - d + 1] -= 1
        counts = list(accumulate(diff[:n]))
        self.ok = bytes(map(stage.required.__le__, counts))

    def who(self, i: int) -> list[uuid.UUID]:
        d = self.d
        return [pid for pid, run in self.runs if run[i] >= d]


def find_slots(request: SlotRequest, people: Sequence[Person]) -> SlotResult:
    start = max(request.range_start, request.earliest)
    grid = _Grid(start, request.range_end, request.granularity_minutes)
    n = grid.n
    shared: dict[str, _Days] = {}
    avail = {
        p.id: _availability(
            p, grid, request.buffer_before_minutes, request.buffer_after_minutes, shared
        )
        for p in people
    }
    g = request.granularity_minutes
    durations = [-(-s.duration_minutes // g) for s in request.stages]
    min_gap = 0 if request.allow_back_to_back else 1
    max_gap = max(min_gap, request.max_gap_minutes // g)

    # Without windows the candidate is free all along: no run to look at (a list of the grid's
    # length for nothing).
    candidate_run: list[int] | None = None
    if request.candidate_windows is not None:
        windows = _clamp(
            _merge(
                [
                    grid.inner(w_start.timestamp(), w_end.timestamp())
                    for w_start, w_end in request.candidate_windows
                ]
            ),
            n,
        )
        candidate_run = _runs(windows, n)
    fits = [_Fits(s, d, avail, n) for s, d in zip(request.stages, durations, strict=True)]
    oks = [f.ok for f in fits]

    # Every chain of stage starts, breadth first: one list comprehension per stage over the
    # chains so far, each extended by the starts allowed after its last stage (asked once per
    # end slot). Chains come out grouped by first start, each group in lexicographic order.
    n_stages = len(request.stages)
    d0, ok0 = durations[0], oks[0]
    chains: list[tuple[int, ...]] = [
        (i,)
        for i in range(max(0, n - d0 + 1))
        if ok0[i] and (candidate_run is None or candidate_run[i] >= d0)
    ]
    for j in range(1, n_stages):
        ok, limit, prev_d = oks[j], n - durations[j], durations[j - 1]
        after: dict[int, list[int]] = {}

        def starts_after(
            end: int, ok: bytes = ok, limit: int = limit, after: dict[int, list[int]] = after
        ) -> list[int]:
            allowed = after.get(end)
            if allowed is None:
                allowed = after[end] = [
                    i
                    for i in range(end + min_gap, min(end + max_gap, limit) + 1)
                    if ok[i] and (candidate_run is None or candidate_run[i])
                ]
            return allowed

        chains = [(*c, i) for c in chains for i in starts_after(c[-1] + prev_d)]
    last_d = durations[-1]
    if candidate_run is not None:
        # The whole panel inside one of the candidate's windows.
        chains = [c for c in chains if candidate_run[c[0]] >= c[-1] + last_d - c[0]]
    considered = len(chains)
    # Of the panels starting at a slot, keep the one that keeps the candidate waiting least
    # (the earliest last stage; of those, the first in order).
    best: dict[int, tuple[int, ...]] = {}
    for c in chains:
        kept = best.get(c[0])
        if kept is None or c[-1] < kept[-1]:
            best[c[0]] = c
    found = list(best.values())

    # Best first, as if every panel were placed and sorted by (score, start, interviewers), but
    # placing lazily: each panel enters the heap with the score its times alone allow (choosing
    # people can only lower it) and is placed when it reaches the top; a placed panel at the top
    # is then truly the next best. Usually only a little more than `limit` are ever placed.
    heap: list[tuple[float, float, tuple[tuple[uuid.UUID, ...], ...], int]] = []
    zone = ZoneInfo(request.candidate_time_zone)

    pools = [[(run, avail[pid].edges.around) for pid, run in f.runs] for f in fits]

    def edge_room(j: int, i: int) -> int:
        """At most how far from a working-day edge the stage can be, whoever is chosen."""
        d, best = durations[j], 0
        for run, around in pools[j]:
            if run[i] >= d:
                start, end = around(i)
                best = max(best, min(60, (i - start) * g, (end - i - d) * g))
        return best

    timing = _slot_timing(request, grid, zone)
    # The waits between stages add up to the panel's span less its stages but the last.
    inner = sum(durations[:-1])
    for k, starts in enumerate(found):
        gap = (starts[-1] - starts[0] - inner) * g
        last = starts[-1] + durations[-1]
        bound = (
            timing(starts[0], last, gap, n_stages)
            if timing is not None
            else _timing_score(request, zone, grid.at(starts[0]), grid.at(last), gap, n_stages)
        )
        # The comfort penalty, as _score takes it, from the best anyone free could do.
        bound -= (60 - min(edge_room(j, i) for j, i in enumerate(starts))) / 10
        heap.append((-round(bound, 2), grid.seconds(starts[0]), (), k))
    heapq.heapify(heap)
    placed: dict[int, Suggestion] = {}
    chosen: list[Suggestion] = []
    spacing = timedelta(minutes=MAX_SUGGESTION_SPACING_MINUTES)
    while heap and len(chosen) < request.limit:
        _, at, who, k = heapq.heappop(heap)
        start_at = grid.at(found[k][0])
        if any(abs(start_at - c.start) < spacing for c in chosen):
            continue  # too close to a better one: it would be dropped however it were placed
        if not who:
            # Placed with its reasons at once: nearly every panel placed is chosen (the bound
            # is tight), so wording it now costs less than placing the chosen ones twice.
            suggestion = _place(request, grid, found[k], durations, fits, avail)
            if suggestion is not None:
                placed[k] = suggestion
                key = tuple(p.interviewers for p in suggestion.stages)
                heapq.heappush(heap, (-suggestion.score, at, key, k))
            continue
        chosen.append(placed[k])
    blocked = () if chosen else _diagnose(request, grid, avail, candidate_run, durations, fits)
    return SlotResult(suggestions=tuple(chosen), blocked_by=blocked, considered=considered)


MAX_ASSIGNMENTS_TRIED = 256
_NEVER = float("-inf")


def _place(
    request: SlotRequest,
    grid: _Grid,
    starts: Sequence[int],
    durations: Sequence[int],
    fits: Sequence[_Fits],
    avail: dict[uuid.UUID, _Availability],
    *,
    words: bool = True,
) -> Suggestion | None:
    """Choose interviewers for each stage and score the panel.

    Fairly within each pool: people whose calendars could be checked first, then the least
    loaded (this panel, then that week), then the one who has waited longest since their last
    interview. With backtracking: when a choice for an early stage leaves a later stage without
    anyone under their caps, other choices are tried (bounded, pools are small). Caps count the
    interviews this panel itself adds, per local day and ISO week."""
    day_use: dict[tuple[uuid.UUID, date], int] = {}
    week_use: dict[tuple[uuid.UUID, tuple[int, int]], int] = {}
    panel_use: dict[uuid.UUID, int] = {}
    placed: list[PlacedStage] = []
    why: list[str] = []
    tried = 0

    def local(pid: uuid.UUID, i: int) -> tuple[date, tuple[int, int]]:
        a = avail[pid]
        k = a.slot_day[i]
        return a.days[k], a.weeks[k]

    def fits_caps(pid: uuid.UUID, i: int) -> bool:
        person = avail[pid].person
        if person.cap_per_day is None and person.cap_per_week is None:
            return True
        day, week = local(pid, i)
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

    def use(pid: uuid.UUID, i: int, k: int) -> None:
        day, week = local(pid, i)
        day_use[(pid, day)] = day_use.get((pid, day), 0) + k
        week_use[(pid, week)] = week_use.get((pid, week), 0) + k
        panel_use[pid] = panel_use.get(pid, 0) + k

    def ranked(candidates: Sequence[uuid.UUID], i: int) -> list[uuid.UUID]:
        def key(pid: uuid.UUID) -> tuple[bool, int, int, float, str, uuid.UUID]:
            person = avail[pid].person
            last = person.last_interview_at
            return (
                person.calendar_unchecked is not None,
                panel_use.get(pid, 0),
                person.interviews_by_week.get(avail[pid].week(i), 0),
                _NEVER if last is None else last.timestamp(),
                person.name,
                pid,
            )

        return sorted((pid for pid in candidates if fits_caps(pid, i)), key=key)

    def assign(j: int) -> bool:
        nonlocal tried
        if j == len(request.stages):
            return True
        stage, i, d = request.stages[j], starts[j], durations[j]
        options = ranked(fits[j].who(i), i)
        for group in combinations(options, stage.required):
            tried += 1
            if tried > MAX_ASSIGNMENTS_TRIED:
                return False
            for pid in group:
                use(pid, i, 1)
            placed.append(PlacedStage(stage.name, grid.at(i), grid.at(i + d), tuple(group)))
            if assign(j + 1):
                if words and len(options) > stage.required:
                    why.append(_why_chosen(stage, group, options, avail))
                return True
            placed.pop()
            for pid in group:
                use(pid, i, -1)
        return False

    if not assign(0):
        return None
    why.reverse()
    for j, stage in enumerate(request.stages):
        if stage.trainee_seats <= 0:
            continue
        i, d = starts[j], durations[j]
        taken = {pid for p in placed for pid in (*p.interviewers, *p.trainees)}
        free = [
            pid
            for pid in stage.trainees
            if pid in avail and pid not in taken and avail[pid].run[i] >= d
        ]
        seats = tuple(ranked(free, i)[: stage.trainee_seats])
        for pid in seats:
            use(pid, i, 1)
        placed[j] = PlacedStage(
            placed[j].name, placed[j].start, placed[j].end, placed[j].interviewers, seats
        )
        if not words:
            continue
        if len(seats) < stage.trainee_seats:
            why.append(f"no one in training is free for '{stage.name}'")
        else:
            names = ", ".join(avail[pid].person.name for pid in seats)
            why.append(f"{names} shadows '{stage.name}' (in training)")
    return _score(request, grid, starts, durations, placed, avail, why if words else None)


def _why_chosen(
    stage: Stage,
    group: Sequence[uuid.UUID],
    options: Sequence[uuid.UUID],
    avail: dict[uuid.UUID, _Availability],
) -> str:
    """Why these people for the stage, in words: what the fair order looked at."""
    parts = []
    for pid in group:
        person = avail[pid].person
        last = person.last_interview_at
        parts.append(
            f"{person.name} ("
            + (f"last interviewed {last:%Y-%m-%d}" if last is not None else "no interview yet")
            + ")"
        )
    return (
        f"'{stage.name}': {', '.join(parts)} chosen as the least loaded and least recently used "
        f"of {len(options)} free"
    )


def _margin(a: _Availability, start: datetime, end: datetime) -> int:
    """Minutes between the interview and the nearer edge of the working range holding it (max 60)."""
    zone = a.zone
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    ranges = a.hours.get(day)
    if ranges is None:
        ranges = a.hours[day] = [
            (
                datetime.combine(day, _parse(first), tzinfo=zone),
                datetime.combine(day, _parse(last), tzinfo=zone),
            )
            for first, last in _ranges(a.person, day)
        ]
    for range_start, range_end in ranges:
        if range_start <= local_start and local_end <= range_end:
            before = (local_start - range_start).total_seconds() // 60
            after = (range_end - local_end).total_seconds() // 60
            return int(min(60, before, after))
    return 0


def _outside_day(local_start: datetime, local_end: datetime) -> bool:
    return local_start.hour < 9 or (local_end.hour, local_end.minute) > (18, 0)


def _timing_score(
    request: SlotRequest, zone: ZoneInfo, start: datetime, end: datetime, gap: int, stages: int
) -> float:
    """`_timing`'s score alone (no words): the bound each panel enters the heap with."""
    score = 100.0 - (gap / 15 if stages > 1 else 0)
    if _outside_day(start.astimezone(zone), end.astimezone(zone)):
        score -= 5
    return score - (start - request.earliest).days * 0.2


def _slot_timing(
    request: SlotRequest, grid: _Grid, zone: ZoneInfo
) -> Callable[[int, int, int, int], float] | None:
    """`_timing_score` for grid slots in integer arithmetic, when the candidate's zone keeps one
    UTC offset over the whole range (no daylight-saving change in it; None otherwise): the heap
    bounds every panel found, so this is per panel, where two zone conversions were."""
    first = grid.start
    offsets = {
        (first + timedelta(days=k)).astimezone(zone).utcoffset()
        for k in range(-(-grid.n * grid.minutes // 1440) + 2)
    }
    offset = offsets.pop()
    if offsets or offset is None:
        return None
    step = grid.minutes
    local0 = int((first.timestamp() + offset.total_seconds()) // 60)  # minutes since 1970, local
    step_us = step * 60_000_000
    lead_us = (first - request.earliest) // timedelta(microseconds=1)
    day_us = 86_400_000_000

    def score(i: int, end: int, gap: int, stages: int) -> float:
        value = 100.0 - (gap / 15 if stages > 1 else 0)
        start_minute = (local0 + step * i) % 1440
        end_minute = (local0 + step * end) % 1440
        if start_minute < 540 or end_minute > 1080:  # _outside_day: before 09:00, after 18:00
            value -= 5
        return value - ((lead_us + step_us * i) // day_us) * 0.2

    return score


def _timing(
    request: SlotRequest, start: datetime, end: datetime, gap: int, stages: int
) -> tuple[float, list[str], str]:
    """The part of the score fixed by the times alone, whoever interviews: the best a panel at
    these times can score (find_slots places panels in that order and stops early)."""
    score = 100.0
    reasons: list[str] = []
    if stages > 1:
        score -= gap / 15
        reasons.append(
            "no waiting between stages" if gap == 0 else f"{gap} minutes of waiting between stages"
        )
    zone = ZoneInfo(request.candidate_time_zone)
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone)
    if _outside_day(local_start, local_end):
        score -= 5
        candidate = (
            f"outside the candidate's usual day ({local_start:%H:%M}-{local_end:%H:%M} local)"
        )
    else:
        candidate = f"{local_start:%H:%M}-{local_end:%H:%M} for the candidate ({request.candidate_time_zone})"
    score -= (start - request.earliest).days * 0.2
    return score, reasons, candidate


def _score(
    request: SlotRequest,
    grid: _Grid,
    starts: Sequence[int],
    durations: Sequence[int],
    placed: list[PlacedStage],
    avail: dict[uuid.UUID, _Availability],
    why: list[str] | None,
) -> Suggestion:
    """The panel's score, and (`why` given) its reasons in words: find_slots first scores the
    panels it compares without words, then puts the chosen few into words."""
    gap = sum(int((b.start - a.end).total_seconds() // 60) for a, b in itertools.pairwise(placed))
    if why is None:
        zone = ZoneInfo(request.candidate_time_zone)
        score = _timing_score(request, zone, placed[0].start, placed[-1].end, gap, len(placed))
        reasons: list[str] = []
        candidate = ""
    else:
        score, reasons, candidate = _timing(
            request, placed[0].start, placed[-1].end, gap, len(placed)
        )
    # Comfort: how far inside their working day each interviewer is (an hour or more is ideal),
    # measured against the working hours themselves, not the grid (which starts at the notice).
    tightest = 60
    for j, stage in enumerate(placed):
        for pid in stage.interviewers:
            a = avail[pid]
            key = (starts[j], durations[j])
            margin = a.margins.get(key)
            if margin is None:
                margin = a.margins[key] = _margin(a, stage.start, stage.end)
            tightest = min(tightest, margin)
    score -= (60 - tightest) / 10
    if why is None:
        score -= sum(
            {
                pid: avail[pid].person.interviews_by_week.get(avail[pid].week(starts[0]), 0)
                for s in placed
                for pid in s.interviewers
            }.values()
        ) * 0.5 + UNCHECKED_PENALTY * len(
            {
                pid
                for s in placed
                for pid in s.interviewers
                if avail[pid].person.calendar_unchecked is not None
            }
        )
        return Suggestion(score=round(score, 2), stages=tuple(placed), reasons=())
    reasons.append(
        "well inside everyone's working hours"
        if tightest >= 60
        else f"within {tightest} minutes of someone's working-day edge"
    )
    loads: dict[uuid.UUID, int] = {}
    for s in placed:
        for pid in s.interviewers:
            a = avail[pid]
            loads[pid] = a.person.interviews_by_week.get(a.week(starts[0]), 0)
    score -= sum(loads.values()) * 0.5
    load_text = ", ".join(
        f"{avail[pid].person.name} {n}"
        for pid, n in sorted(loads.items(), key=lambda kv: avail[kv[0]].person.name)
    )
    reasons.append(f"interviews already that week: {load_text}")
    reasons.append(candidate)
    seen: set[uuid.UUID] = set()
    for j, stage in enumerate(placed):
        for pid in stage.interviewers:
            if pid in seen:
                continue
            seen.add(pid)
            a = avail[pid]
            person = a.person
            if person.calendar_unchecked is not None:
                score -= UNCHECKED_PENALTY
                reasons.append(
                    f"{person.name}'s calendar could not be checked ({person.calendar_unchecked})"
                )
            if person.tentative_days and a.day(starts[j]) in person.tentative_days:
                reasons.append(f"{person.name} has tentative events that day (counted as busy)")
    reasons.extend(why)
    return Suggestion(score=round(score, 2), stages=tuple(placed), reasons=tuple(reasons))


def _diagnose(
    request: SlotRequest,
    grid: _Grid,
    avail: dict[uuid.UUID, _Availability],
    candidate_run: list[int] | None,
    durations: Sequence[int],
    fits: Sequence[_Fits],
) -> tuple[str, ...]:
    """Say what made every time impossible, most decisive constraint first."""
    reasons: list[str] = []
    if request.earliest >= request.range_end:
        return (
            f"the whole range falls inside the minimum notice period (earliest start {request.earliest:%Y-%m-%d %H:%M} UTC)",
        )
    if grid.n == 0 or grid.n < sum(durations):
        return ("the range left after the minimum notice period is too short for the panel",)
    if candidate_run is not None and not any(candidate_run):
        return ("the candidate's windows all fall outside the range (or inside the notice period)",)
    for j, stage in enumerate(request.stages):
        if not any(fits[j].ok):
            reasons.append(
                f"stage '{stage.name}' never has {stage.required} of its pool free for {stage.duration_minutes} minutes"
            )
            for pid in stage.pool:
                a = avail.get(pid)
                if a is None:
                    continue
                name = a.person.name
                if not a.working:
                    reasons.append(f"{name} has no working hours in the range")
                elif not a.capped:
                    reasons.append(
                        f"{name} is at their interview cap on every working day in the range"
                    )
                elif max(a.run) < durations[j]:
                    reasons.append(f"{name} is busy whenever they work in the range")
    if reasons:
        return tuple(reasons)
    ok0 = fits[0].ok
    if candidate_run is not None and not any(candidate_run[i] and ok0[i] for i in range(grid.n)):
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
