"""Slot finding as a pure computation (app/domain/interviews/slots.py), on fixed examples.

No database: people, busy time and loads are written out here, and every answer is checked both
against exact expected times and against an independent checker (`assert_feasible`) that
re-derives working hours in each person's own zone with zoneinfo.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from app.domain.interviews.slots import (
    Person,
    SlotRequest,
    SlotResult,
    Stage,
    Suggestion,
    find_slots,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK = {d: [("09:00", "17:00")] for d in WEEKDAYS[:5]}
EVERY_DAY = {d: [("09:00", "17:00")] for d in WEEKDAYS}

# 2026-12-07 is a Monday in ISO week 50; every zone used here is on standard time then:
# New York UTC-5, Berlin UTC+1, Kolkata UTC+5:30.
MON = datetime(2026, 12, 7, tzinfo=UTC)
TUE, WED, THU, FRI = (MON + timedelta(days=k) for k in range(1, 5))


def utc(day: datetime, hh: int = 0, mm: int = 0) -> datetime:
    return day + timedelta(hours=hh, minutes=mm)


def pid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


def person(
    n: int,
    name: str,
    zone: str = "UTC",
    hours: dict[str, list[tuple[str, str]]] | None = None,
    **extra: Any,
) -> Person:
    return Person(
        id=pid(n),
        name=name,
        time_zone=zone,
        working_hours=WORKWEEK if hours is None else hours,
        **extra,
    )


def one_stage(pool: Sequence[Person], minutes: int = 60, required: int = 1) -> list[Stage]:
    return [Stage("interview", minutes, [p.id for p in pool], required)]


def ask(
    stages: Sequence[Stage],
    start: datetime,
    end: datetime,
    *,
    earliest: datetime | None = None,
    **extra: Any,
) -> SlotRequest:
    values: dict[str, Any] = {"limit": 50}
    values.update(extra)
    return SlotRequest(
        stages=stages,
        range_start=start,
        range_end=end,
        earliest=earliest if earliest is not None else start,
        **values,
    )


def solve(request: SlotRequest, people: Sequence[Person]) -> SlotResult:
    result = find_slots(request, people)
    assert_feasible(result, request, people)
    return result


def starts(result: SlotResult) -> list[datetime]:
    return [s.start for s in result.suggestions]


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


# The independent checker ------------------------------------------------------------------


def _inside_hours(p: Person, start: datetime, end: datetime) -> bool:
    zone = ZoneInfo(p.time_zone)
    day = start.astimezone(zone).date()
    ranges = p.overrides.get(day, p.working_hours.get(WEEKDAYS[day.weekday()], []))
    for a, b in ranges:
        ha, ma = (int(x) for x in a.split(":"))
        hb, mb = (int(x) for x in b.split(":"))
        lo = datetime.combine(day, time(ha, ma), tzinfo=zone)
        hi = datetime.combine(day, time(hb, mb), tzinfo=zone)
        if lo <= start and end <= hi:
            return True
    return False


def _inside_hours_with_buffers(
    p: Person, start: datetime, end: datetime, before: int, after: int
) -> bool:
    """The buffers too lie inside working time (adjacent ranges of one day count as one)."""
    zone = ZoneInfo(p.time_zone)
    lo, hi = start - timedelta(minutes=before), end + timedelta(minutes=after)
    spans: list[tuple[datetime, datetime]] = []
    for day in {lo.astimezone(zone).date(), hi.astimezone(zone).date()}:
        for a, b in p.overrides.get(day, p.working_hours.get(WEEKDAYS[day.weekday()], [])):
            ha, ma = (int(x) for x in a.split(":"))
            hb, mb = (int(x) for x in b.split(":"))
            spans.append(
                (
                    datetime.combine(day, time(ha, ma), tzinfo=zone),
                    datetime.combine(day, time(hb, mb), tzinfo=zone),
                )
            )
    covered = lo
    for first, last in sorted(spans):
        if first <= covered < last:
            covered = last
    return covered >= hi


def _busy_clash(p: Person, start: datetime, end: datetime, before: int, after: int) -> bool:
    lo, hi = start - timedelta(minutes=before), end + timedelta(minutes=after)
    return any(bs < hi and be > lo for bs, be in p.busy)


def assert_feasible(result: SlotResult, request: SlotRequest, people: Sequence[Person]) -> None:
    """Every suggestion honours every rule, re-derived here without slots.py's grid."""
    by_id = {p.id: p for p in people}
    assert len(result.suggestions) <= request.limit
    if result.suggestions:
        assert result.blocked_by == ()
    else:
        assert result.blocked_by, "nothing fits, yet blocked_by does not say why"
    for s in result.suggestions:
        assert s.reasons
        assert [p.name for p in s.stages] == [st.name for st in request.stages]
        for placed, stage in zip(s.stages, request.stages, strict=True):
            assert placed.end - placed.start == timedelta(minutes=stage.duration_minutes)
            assert len(placed.interviewers) == stage.required
            assert len(set(placed.interviewers)) == stage.required, "someone twice in one stage"
            assert set(placed.interviewers) <= set(stage.pool)
            assert placed.start >= request.earliest, "inside the notice period"
            assert placed.start >= request.range_start
            assert placed.end <= request.range_end
            for member in placed.interviewers:
                p = by_id[member]
                assert _inside_hours(p, placed.start, placed.end), (
                    f"{p.name} is outside their hours at {local(placed.start, p.time_zone)}"
                )
                assert _inside_hours_with_buffers(
                    p,
                    placed.start,
                    placed.end,
                    request.buffer_before_minutes,
                    request.buffer_after_minutes,
                ), f"{p.name}'s buffers fall outside their hours at {placed.start}"
                assert not _busy_clash(
                    p,
                    placed.start,
                    placed.end,
                    request.buffer_before_minutes,
                    request.buffer_after_minutes,
                ), f"{p.name} is busy (with buffers) at {placed.start}"
        for a, b in itertools.pairwise(s.stages):
            gap = b.start - a.end
            assert gap >= timedelta(0), "stages out of order or overlapping"
            assert gap <= timedelta(minutes=request.max_gap_minutes), "gap longer than allowed"
            if not request.allow_back_to_back:
                assert gap > timedelta(0), "back-to-back stages were not allowed"
        for a, b in itertools.combinations(s.stages, 2):
            if a.start < b.end and b.start < a.end:
                assert not set(a.interviewers) & set(b.interviewers), "someone twice at once"
        if request.candidate_windows is not None:
            assert any(ws <= s.start and s.end <= we for ws, we in request.candidate_windows), (
                "outside the candidate's windows"
            )
        per_day: Counter[tuple[uuid.UUID, date]] = Counter()
        per_week: Counter[tuple[uuid.UUID, tuple[int, int]]] = Counter()
        for placed in s.stages:
            for member in placed.interviewers:
                p = by_id[member]
                day = local(placed.start, p.time_zone).date()
                iso = day.isocalendar()
                per_day[(member, day)] += 1
                per_week[(member, (iso.year, iso.week))] += 1
        for (member, day), used in per_day.items():
            p = by_id[member]
            if p.cap_per_day is not None:
                assert p.interviews_by_day.get(day, 0) + used <= p.cap_per_day, (
                    f"{p.name} over their day cap on {day}"
                )
        for (member, week), used in per_week.items():
            p = by_id[member]
            if p.cap_per_week is not None:
                assert p.interviews_by_week.get(week, 0) + used <= p.cap_per_week, (
                    f"{p.name} over their week cap in {week}"
                )


