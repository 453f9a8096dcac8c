"""The staffing planner: Erlang C on one counter, the planned study, the verification columns."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from journeys import kpi_registry
from madoguchi.cli import main
from simulation.model import load_study, study_from_dict
from simulation.planner import (
    Block,
    PlanTarget,
    blocks_of_day,
    erlang_c_staff,
    levels_to_shifts,
    plan_staffing,
    planned_study,
)
from simulation.queueing import (
    erlang_c_probability,
    erlang_c_service_level,
    mmc_day_study,
    square_root_staffing,
)
from simulation.study_io import dump_study, study_to_dict

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "study.toml"


def one_counter_study(lam_per_min: float, mean_service_min: float, staff: int) -> dict[str, Any]:
    """The M/M/c hall open 09:00–13:00 (:func:`mmc_day_study`) as plain data, to edit."""
    return study_to_dict(mmc_day_study(lam_per_min, mean_service_min, staff))


def test_erlang_c_formulas_match_hand_values() -> None:
    # M/M/1 with ρ = 0.5: P(wait) = ρ; P(W ≤ t) = 1 − ρ e^{−(μ−λ)t}
    assert erlang_c_probability(0.5, 1.0, 1) == pytest.approx(0.5)
    assert erlang_c_service_level(0.5, 1.0, 1, 2.0) == pytest.approx(1 - 0.5 * math.exp(-1.0))
    # M/M/2 with a = 1: C = 1/3 (textbook)
    assert erlang_c_probability(1.0, 1.0, 2) == pytest.approx(1 / 3)
    assert erlang_c_service_level(3.0, 1.0, 2, 1.0) == 0.0  # overloaded
    # the square-root rule is close to the exact Erlang C answer
    for lam in (0.5, 2.0, 8.0):
        exact = erlang_c_staff(lam, 5.0, PlanTarget(within_min=2.0, share=0.8))
        rule = square_root_staffing(lam, 1 / 5.0, 0.8, 2.0)
        assert abs(rule - exact) <= 1, (lam, rule, exact)


def test_levels_become_shifts_that_reproduce_them() -> None:
    blocks = [Block(540, 600), Block(600, 660), Block(660, 720), Block(720, 780)]
    shifts = levels_to_shifts([1, 3, 2, 1], blocks)
    assert [(s.start, s.end, s.staff) for s in shifts] == [
        ("09:00", "13:00", 1),
        ("10:00", "11:00", 1),
        ("10:00", "12:00", 1),
    ]
    study = mmc_day_study(0.4, 5.0, 2)
    counter = (
        planned_study(study, "copy", {"C1": [1, 3, 2, 1]}, blocks).scenario("copy").counter("C1")
    )
    assert [counter.staff_at(b.start_min) for b in blocks] == [1, 3, 2, 1]
    assert counter.staff == 3


def test_one_counter_plan_is_the_erlang_c_staffing_within_one() -> None:
    lam, mean = 0.6, 5.0  # offered load 3 Erlang
    target = PlanTarget(within_min=2.0, share=0.8)
    study = mmc_day_study(lam, mean, 3)
    expected = erlang_c_staff(lam, mean, target)
    plan = plan_staffing(
        study, "copy", [dt.date(2025, 1, 7)], target=target, replications=8, seed=11
    )
    levels = plan.levels["C1"]
    assert len(levels) == len(blocks_of_day(study)) == 4
    # the first block starts empty (no queue yet), so it may need one server fewer
    assert all(abs(n - expected) <= 1 for n in levels), (levels, expected)
    assert plan.table["meets_target"].all()
    # new residents (another seed): the service level still reaches the share, and one server
    # fewer in any block misses the target
    assert plan.table["verify_service_level_all_tickets"].min() >= target.share - 0.05
    assert plan.table["one_fewer_misses"].all()
    # the re-simulation is judged like the search: by the lower end of the interval
    verify = plan.table.select("verify_sl_low", "verify_meets").rows()
    assert all(meets == (low is not None and low >= target.share - 1e-12) for low, meets in verify)
    assert plan.planned_staff_hours == pytest.approx(sum(levels))
    # the other scenario keeps its staffing
    assert plan.study.scenario("base") == study.scenario("base")


def test_plan_command_writes_a_valid_study_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, table = tmp_path / "planned.toml", tmp_path / "plan.csv"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "plan",
                str(SAMPLE),
                "--scenario",
                "reform",
                "--date",
                "2026-03-02",
                "--replications",
                "2",
                "--within",
                "30",
                "--share",
                "0.8",
                "--out",
                str(out),
                "--table",
                str(table),
            ]
        )
    assert done.value.code == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "95% interval over 2 replications of 2026-03-02" in said  # the basis of the intervals
    planned = load_study(out)  # passes every check
    frame = pl.read_csv(table)
    reform = planned.scenario("reform")
    assert frame["counter_id"].unique().sort().to_list() == sorted(c.id for c in reform.counters)
    for cid, block, staff in frame.select("counter_id", "block", "staff").iter_rows():
        start = planned.arrivals.open_min + 60 * block
        assert reform.counter(cid).staff_at(start) == staff
    original = load_study(SAMPLE).scenario("as_is")
    assert planned.scenario("as_is").counters == original.counters
    # the floors' grid-paper workbook is named relative to the planned study's folder
    assert (
        planned.scenario("as_is").floor.grid_xlsx.startswith("../") or not original.floor.grid_xlsx
    )
    assert {"sl_low", "sl_high", "utilisation", "verify_meets", "one_fewer_misses"} <= set(
        frame.columns
    )
    # the plan's service level is the registry's service_level_all_tickets (abandoned tickets
    # count as missed), never a column named like the registry's service_level
    assert "service_level_all_tickets" in frame.columns and "service_level" not in frame.columns
    assert kpi_registry.kpi("service_level_all_tickets").share
    assert "missed_because" in frame.columns


def test_plan_refuses_a_closed_day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as done:
        main(["plan", str(SAMPLE), "--date", "2026-03-29", "--out", str(tmp_path / "p.toml")])
    assert done.value.code == 2
    assert "closed on 2026-03-29" in capsys.readouterr().err


def test_plan_respects_min_and_max_staff() -> None:
    data = one_counter_study(0.6, 5.0, 3)
    for scenario in data["scenarios"]:
        scenario["counters"][0].update(min_staff=2, max_staff=4)
    study = study_from_dict(data)
    target = PlanTarget(within_min=2.0, share=0.8)  # Erlang C wants 5 servers
    plan = plan_staffing(
        study, "copy", [dt.date(2025, 1, 7)], target=target, replications=3, seed=2
    )
    assert all(2 <= n <= 4 for n in plan.levels["C1"])
    assert not plan.table["meets_target"].all()
    # every block below the target says why, in the table and in the notes
    missed = plan.table.filter(~pl.col("meets_target"))
    assert missed["missed_because"].is_in(["max_staff", "more_staff_did_not_help"]).all()
    assert plan.table.filter(pl.col("meets_target"))["missed_because"].is_null().all()
    at_max = missed.filter(pl.col("missed_because") == "max_staff")
    assert at_max.height > 0 and (at_max["staff"] == 4).all()
    for cid, hours in at_max.select("counter_id", "hours").iter_rows():
        assert any(
            n.startswith(f"{cid} {hours}: misses the target at max_staff") for n in plan.notes
        )


def test_max_below_min_staff_is_a_study_problem() -> None:
    from simulation.model import StudyError

    data = one_counter_study(0.6, 5.0, 3)
    data["scenarios"][0]["counters"][0].update(min_staff=3, max_staff=2)
    with pytest.raises(StudyError, match="max_staff"):
        study_from_dict(data)


def test_a_range_is_planned_per_kind_of_day(tmp_path: Path) -> None:
    data = one_counter_study(0.3, 5.0, 2)
    data["arrivals"]["holidays"] = ["2025-01-08"]
    study_path = dump_study(study_from_dict(data), tmp_path / "hall.toml")
    out, table = tmp_path / "planned.toml", tmp_path / "plan.csv"
    args = ["plan", str(study_path), "--scenario", "copy", "--from", "2025-01-06"]
    args += ["--to", "2025-01-14", "--replications", "2", "--within", "5", "--share", "0.8"]
    with pytest.raises(SystemExit) as done:
        main([*args, "--out", str(out), "--table", str(table)])
    assert done.value.code == 0
    planned = load_study(out)
    kinds = ["01-fri", "01-mon", "01-thu-after-holiday", "01-tue"]
    assert planned.scenario_ids == ["base", "copy", *(f"copy_{k}" for k in kinds)]
    frame = pl.read_csv(table)
    assert frame["kind"].unique().sort().to_list() == kinds
    days = dict(frame.select("kind", "days").unique().iter_rows())
    assert (
        days["01-mon"] == "2025-01-06 2025-01-13" and days["01-thu-after-holiday"] == "2025-01-09"
    )
    for kind in kinds:
        counter = planned.scenario(f"copy_{kind}").counter("C1")
        rows = frame.filter(pl.col("kind") == kind).sort("block")
        assert [counter.staff_at(540 + 60 * b) for b in rows["block"]] == rows["staff"].to_list()


def test_same_seed_same_plan() -> None:
    study = mmc_day_study(0.5, 5.0, 3)
    target = PlanTarget(within_min=2.0, share=0.8)
    runs = [
        plan_staffing(study, "copy", [dt.date(2025, 1, 7)], target=target, replications=2, seed=9)
        for _ in range(2)
    ]
    assert runs[0].table.equals(runs[1].table, null_equal=True)
    assert runs[0].levels == runs[1].levels


def test_the_plans_service_level_counts_abandoned_tickets_and_the_registrys_does_not() -> None:
    from journeys.metrics import kpis
    from simulation.planner import SERVICE_LEVEL, cell_stats

    day = dt.datetime(2025, 1, 7, 9, 0)
    rows = []
    for rep in (0, 1):
        # 2 called within 15 min, 1 called after 20 min, 1 abandoned after 30 min of waiting
        for k, (called, outcome) in enumerate(
            [(5, "served"), (10, "served"), (20, "served"), (None, "abandoned")]
        ):
            issued = day + dt.timedelta(minutes=k)
            call = None if called is None else issued + dt.timedelta(minutes=called)
            rows.append(
                {
                    "visit_id": f"v{rep}-{k}",
                    "ticket_id": f"t{rep}-{k}",
                    "counter_id": "C1",
                    "issued_at": issued,
                    "called_at": call,
                    "ended_at": None if call is None else call + dt.timedelta(minutes=3),
                    "outcome": outcome,
                    "replication": rep,
                }
            )
    log = pl.DataFrame(rows)
    staff_log = pl.DataFrame(
        schema={
            "counter_id": pl.String,
            "activity": pl.String,
            "start": pl.Datetime,
            "end": pl.Datetime,
        }
    )
    target = PlanTarget(within_min=15.0, share=0.9)
    cells = cell_stats(
        log, staff_log, {"C1": [1]}, [Block(540, 600)], days=1, replications=2, target=target
    )
    row = cells.table.row(0, named=True)
    assert row[SERVICE_LEVEL] == pytest.approx(2 / 4)  # the abandoned ticket counts as missed
    assert kpis(log.filter(pl.col("replication") == 0))["service_level"] == pytest.approx(2 / 3)
    assert row["tickets_per_day"] == 4.0


def test_a_blocks_utilisation_counts_lunch_out_and_overtime_in() -> None:
    from simulation.planner import cell_stats

    day = dt.datetime(2025, 1, 7)

    def at(minute: float) -> dt.datetime:
        return day + dt.timedelta(minutes=minute)

    # block 16:00–17:00 with 2 planned clerks (120 min): one lunches 16:00–16:30 (−30 min);
    # a third clerk whose shift ended at 16:00 serves until 16:20 (overtime +20 min);
    # serving: clerk A 16:30–17:00 (30), clerk B 16:00–17:00 (60), clerk C 16:00–16:20 (20)
    rows = [
        ("C1", "lunch", 960, 990),
        ("C1", "serve", 990, 1020),
        ("C1", "serve", 960, 1020),
        ("C1", "overtime", 960, 980),
        ("C1", "serve", 960, 980),
    ]
    staff_log = pl.DataFrame(
        [(c, a, at(s), at(e)) for c, a, s, e in rows],
        schema={"counter_id": pl.String, "activity": pl.String, "start": pl.Datetime,
                "end": pl.Datetime},
        orient="row",
    )  # fmt: skip
    log = pl.DataFrame(
        schema={"visit_id": pl.String, "counter_id": pl.String, "issued_at": pl.Datetime,
                "called_at": pl.Datetime, "outcome": pl.String, "replication": pl.Int64},
    )  # fmt: skip
    target = PlanTarget(within_min=15.0, share=0.9)
    cells = cell_stats(
        log, staff_log, {"C1": [2]}, [Block(960, 1020)], days=1, replications=1, target=target
    )
    # (30 + 60 + 20) ÷ (120 − 30 + 20) = 110 / 110: busy all the time on duty, never above 1
    assert cells.table.row(0, named=True)["utilisation"] == pytest.approx(1.0)
