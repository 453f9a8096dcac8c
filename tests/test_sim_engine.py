"""Process semantics of docs/study-format.md, checked on simulated logs."""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from simulation.engine import SimOutput, simulate_days
from simulation.experiments import set_parameter
from simulation.floorplan import distance_table
from simulation.model import Study, load_study
from simulation.queueing import mmc_study
from simulation.routing import ScenarioPlan

DAYS = [dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)]


def multi_server_fifo(
    ready: Sequence[float], work: Sequence[float], servers: int
) -> tuple[list[int], list[float], list[float]]:
    """FIFO queue with ``servers`` identical servers, jobs in the given order: server, start, end.

    The oracle for ``simulation.entities.StaffPool`` (the same assignment: a job goes to the server free
    the earliest, lowest number on ties). Returns the server of each job, its start and end.
    """
    free = [(0.0, k) for k in range(max(servers, 1))]
    replace = heapq.heapreplace
    who: list[int] = []
    starts: list[float] = []
    ends: list[float] = []
    for t, w in zip(ready, work, strict=True):
        at, k = free[0]
        start = t if t > at else at
        end = start + w
        replace(free, (end, k))
        who.append(k)
        starts.append(start)
        ends.append(end)
    return who, starts, ends


@pytest.fixture(scope="module")
def study(sample_dir: Path) -> Study:
    return load_study(sample_dir / "study.toml")


@pytest.fixture(scope="module")
def as_is(study: Study) -> SimOutput:
    return simulate_days(study, "as_is", days=DAYS, replication=0, seed=7)


@pytest.fixture(scope="module")
def reform(study: Study) -> SimOutput:
    return simulate_days(study, "reform", days=DAYS, replication=0, seed=7)


def _minutes(col: str, day_of: str | None = None) -> pl.Expr:
    """Minutes after midnight of ``day_of`` (default: of the column itself)."""
    return (pl.col(col) - pl.col(day_of or col).dt.truncate("1d")).dt.total_seconds() / 60.0


def test_ticket_times_and_outcomes_are_consistent(as_is: SimOutput, reform: SimOutput) -> None:
    for out in (as_is, reform):
        log = out.log
        served = log.filter(pl.col("outcome") == "served")
        assert (served["called_at"] >= served["issued_at"]).all()
        assert (served["ended_at"] > served["called_at"]).all()
        no_show = log.filter(pl.col("outcome") == "no_show")
        assert no_show.height > 0 and (no_show["ended_at"] == no_show["called_at"]).all()
        abandoned = log.filter(pl.col("outcome") == "abandoned")
        assert abandoned["called_at"].null_count() == abandoned.height
        assert abandoned["ended_at"].null_count() == abandoned.height
        assert abandoned["staff_id"].null_count() == abandoned.height


def test_hall_closes_but_everyone_holding_a_ticket_is_served(
    study: Study, as_is: SimOutput
) -> None:
    close = study.arrivals.close_min
    first = as_is.log.group_by("visit_id").agg(pl.col("issued_at").min().alias("first"))
    arrivals = as_is.visits.select(_minutes("arrived_at").alias("m"))["m"]
    assert arrivals.max() < close and arrivals.min() >= study.arrivals.open_min
    # nobody is left waiting: every ticket is served, a no-show or abandoned (never open)
    assert as_is.log["outcome"].is_in(["served", "no_show", "abandoned"]).all()
    late = as_is.log.filter(_minutes("ended_at") > close)
    assert late.height > 0  # services after closing time do happen on busy days
    assert (
        first.height == as_is.visits.height - as_is.visits.filter(pl.col("procedures") == 0).height
    )


def test_lunch_rotation_at_most_half_away(study: Study, as_is: SimOutput) -> None:
    lunches = as_is.staff_log.filter(pl.col("activity") == "lunch")
    scenario = study.scenario("as_is")
    for counter in scenario.counters:
        rows = lunches.filter(pl.col("counter_id") == counter.id)
        assert lunches is not None and counter.lunch is not None
        # everybody on duty over the lunch window eats once a day, for `minutes`
        assert rows.height == counter.staff * len(DAYS)
        assert np.allclose(rows["minutes"].to_numpy(), counter.lunch.minutes)
        limit = math.ceil(counter.staff / 2)
        for _, day in rows.group_by(pl.col("start").dt.date()):
            starts = day.select(_minutes("start"))["start"].to_numpy()
            ends = day.select(_minutes("end"))["end"].to_numpy()
            for t in np.concatenate([starts, ends - 1e-6]):
                away = int(((starts <= t) & (t < ends)).sum())
                assert away <= limit, (counter.id, t, away)
            assert starts.min() >= counter.lunch.start_min