# One interview, time zones and daylight saving -------------------------------------------


def test_single_interview_inside_everyones_hours_across_berlin_and_kolkata() -> None:
    berlin = person(1, "Bea", "Europe/Berlin")
    kolkata = person(2, "Kiran", "Asia/Kolkata")
    request = ask(one_stage([berlin, kolkata], required=2), MON, TUE)
    result = solve(request, [berlin, kolkata])
    # Berlin 9-17 is 08:00-16:00 UTC, Kolkata 9-17 is 03:30-11:30 UTC: the overlap is 08:00-11:30.
    assert result.suggestions
    for s in result.suggestions:
        assert utc(MON, 8) <= s.start
        assert s.end <= utc(MON, 11, 30)
        assert set(s.stages[0].interviewers) == {berlin.id, kolkata.id}
    # The best is an hour inside both days: 09:00 UTC, which is 10:00 in Berlin, 14:30 in Kolkata.
    best = result.suggestions[0]
    assert best.start == utc(MON, 9)
    assert local(best.start, "Europe/Berlin").time() == time(10, 0)
    assert local(best.start, "Asia/Kolkata").time() == time(14, 30)
    assert "well inside everyone's working hours" in best.reasons


def test_new_york_and_berlin_overlap_is_only_two_hours_in_december() -> None:
    ny = person(1, "Nora", "America/New_York")
    berlin = person(2, "Bea", "Europe/Berlin")
    result = solve(ask(one_stage([ny, berlin], required=2), MON, TUE), [ny, berlin])
    # New York 9-17 is 14:00-22:00 UTC, Berlin 08:00-16:00 UTC.
    assert result.suggestions
    assert all(utc(MON, 14) <= t <= utc(MON, 15) for t in starts(result))
    assert local(result.suggestions[0].start, "America/New_York").hour in (9, 10)
    # A two-and-a-quarter-hour interview cannot fit at all, and the answer says so.
    long = solve(ask(one_stage([ny, berlin], minutes=135, required=2), MON, TUE), [ny, berlin])
    assert long.suggestions == ()
    assert long.blocked_by


def test_new_york_and_kolkata_never_overlap_on_a_workday() -> None:
    ny = person(1, "Nora", "America/New_York")
    kolkata = person(2, "Kiran", "Asia/Kolkata")
    result = solve(ask(one_stage([ny, kolkata], minutes=30, required=2), MON, FRI), [ny, kolkata])
    assert result.suggestions == ()
    assert any("never has 2 of its pool free" in r for r in result.blocked_by)


