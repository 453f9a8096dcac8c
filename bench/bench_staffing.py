"""Benchmark: the staffing planner against the textbook rule of thumb (not a test).

On the sample's busiest day (2026-03-30, reform scenario) both staffings are simulated on the
same residents (common random numbers): the square-root staffing rule per counter and hour
(Erlang C / Halfin–Whitt, c = ⌈a + β√a⌉, from the same arrival rates and mean service times
the planner starts from) and the plan of ``madoguchi plan``. It prints the staff-hours of each,
the share of counter-hour blocks that meet the target (lower end of the 95 % interval of the
service level ``service_level_all_tickets`` ≥ the share) and the service level of the whole day. Lunch waves (half of the
servers on duty at 11:30 are away for an hour), walking between counters and routing to the
shortest queue are in the simulation and not in the rule: that is why the two differ.

Run: ``.venv/bin/python bench/bench_staffing.py [--replications 5] [--date 2026-03-30]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from journeys.paths import sample_file
from simulation.model import load_study
from simulation.planner import (
    SERVICE_LEVEL,
    PlanTarget,
    blocks_of_day,
    evaluate_staffing,
    overall_service_level,
    plan_staffing,
    staff_hours,
    textbook_staffing,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--date", default="2026-03-30")
    parser.add_argument("--scenario", default="reform")
    args = parser.parse_args()
    study = load_study(sample_file("study.toml"))
    day = [dt.date.fromisoformat(args.date)]
    target = PlanTarget(within_min=15.0, share=0.9)
    blocks = blocks_of_day(study)
    start = time.perf_counter()
    plan = plan_staffing(
        study, args.scenario, day, target=target, replications=args.replications, seed=args.seed
    )
    planned_s = time.perf_counter() - start
    print(f"{args.scenario} on {args.date}, target 90 % within 15 min, {args.replications} reps")
    print(f"{'staffing':<28}{'staff-hours':>12}{'blocks meeting':>16}{'day service level':>19}")
    now = evaluate_staffing(
        study, args.scenario, day, target=target, replications=args.replications, seed=args.seed
    )
    met_now = sum(now.meets(target).values())
    print(
        f"{'study as it is':<28}{plan.current_staff_hours:>12.1f}"
        f"{f'{met_now} of {len(now.table)}':>16}{overall_service_level(now):>19.3f}"
    )
    for rule in ("square_root", "erlang_c"):
        levels, cells = textbook_staffing(
            study,
            args.scenario,
            day,
            target=target,
            replications=args.replications,
            seed=args.seed,
            rule=rule,
        )
        met = sum(cells.meets(target).values())
        label = (
            "square-root rule per hour" if rule == "square_root" else "Erlang C per hour (exact)"
        )
        print(
            f"{label:<28}{staff_hours(levels, blocks):>12.1f}"
            f"{f'{met} of {len(cells.table)}':>16}{overall_service_level(cells):>19.3f}"
        )
    met = int(plan.table["meets_target"].sum())
    level = float(
        (plan.table[SERVICE_LEVEL] * plan.table["tickets_per_day"]).sum()
        / plan.table["tickets_per_day"].sum()
    )
    print(
        f"{'madoguchi plan':<28}{plan.planned_staff_hours:>12.1f}"
        f"{f'{met} of {plan.table.height}':>16}{level:>19.3f}"
    )
    print(f"planner: {plan.evaluations} simulations in {planned_s:.1f} s")


if __name__ == "__main__":
    main()