def test_no_service_interrupted_by_lunch(as_is: SimOutput) -> None:
    staff = as_is.staff_log.filter(pl.col("activity").is_in(["serve", "lunch"])).sort(
        "staff_id", "start"
    )
    for _, rows in staff.group_by("staff_id"):
        start, end = rows["start"].to_numpy(), rows["end"].to_numpy()
        assert (start[1:] >= end[:-1]).all()  # one activity at a time per member of staff


def test_one_stop_flow_writes_no_forms_and_triages_everyone(
    study: Study, reform: SimOutput
) -> None:
    log = reform.log
    one_stop_ids = [c.id for c in study.scenario("reform").one_stop_counters]
    at_one_stop = log.filter(pl.col("counter_id").is_in(one_stop_ids))
    assert at_one_stop.height > 0 and (at_one_stop["forms_written"] == 0).all()
    assert (at_one_stop["writing_min"] == 0).all()
    triage = reform.staff_log.filter(pl.col("activity") == "triage")
    assert triage.height == reform.visits.height
    assert np.allclose(
        triage["minutes"].to_numpy(), study.scenario("reform").floor_manager.triage_min
    )
    # at most one one-stop ticket per visit
    assert (
        log.filter(pl.col("counter_id").is_in(one_stop_ids)).group_by("visit_id").len()["len"].max()
        == 1
    )


def test_back_office_minutes_follow_rpa(study: Study, reform: SimOutput) -> None:
    served = reform.log.filter(pl.col("outcome") == "served")
    by_proc = {p.id: p.back_office_min * (1 - p.rpa_share) for p in study.procedures}
    back = reform.staff_log.filter(pl.col("activity") == "back_office")["minutes"].sum()
    # each served ticket's back-office minutes are the sum over its procedures: at least those
    # of the procedure named on the ticket
    lower = sum(by_proc[p] for p in served["procedure_id"].to_list())
    assert back >= lower - 1e-6
    assert back <= lower * 3


def test_walking_follows_the_floor(study: Study, as_is: SimOutput) -> None:
    scenario = study.scenario("as_is")
    plan = ScenarioPlan(study, scenario)
    floor = scenario.floor
    first = as_is.log.sort("issued_at").group_by("visit_id", maintain_order=True).first()
    row = first.filter((pl.col("counter_id") == "A03") & (pl.col("forms_written") > 0)).row(
        0, named=True
    )
    table = distance_table(study, "as_is")  # the sample walks on its grid paper
    desk = min(floor.desks, key=lambda d: table.metres("ENT", d.id))
    expected = (
        table.metres("ENT", desk.id) + table.metres(desk.id, "TKT") + table.metres("TKT", "A03")
    )
    assert row["walking_m"] == pytest.approx(expected)
    assert plan.walk_to_ticket[0][1] + plan.ticket_to_counter[2] == pytest.approx(expected)


def test_balking_at_the_queue_limit() -> None:
    study = set_parameter(mmc_study(1.2, 1.0, 1), "scenarios.base.behaviour.balk_queue", 3)
    out = simulate_days(study, "base", days=[dt.date(2025, 1, 6)], replication=0, seed=1)
    log = out.log.with_columns(i=_minutes("issued_at"), c=_minutes("called_at", "issued_at"))
    called = np.sort(log["c"].drop_nulls().to_numpy())
    issued_called = np.sort(log.filter(pl.col("c").is_not_null())["i"].to_numpy())
    balked = log.filter(pl.col("abandon_reason") == "balked")
    assert balked.height > 50

    def waiting_at(t: float) -> int:  # tickets issued before t and not yet called
        return int(
            np.searchsorted(issued_called, t, side="left")
            - np.searchsorted(called, t, side="right")
        )

    # a resident balks when 3 or more are waiting (whole-second rounding can hide one call)
    seen = np.array([waiting_at(t) for t in balked["i"].to_numpy()])
    assert (seen >= 2).all() and (seen >= 3).mean() > 0.95
    # and nobody is ever seen waiting behind 3 others when taking a ticket that gets called
    joined = np.array([waiting_at(t) for t in issued_called])
    assert joined.max() <= 3