def test_eu_daylight_saving_change_moves_the_utc_hours_of_a_berlin_day() -> None:
    # Working 09:00-10:00 Berlin time every day: exactly one hour-long slot per day.
    berlin = person(1, "Bea", "Europe/Berlin", {d: [("09:00", "10:00")] for d in WEEKDAYS})
    start = datetime(2026, 10, 23, tzinfo=UTC)  # Friday; the clocks go back on Sunday the 25th
    result = solve(ask(one_stage([berlin]), start, start + timedelta(days=4)), [berlin])
    assert sorted(starts(result)) == [
        datetime(2026, 10, 23, 7, tzinfo=UTC),  # CEST, UTC+2
        datetime(2026, 10, 24, 7, tzinfo=UTC),
        datetime(2026, 10, 25, 8, tzinfo=UTC),  # CET, UTC+1
        datetime(2026, 10, 26, 8, tzinfo=UTC),
    ]
    assert {local(t, "Europe/Berlin").time() for t in starts(result)} == {time(9, 0)}


def test_us_daylight_saving_change_moves_the_utc_hours_of_a_new_york_day() -> None:
    ny = person(1, "Nora", "America/New_York", {d: [("09:00", "10:00")] for d in WEEKDAYS})
    start = datetime(2026, 10, 30, tzinfo=UTC)  # Friday; the clocks go back on Sunday 1 November
    result = solve(ask(one_stage([ny]), start, start + timedelta(days=4)), [ny])
    assert sorted(starts(result)) == [
        datetime(2026, 10, 30, 13, tzinfo=UTC),  # EDT, UTC-4
        datetime(2026, 10, 31, 13, tzinfo=UTC),
        datetime(2026, 11, 1, 14, tzinfo=UTC),  # EST, UTC-5
        datetime(2026, 11, 2, 14, tzinfo=UTC),
    ]


def test_the_week_between_the_eu_and_us_changes_has_a_longer_transatlantic_overlap() -> None:
    # Europe falls back on 25 October, the US on 1 November. For that one week Berlin is UTC+1
    # while New York is still UTC-4, so 9-17 in both overlaps for three hours (13:00-16:00 UTC);
    # before and after it is two. A three-hour interview fits only in that week.
    ny = person(1, "Nora", "America/New_York")
    berlin = person(2, "Bea", "Europe/Berlin")
    start = datetime(2026, 10, 19, tzinfo=UTC)
    request = ask(
        one_stage([ny, berlin], minutes=180, required=2), start, start + timedelta(days=19)
    )
    result = solve(request, [ny, berlin])
    assert sorted(starts(result)) == [datetime(2026, 10, d, 13, tzinfo=UTC) for d in range(26, 31)]
    for s in result.suggestions:
        assert local(s.start, "America/New_York").time() == time(9, 0)
        assert local(s.start, "Europe/Berlin").time() == time(14, 0)


# A panel -----------------------------------------------------------------------------------


def _panel_people() -> list[Person]:
    return [
        person(1, "Hanna", "Europe/Berlin"),  # hiring manager
        person(2, "Tom", "Europe/Berlin"),
        person(3, "Tara", "Asia/Kolkata"),
        person(4, "Ted", "America/New_York"),
        person(5, "Cleo", "Europe/Berlin"),
        person(6, "Chandra", "Asia/Kolkata"),
    ]


def _panel_stages() -> list[Stage]:
    return [
        Stage("hiring manager", 30, [pid(1)], 1),
        Stage("technical", 60, [pid(2), pid(3), pid(4)], 2),
        Stage("culture", 45, [pid(5), pid(6)], 1),
    ]


def test_three_stage_panel_with_pools_and_required_counts() -> None:
    people = _panel_people()
    request = ask(_panel_stages(), MON, WED, max_gap_minutes=30)
    result = solve(request, people)
    assert result.suggestions
    assert result.considered >= len(result.suggestions)
    for s in result.suggestions:
        hm, tech, culture = s.stages
        assert hm.interviewers == (pid(1),)
        assert len(tech.interviewers) == 2
        assert len(culture.interviewers) == 1
        assert [p.end - p.start for p in s.stages] == [
            timedelta(minutes=30),
            timedelta(minutes=60),
            timedelta(minutes=45),
        ]
        assert s.end - s.start <= timedelta(minutes=30 + 60 + 45 + 30 + 30)
    # New York opens at 14:00 UTC and Kolkata closes at 11:30 UTC, so Ted only joins a technical
    # stage from 14:00 on, and never together with Tara.
    for s in result.suggestions:
        tech = s.stages[1]
        if pid(4) in tech.interviewers:
            assert tech.start >= utc(tech.start.replace(hour=0, minute=0), 14)
            assert pid(3) not in tech.interviewers


def test_panel_is_deterministic_whatever_the_order_of_people() -> None:
    people = _panel_people()
    request = ask(_panel_stages(), MON, WED, max_gap_minutes=30)
    first = find_slots(request, people)
    again = find_slots(request, people)
    reversed_people = find_slots(request, list(reversed(people)))
    assert first == again == reversed_people
    assert first.suggestions


def test_panel_stages_never_share_an_interviewer_at_once_and_required_pick_is_distinct() -> None:
    # Everyone sits in every pool: the only thing keeping them apart is the rule itself.
    everyone = [person(n, f"P{n}") for n in range(1, 5)]
    ids = [p.id for p in everyone]
    stages = [Stage("one", 60, ids, 2), Stage("two", 60, ids, 2), Stage("three", 30, ids, 3)]
    result = solve(ask(stages, MON, TUE, max_gap_minutes=0), everyone)
    assert result.suggestions
    for s in result.suggestions:
        for stage in s.stages:
            assert len(set(stage.interviewers)) == len(stage.interviewers)


# Caps --------------------------------------------------------------------------------------


def test_member_at_day_cap_is_not_proposed_that_day_but_is_on_other_days() -> None:
    busy_day = TUE.date()
    capped = person(1, "Ada", cap_per_day=2, interviews_by_day={busy_day: 2})
    result = solve(ask(one_stage([capped]), MON, THU), [capped])
    days = {s.start.date() for s in result.suggestions}
    assert MON.date() in days
    assert WED.date() in days
    assert busy_day not in days


def test_day_cap_is_counted_in_the_member_s_own_local_day() -> None:
    # Kiran's Tuesday in Kolkata is 18:30 Monday to 18:30 Tuesday UTC; the cap hits that day.
    kiran = person(
        1,
        "Kiran",
        "Asia/Kolkata",
        EVERY_DAY,
        cap_per_day=1,
        interviews_by_day={TUE.date(): 1},
    )
    result = solve(ask(one_stage([kiran]), MON, THU), [kiran])
    local_days = {local(t, "Asia/Kolkata").date() for t in starts(result)}
    assert TUE.date() not in local_days
    assert {MON.date(), WED.date()} <= local_days


def test_member_at_week_cap_is_not_proposed_that_week_but_is_the_next() -> None:
    capped = person(1, "Ada", cap_per_week=3, interviews_by_week={(2026, 50): 3})
    result = solve(ask(one_stage([capped]), MON, MON + timedelta(days=9)), [capped])
    assert result.suggestions
    assert all(t >= MON + timedelta(days=7) for t in starts(result))


def test_capped_member_in_a_pool_is_passed_over_for_a_free_one() -> None:
    ada = person(1, "Ada", cap_per_day=1, interviews_by_day={MON.date(): 1})
    bo = person(2, "Bo")
    result = solve(ask(one_stage([ada, bo]), MON, TUE), [ada, bo])
    assert result.suggestions
    assert {s.stages[0].interviewers for s in result.suggestions} == {(bo.id,)}


def test_day_cap_counts_the_stages_of_the_panel_itself() -> None:
    # Ada may do one more interview today; a panel that needs her twice must not be proposed.
    ada = person(1, "Ada", cap_per_day=2, interviews_by_day={MON.date(): 1})
    stages = [Stage("one", 30, [ada.id]), Stage("two", 30, [ada.id])]
    result = solve(ask(stages, MON, TUE), [ada])
    assert result.suggestions == ()
    assert result.blocked_by


def test_week_cap_counts_the_stages_of_the_panel_itself() -> None:
    # One interview left this week: a panel needing Ada for two stages would break her cap.
    ada = person(1, "Ada", cap_per_week=1)
    stages = [Stage("one", 30, [ada.id]), Stage("two", 30, [ada.id])]
    result = solve(ask(stages, MON, TUE), [ada])
    assert result.suggestions == ()
    assert result.blocked_by


def test_capped_member_is_given_the_stage_only_they_can_do() -> None:
    # Ada has room for one interview today and is the only one for stage two; Bo can do stage
    # one. The panel Bo-then-Ada fits, so it must be found.
    ada = person(1, "Ada", cap_per_day=1)
    bo = person(2, "Bo")
    stages = [Stage("one", 30, [ada.id, bo.id]), Stage("two", 30, [ada.id])]
    result = solve(ask(stages, MON, TUE), [ada, bo])
    assert result.suggestions, result.blocked_by
    assert all(s.stages[0].interviewers == (bo.id,) for s in result.suggestions)


# Notice, buffers, gaps, overrides, candidate windows ----------------------------------------


def test_nothing_inside_the_notice_period() -> None:
    ada = person(1, "Ada")
    earliest = utc(TUE, 10, 7)
    result = solve(ask(one_stage([ada]), MON, FRI, earliest=earliest), [ada])
    assert result.suggestions
    assert min(starts(result)) >= earliest
    # Monday and Tuesday morning are gone; the first grid slot after the notice is offered.
    assert min(starts(result)) == utc(TUE, 10, 15)
    assert result.suggestions[0].start.date() == TUE.date()