def test_reneging_and_omissions(study: Study) -> None:
    busy = set_parameter(study, "scenarios.as_is.behaviour.patience_mean_min", 10.0)
    busy = set_parameter(busy, "scenarios.as_is.omission_rate", 0.3)
    days = [dt.date(2026, 3, 2) + dt.timedelta(days=k) for k in range(5)]  # Mon..Fri
    out = simulate_days(busy, "as_is", days=days, replication=0, seed=2)
    base = simulate_days(study, "as_is", days=days, replication=0, seed=2)
    share = out.log.filter(pl.col("outcome") == "abandoned").height / out.log.height
    assert share > 2 * base.log.filter(pl.col("outcome") == "abandoned").height / base.log.height
    # omissions: return visits on later days, one procedure each, ≈ 30 % of earlier days' visits
    returns = out.visits.filter(pl.col("return_visit"))
    assert (returns["procedures"] == 1).all()
    assert returns["arrived_at"].dt.date().min() > days[0]
    first_day = out.visits.filter(pl.col("arrived_at").dt.date() == days[0]).height
    on_friday = returns.filter(pl.col("arrived_at").dt.date() == days[4]).height
    # Friday receives the returns of Mon..Thu with 1..4 working days of delay ≈ 0.3 × 4/5 × a day
    assert 0.1 * first_day < on_friday < 0.5 * first_day


def test_shift_gap_and_late_shift_servers() -> None:
    """Two shifts back to back and a counter whose last shift ends before closing still serve all."""
    study = mmc_study(0.5, 1.0, 2)
    study.arrivals.close = "22:00"  # closing before midnight: the recalled clerk has time
    study.arrivals.hour_profile = [1.0 / 22.0] * 22
    counter = study.scenarios[0].counters[0]
    from simulation.model import Shift

    counter.shifts = [
        Shift(start="00:00", end="12:00", staff=2),
        Shift(start="12:00", end="21:00", staff=1),
    ]
    out = simulate_days(study, "base", days=[dt.date(2025, 1, 6)], replication=0, seed=4)
    assert (out.log["outcome"] == "served").all()
    afternoon = out.log.filter(_minutes("called_at") >= 12 * 60 + 30)
    # in the afternoon only one member of staff works (plus overtime recall after closing)
    assert afternoon.filter(_minutes("called_at") < 21 * 60)["staff_id"].n_unique() == 1


def test_grid_paper_floor_changes_walking_not_residents(study: Study, sample_dir: Path) -> None:
    """With the grid-paper floor (walls), walks are longer than straight lines; residents are the same."""
    gridded = study.model_copy(deep=True)
    gridded.scenario("as_is").floor.grid_xlsx = "floors.xlsx"
    gridded.with_source(sample_dir / "study.toml")
    lines = study.model_copy(deep=True)
    lines.scenario("as_is").floor.grid_xlsx = ""  # the sample without its grid paper
    day = DAYS[:1]
    straight = simulate_days(lines, "as_is", days=day, replication=0, seed=8)
    walls = simulate_days(gridded, "as_is", days=day, replication=0, seed=8)
    assert walls.visits["arrived_at"].equals(straight.visits["arrived_at"])
    assert walls.log["walking_m"].mean() > straight.log["walking_m"].mean()


def test_multi_server_fifo_takes_the_server_free_first() -> None:
    """FIFO with identical servers: the earliest free server (lowest number on ties) takes a job."""
    who, starts, ends = multi_server_fifo([0.0, 0.0, 0.0, 1.0, 9.0], [5.0, 2.0, 1.0, 1.0, 1.0], 2)
    assert who == [0, 1, 1, 1, 1]
    assert starts == [0.0, 0.0, 2.0, 3.0, 9.0]
    assert ends == [5.0, 2.0, 3.0, 4.0, 10.0]