def test_working_hours_fit_is_judged_on_the_real_day_not_the_notice_cutoff() -> None:
    # Ada has worked since 09:00 when the notice period ends at 12:00: an interview at 12:00 is
    # three hours inside her day and must not be explained (or ranked) as on its edge.
    ada = person(1, "Ada")
    result = solve(ask(one_stage([ada]), MON, TUE, earliest=utc(MON, 12)), [ada])
    assert result.suggestions[0].start == utc(MON, 12)
    assert "well inside everyone's working hours" in result.suggestions[0].reasons


def test_buffers_keep_distance_from_busy_blocks() -> None:
    hours = {"mon": [("09:00", "13:00")]}
    busy = [(utc(MON, 10), utc(MON, 11))]
    ada = person(1, "Ada", hours=hours, busy=busy)
    plain = solve(ask(one_stage([ada]), MON, TUE), [ada])
    # Without buffers the hour before and the time right after the block are fine.
    assert sorted(starts(plain)) == [utc(MON, 9), utc(MON, 11), utc(MON, 12)]
    buffered = solve(
        ask(one_stage([ada]), MON, TUE, buffer_before_minutes=15, buffer_after_minutes=30), [ada]
    )
    # 09:00-10:00 would leave no 30 minutes after it; 11:00 leaves no 15 minutes before it.
    assert starts(buffered) == [utc(MON, 11, 15)]


def test_buffers_lie_inside_the_working_hours() -> None:
    """A stage never starts at the very start of the working day when it needs a buffer before
    it, nor ends at its very end when it needs one after: the buffers are part of the day."""
    ada = person(1, "Ada", hours={"mon": [("09:00", "10:15")]})
    plain = solve(ask(one_stage([ada]), MON, TUE), [ada])
    assert starts(plain) == [utc(MON, 9)]
    before = solve(ask(one_stage([ada]), MON, TUE, buffer_before_minutes=15), [ada])
    assert starts(before) == [utc(MON, 9, 15)]
    after = solve(ask(one_stage([ada]), MON, TUE, buffer_after_minutes=15), [ada])
    assert starts(after) == [utc(MON, 9)]
    tight = solve(ask(one_stage([ada]), MON, TUE, buffer_before_minutes=30), [ada])
    assert starts(tight) == []
    wide = person(4, "Di", hours={"mon": [("09:00", "10:30")]})
    both = solve(
        ask(one_stage([wide]), MON, TUE, buffer_before_minutes=15, buffer_after_minutes=15),
        [wide],
    )
    assert starts(both) == [utc(MON, 9, 15)]
    # In the person's own zone, across a daylight-saving change: Berlin's 09:00 on 2027-03-29
    # (summer time, UTC+2) is 07:00 UTC, so the first start is 07:15 UTC.
    cet = person(3, "Cy", zone="Europe/Berlin", hours={"mon": [("09:00", "10:15")]})
    monday = datetime(2027, 3, 29, tzinfo=UTC)
    summer = solve(
        ask(one_stage([cet]), monday, monday + timedelta(days=1), buffer_before_minutes=15), [cet]
    )
    assert starts(summer) == [utc(monday, 7, 15)]


def test_busy_block_end_is_exclusive_and_overlap_is_refused() -> None:
    ada = person(
        1, "Ada", hours={"mon": [("09:00", "11:00")]}, busy=[(utc(MON, 9, 30), utc(MON, 10))]
    )
    result = solve(ask(one_stage([ada]), MON, TUE), [ada])
    assert starts(result) == [utc(MON, 10)]


def test_stages_follow_each_other_within_the_max_gap() -> None:
    ada = person(1, "Ada", hours={"mon": [("09:00", "10:00")]})
    bo = person(2, "Bo", hours={"mon": [("10:00", "12:00")]})
    stages = [Stage("first", 60, [ada.id]), Stage("second", 60, [bo.id])]
    result = solve(ask(stages, MON, TUE, max_gap_minutes=60), [ada, bo])
    assert [(s.stages[0].start, s.stages[1].start) for s in result.suggestions] == [
        (utc(MON, 9), utc(MON, 10))
    ]
    assert "no waiting between stages" in result.suggestions[0].reasons


def test_back_to_back_refused_leaves_a_break_between_stages() -> None:
    ada = person(1, "Ada", hours={"mon": [("09:00", "10:00")]})
    bo = person(2, "Bo", hours={"mon": [("10:00", "12:00")]})
    stages = [Stage("first", 60, [ada.id]), Stage("second", 60, [bo.id])]
    result = solve(ask(stages, MON, TUE, allow_back_to_back=False), [ada, bo])
    assert [(s.stages[0].start, s.stages[1].start) for s in result.suggestions] == [
        (utc(MON, 9), utc(MON, 10, 15))
    ]
    assert "15 minutes of waiting between stages" in result.suggestions[0].reasons


def test_a_gap_longer_than_allowed_blocks_the_panel_and_says_so() -> None:
    ada = person(1, "Ada", hours={"mon": [("09:00", "10:00")]})
    bo = person(2, "Bo", hours={"mon": [("11:30", "12:30")]})
    stages = [Stage("first", 60, [ada.id]), Stage("second", 60, [bo.id])]
    tight = solve(ask(stages, MON, TUE, max_gap_minutes=60), [ada, bo])
    assert tight.suggestions == ()
    assert any("at most 60 minutes between them" in r for r in tight.blocked_by)
    loose = solve(ask(stages, MON, TUE, max_gap_minutes=90), [ada, bo])
    assert [s.stages[1].start for s in loose.suggestions] == [utc(MON, 11, 30)]
    assert "90 minutes of waiting between stages" in loose.suggestions[0].reasons


def test_date_overrides_a_day_off_and_other_hours() -> None:
    ada = person(
        1,
        "Ada",
        overrides={
            TUE.date(): [],  # a day off
            WED.date(): [("13:00", "14:00")],  # only an hour
            (MON + timedelta(days=5)).date(): [("10:00", "11:00")],  # a Saturday
        },
    )
    result = solve(ask(one_stage([ada]), MON, MON + timedelta(days=7)), [ada])
    by_day: dict[date, list[datetime]] = {}
    for t in starts(result):
        by_day.setdefault(t.date(), []).append(t)
    assert TUE.date() not in by_day
    assert by_day[WED.date()] == [utc(WED, 13)]
    assert by_day[(MON + timedelta(days=5)).date()] == [utc(MON + timedelta(days=5), 10)]
    assert MON.date() in by_day
    assert THU.date() in by_day
    assert (MON + timedelta(days=6)).date() not in by_day  # Sunday: no weekly hours


def test_override_applies_to_the_member_s_local_date() -> None:
    # Kiran's day off on Tuesday (Kolkata) also frees nothing at 20:00 UTC Monday, which is
    # already Tuesday 01:30 in Kolkata; the hours that remain are Monday's and Wednesday's.
    kiran = person(1, "Kiran", "Asia/Kolkata", overrides={TUE.date(): []})
    result = solve(ask(one_stage([kiran]), MON, THU), [kiran])
    assert result.suggestions
    assert TUE.date() not in {local(t, "Asia/Kolkata").date() for t in starts(result)}


def test_candidate_windows_restrict_the_times() -> None:
    ada = person(1, "Ada")
    window = (utc(TUE, 10), utc(TUE, 11, 30))
    result = solve(ask(one_stage([ada]), MON, FRI, candidate_windows=[window]), [ada])
    assert result.suggestions
    assert all(window[0] <= s.start and s.end <= window[1] for s in result.suggestions)


def test_a_panel_must_fit_inside_one_candidate_window_including_its_gaps() -> None:
    ada = person(1, "Ada")
    bo = person(2, "Bo", busy=[(utc(MON, 10), utc(MON, 10, 30))])
    stages = [Stage("first", 60, [ada.id]), Stage("second", 60, [bo.id])]
    # The window is two hours; back to back only Bo's 10:00-10:30 busy time forces a wait.
    window = (utc(MON, 9), utc(MON, 11))
    result = solve(ask(stages, MON, TUE, candidate_windows=[window]), [ada, bo])
    assert result.suggestions == ()
    assert any("candidate" in r for r in result.blocked_by)
    wider = (utc(MON, 9), utc(MON, 11, 30))
    ok = solve(ask(stages, MON, TUE, candidate_windows=[wider]), [ada, bo])
    assert [(s.start, s.end) for s in ok.suggestions] == [(utc(MON, 9, 30), utc(MON, 11, 30))]


# Ranking and reasons -------------------------------------------------------------------------


def test_ranking_prefers_times_well_inside_working_hours() -> None:
    ada = person(1, "Ada")
    result = solve(ask(one_stage([ada]), MON, TUE), [ada])
    scores = [s.score for s in result.suggestions]
    assert scores == sorted(scores, reverse=True)
    first, last = result.suggestions[0], result.suggestions[-1]
    assert first.start == utc(MON, 10)
    assert "well inside everyone's working hours" in first.reasons
    assert last.start in (utc(MON, 9), utc(MON, 16))
    assert "within 0 minutes of someone's working-day edge" in last.reasons
    assert first.score > last.score


def test_ranking_prefers_no_waiting_between_stages() -> None:
    # Ada is free 10-11 and 14-15; Bo is free 11:30-12:30 and 15-16 (both work 9-17).
    ada = person(
        1,
        "Ada",
        busy=[
            (utc(MON, 9), utc(MON, 10)),
            (utc(MON, 11), utc(MON, 14)),
            (utc(MON, 15), utc(MON, 17)),
        ],
    )
    bo = person(2, "Bo", busy=[(utc(MON, 9), utc(MON, 11, 30)), (utc(MON, 12, 30), utc(MON, 15))])
    stages = [Stage("first", 60, [ada.id]), Stage("second", 60, [bo.id])]
    result = solve(ask(stages, MON, TUE, max_gap_minutes=60), [ada, bo])
    assert [s.start for s in result.suggestions] == [utc(MON, 14), utc(MON, 10)]
    assert "no waiting between stages" in result.suggestions[0].reasons
    assert "30 minutes of waiting between stages" in result.suggestions[1].reasons
    assert result.suggestions[0].score > result.suggestions[1].score