def test_triage_and_back_office_are_simpy_jobs_that_follow_the_fifo_oracle(
    study: Study, reform: SimOutput
) -> None:
    """The floor managers' triage runs as SimPy events of the day and gives the schedule the
    paper recursion multi_server_fifo works out for the arrivals; the back office serves each
    served ticket's papers, one job at a time per member, never before the service ended."""
    fm = study.scenario("reform").floor_manager
    assert fm is not None
    day = DAYS[0]
    visits = reform.visits.filter(pl.col("arrived_at").dt.date() == day)
    with_tickets = reform.log.select("visit_id").unique()
    arrivals = (
        visits.join(with_tickets, on="visit_id")
        .with_columns(m=_minutes("arrived_at"))
        .sort("m", "visit_id")["m"]
        .to_list()
    )
    who, starts, ends = multi_server_fifo(arrivals, [fm.triage_min] * len(arrivals), fm.staff)
    triage = (
        reform.staff_log.filter(
            (pl.col("activity") == "triage") & (pl.col("start").dt.date() == day)
        )
        .with_columns(s=_minutes("start"), e=_minutes("end"))
        .sort("s", "staff_id")
    )
    assert triage.height == len(arrivals) > 100
    # the log keeps whole seconds: starts and ends agree to a second (which member of staff
    # takes a job when two are free can differ after rounding the arrival times)
    assert np.abs(np.sort(triage["s"].to_numpy()) - np.sort(starts)).max() <= 1.5 / 60
    assert np.abs(np.sort(triage["e"].to_numpy()) - np.sort(ends)).max() <= 1.5 / 60
    assert set(triage["staff_id"]) == {f"FM-{k + 1}" for k in set(who)}
    busy = triage.sort("staff_id", "s").with_columns(prev=pl.col("e").shift(1).over("staff_id"))
    assert busy.filter(pl.col("prev") > pl.col("s") + 1e-6).height == 0
    # back office: one row per served ticket with papers, members never do two jobs at once
    office = reform.staff_log.filter(pl.col("activity") == "back_office").sort("staff_id", "start")
    assert office.height > 100
    overlap = office.with_columns(prev_end=pl.col("end").shift(1).over("staff_id")).filter(
        pl.col("prev_end") > pl.col("start")
    )
    assert overlap.height == 0
    first_end = reform.log.filter(pl.col("outcome") == "served")["ended_at"].min()
    assert office["start"].min() >= first_end


def test_staff_log_order_matches_a_four_key_sort() -> None:
    """The packed sort key orders the staff log as (day, start, staff, activity), stably."""
    from simulation.engine import _staff_order

    rng = np.random.default_rng(3)
    n = 5_000
    staff = {
        "day": rng.integers(739_000, 739_010, n).astype(np.int32),
        "start": rng.integers(30_000, 31_000, n),
        "server": rng.integers(0, 40, n).astype(np.int32),
        "kind": rng.integers(0, 4, n).astype(np.int8),
    }
    expected = np.lexsort((staff["kind"], staff["server"], staff["start"], staff["day"]))
    assert (_staff_order(staff) == expected).all()
    wide = {**staff, "start": staff["start"] * (1 << 40)}  # too wide to pack: plain lexsort
    expected = np.lexsort((wide["kind"], wide["server"], wide["start"], wide["day"]))
    assert (_staff_order(wide) == expected).all()


def test_a_played_day_is_freed_by_reference_counting(study: Study) -> None:
    """Hall.release breaks the day's cycles: the hall dies as soon as the day is over.

    A weak reference to the hall is dead right after ``play`` returns, with the cyclic
    collector off for that one call: nothing here depends on other garbage in the process.
    """
    import gc

    from simulation.arrivals import draw_day
    from simulation.engine import _compiled, _max_slots, _ScenarioRun

    model, plans = _compiled(study, study.scenario_ids, None)
    runs = [
        _ScenarioRun(study, study.scenario(sid), model, *plans[sid]) for sid in study.scenario_ids
    ]
    pop = draw_day(study, DAYS[0], replication=0, seed=11, model=model, slots=_max_slots(study))
    for run in runs:
        enabled = gc.isenabled()
        gc.disable()
        try:
            hall = run.play(pop)
            assert hall() is None
        finally:
            if enabled:
                gc.enable()