def test_ranking_balances_interviewer_load() -> None:
    heavy = person(1, "Hal", interviews_by_week={(2026, 50): 4})
    light = person(2, "Lou", interviews_by_week={(2026, 50): 1})
    result = solve(ask(one_stage([heavy, light]), MON, TUE), [heavy, light])
    assert result.suggestions
    assert {s.stages[0].interviewers for s in result.suggestions} == {(light.id,)}
    assert "interviews already that week: Lou 1" in result.suggestions[0].reasons
    # When the lighter one is busy, the heavier one is proposed, and ranks lower for it.
    light_busy = person(
        2, "Lou", interviews_by_week={(2026, 50): 1}, busy=[(utc(MON, 10), utc(MON, 11))]
    )
    mixed = solve(ask(one_stage([heavy, light_busy]), MON, TUE), [heavy, light_busy])
    hal = [s for s in mixed.suggestions if s.stages[0].interviewers == (heavy.id,)]
    lou = [s for s in mixed.suggestions if s.stages[0].interviewers == (light.id,)]
    assert hal
    assert lou
    assert "interviews already that week: Hal 4" in hal[0].reasons
    assert max(s.score for s in hal) < max(s.score for s in lou)


def test_reasons_give_the_candidate_s_local_time_and_rank_their_night_lower() -> None:
    ada = person(1, "Ada", hours={"mon": [("09:00", "10:00"), ("14:00", "15:00")]})
    result = solve(ask(one_stage([ada]), MON, TUE, candidate_time_zone="Asia/Kolkata"), [ada])
    # 09:00 UTC is 14:30 in Kolkata; 14:00 UTC is 19:30, outside the candidate's usual day.
    assert [s.start for s in result.suggestions] == [utc(MON, 9), utc(MON, 14)]
    assert "14:30-15:30 for the candidate (Asia/Kolkata)" in result.suggestions[0].reasons
    assert any(
        r.startswith("outside the candidate's usual day (19:30-20:30")
        for r in result.suggestions[1].reasons
    )


def test_earlier_days_rank_higher_when_otherwise_equal() -> None:
    ada = person(1, "Ada", hours={d: [("09:00", "12:00")] for d in WEEKDAYS[:5]})
    result = solve(ask(one_stage([ada]), MON, FRI), [ada])
    assert [s.start for s in result.suggestions[:4]] == [
        utc(MON, 10),
        utc(TUE, 10),
        utc(WED, 10),
        utc(THU, 10),
    ]


def test_limit_and_spacing_of_suggestions() -> None:
    ada = person(1, "Ada", hours=EVERY_DAY)
    result = solve(ask(one_stage([ada]), MON, MON + timedelta(days=14), limit=3), [ada])
    assert len(result.suggestions) == 3
    for a, b in itertools.combinations(result.suggestions, 2):
        assert abs(a.start - b.start) >= timedelta(hours=1)


# When nothing fits: what blocked it ------------------------------------------------------------


def _blocked(request: SlotRequest, people: Sequence[Person]) -> tuple[str, ...]:
    result = solve(request, people)
    assert result.suggestions == ()
    return result.blocked_by


def test_blocked_by_the_notice_period() -> None:
    ada = person(1, "Ada")
    reasons = _blocked(ask(one_stage([ada]), MON, TUE, earliest=utc(TUE, 1)), [ada])
    assert len(reasons) == 1
    assert "notice" in reasons[0]
    short = _blocked(ask(one_stage([ada]), MON, TUE, earliest=utc(MON, 23, 30)), [ada])
    assert "notice" in short[0]


def test_blocked_by_the_candidate_s_windows() -> None:
    ada = person(1, "Ada")
    outside = [(utc(MON + timedelta(days=10), 9), utc(MON + timedelta(days=10), 12))]
    reasons = _blocked(ask(one_stage([ada]), MON, TUE, candidate_windows=outside), [ada])
    assert "candidate's windows" in reasons[0]
    evening = [(utc(MON, 18), utc(MON, 22))]
    reasons = _blocked(ask(one_stage([ada]), MON, TUE, candidate_windows=evening), [ada])
    assert "candidate's windows" in reasons[0]


def test_blocked_by_an_interviewer_s_cap() -> None:
    ada = person(
        1,
        "Ada",
        cap_per_day=2,
        interviews_by_day={MON.date(): 2, TUE.date(): 3},
    )
    bo = person(2, "Bo")
    reasons = _blocked(ask(one_stage([ada, bo], required=2), MON, WED), [ada, bo])
    assert any("Ada is at their interview cap" in r for r in reasons)
    assert not any("Bo" in r for r in reasons)
    weekly = person(1, "Ada", cap_per_week=2, interviews_by_week={(2026, 50): 2})
    reasons = _blocked(ask(one_stage([weekly]), MON, WED), [weekly])
    assert any("Ada is at their interview cap" in r for r in reasons)


def test_blocked_by_one_busy_interviewer() -> None:
    ada = person(1, "Ada")
    bo = person(2, "Bo", busy=[(MON, WED)])
    reasons = _blocked(ask(one_stage([ada, bo], required=2), MON, WED), [ada, bo])
    assert any("Bo is busy whenever they work in the range" in r for r in reasons)
    assert not any("Ada" in r for r in reasons)


def test_blocked_by_an_interviewer_without_hours() -> None:
    ada = person(1, "Ada")
    idle = person(2, "Ike", hours={})
    reasons = _blocked(ask(one_stage([ada, idle], required=2), MON, WED), [ada, idle])
    assert any("Ike has no working hours in the range" in r for r in reasons)
    # A weekend range: nobody works.
    weekend = _blocked(
        ask(one_stage([ada]), MON + timedelta(days=5), MON + timedelta(days=7)), [ada]
    )
    assert any("Ada has no working hours in the range" in r for r in weekend)


# A property: every answer is feasible, and a fitting time is never missed ----------------------

ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata")
# The week of the EU change (25 October) and the US change (1 November) 2026.
BASE = datetime(2026, 10, 24, tzinfo=UTC)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SlotRequest, list[Person]]:
    count = draw(st.integers(1, 3))
    people: list[Person] = []
    for n in range(count):
        zone = draw(st.sampled_from(ZONES))
        first = draw(st.integers(6, 12))
        length = draw(st.integers(2, 9))
        hours = {d: [(f"{first:02d}:00", f"{min(first + length, 23):02d}:30")] for d in WEEKDAYS}
        busy = []
        for _ in range(draw(st.integers(0, 4))):
            at = BASE + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 9)))
            busy.append((at, at + timedelta(minutes=15 * draw(st.integers(1, 16)))))
        cap_day = draw(st.none() | st.integers(0, 2))
        by_day = {(BASE + timedelta(days=k)).date(): draw(st.integers(0, 2)) for k in range(-1, 10)}
        people.append(
            Person(
                id=pid(n + 1),
                name=f"P{n + 1}",
                time_zone=zone,
                working_hours=hours,
                busy=busy,
                cap_per_day=cap_day,
                interviews_by_day=by_day,
            )
        )
    pool = [p.id for p in people]
    required = draw(st.integers(1, len(pool)))
    minutes = draw(st.sampled_from((30, 45, 60, 90)))
    start = BASE + timedelta(hours=draw(st.integers(0, 48)))
    end = start + timedelta(days=draw(st.integers(1, 6)))
    windows = None
    if draw(st.booleans()):
        w = start + timedelta(hours=draw(st.integers(0, 100)))
        windows = [(w, w + timedelta(hours=draw(st.integers(1, 30))))]
    request = SlotRequest(
        stages=[Stage("only", minutes, pool, required)],
        range_start=start,
        range_end=end,
        earliest=start + timedelta(minutes=draw(st.integers(0, 60 * 30))),
        buffer_before_minutes=draw(st.sampled_from((0, 10, 15))),
        buffer_after_minutes=draw(st.sampled_from((0, 5, 30))),
        candidate_windows=windows,
        limit=5,
    )
    return request, people


def _brute_force_fits(request: SlotRequest, people: Sequence[Person]) -> bool:
    stage = request.stages[0]
    step = timedelta(minutes=request.granularity_minutes)
    t = max(request.range_start, request.earliest)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    if (t - epoch) % step:
        t += step - (t - epoch) % step
    duration = timedelta(minutes=stage.duration_minutes)
    while t + duration <= request.range_end:
        end = t + duration
        in_window = request.candidate_windows is None or any(
            ws <= t and end <= we for ws, we in request.candidate_windows
        )
        if in_window:
            free = 0
            for p in people:
                day = local(t, p.time_zone).date()
                capped = (
                    p.cap_per_day is not None and p.interviews_by_day.get(day, 0) >= p.cap_per_day
                )
                if (
                    not capped
                    and _inside_hours(p, t, end)
                    and not _busy_clash(
                        p, t, end, request.buffer_before_minutes, request.buffer_after_minutes
                    )
                ):
                    free += 1
            if free >= stage.required:
                return True
        t += step
    return False


@hyp_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenarios())
def test_property_answers_are_feasible_and_complete(
    scenario: tuple[SlotRequest, list[Person]],
) -> None:
    request, people = scenario
    result = solve(request, people)
    assert bool(result.suggestions) == _brute_force_fits(request, people)


def test_suggestion_start_and_end_span_the_panel() -> None:
    ada = person(1, "Ada")
    stages = [Stage("a", 30, [ada.id]), Stage("b", 45, [ada.id])]
    result = solve(ask(stages, MON, TUE), [ada])
    s: Suggestion = result.suggestions[0]
    assert s.start == s.stages[0].start
    assert s.end == s.stages[-1].end
    assert s.end - s.start == timedelta(minutes=75)
