"""Reference queueing models to validate the engine: an M/M/c study and its Erlang C wait.

A study with one counter of c staff, exponential service, constant Poisson arrivals over a 24-hour
day and nothing else (no walking, forms, lunch, balking, reneging, no-shows or omissions) makes the
engine an M/M/c queue, whose mean wait is known exactly (Erlang C). Tests and benchmarks use it.
"""

from __future__ import annotations

import math
from typing import Any

from scipy import stats

from simulation.model import Study, study_from_dict

__all__ = [
    "erlang_c_probability",
    "erlang_c_service_level",
    "erlang_c_wait",
    "mmc_day_study",
    "mmc_study",
    "square_root_staffing",
]


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue W_q of an M/M/c queue (Erlang C), in the time unit of λ and μ."""
    a = lam / mu
    rho = a / c
    assert rho < 1
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / (math.factorial(c) * (1 - rho))
    p_wait = tail / (head + tail)
    return p_wait / (c * mu - lam)


def mmc_study(lam_per_min: float, mean_service_min: float, servers: int) -> Study:
    """A 24-hour hall with one counter of ``servers`` staff, exponential service, Poisson arrivals.

    No walking (everything at one point), no forms, no lunch, no balking, no reneging, no
    no-shows, no omissions: the counter is an M/M/c queue.
    """
    point = {"x": 0.0, "y": 0.0, "floor": 1}

    def scenario(sid: str) -> dict[str, Any]:
        return {
            "id": sid,
            "flow": "by_department",
            "walking_speed_m_per_min": 60.0,
            "floor_change_m": 0.0,
            "omission_rate": 0.0,
            "no_show_rate": 0.0,
            "rpa": False,
            "behaviour": {"balk_queue": 1_000_000, "patience_mean_min": math.inf},
            "floor": {"entrance": point, "ticket_machine": point, "desks": []},
            "counters": [
                {
                    "id": "C1",
                    "zone": "dept",
                    "kind": "department",
                    "x": 0.0,
                    "y": 0.0,
                    "floor": 1,
                    "procedures": ["p"],
                    "staff": servers,
                    "shifts": [{"start": "00:00", "end": "24:00", "staff": servers}],
                }
            ],
        }

    data = {
        "study": {"id": "mmc", "residents": 1000, "start_date": "2025-01-06"},
        "departments": [{"id": "dept"}],
        "procedures": [
            {
                "id": "p",
                "department": "dept",
                "service": {"by_department": {"dist": "exponential", "mean": mean_service_min}},
            }
        ],
        "life_events": [{"id": "e", "share": 1.0, "procedures": {"p": 1.0}}],
        "arrivals": {
            "residents_per_day": lam_per_min * 1440.0,
            "open": "00:00",
            "close": "24:00",
            "hour_profile": [1.0 / 24.0] * 24,
            "weekday_factor": [1.0] * 5,
            "month_factor": [1.0] * 12,
        },
        "scenarios": [scenario("base"), scenario("copy")],
    }
    return study_from_dict(data)


def erlang_c_probability(lam: float, mu: float, c: int) -> float:
    """Probability that an arrival waits in an M/M/c queue (Erlang C; 1 when ρ ≥ 1).

    Computed through the Erlang B recursion, which stays stable for large c.
    """
    a = lam / mu
    if c <= 0 or a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def erlang_c_service_level(lam: float, mu: float, c: int, within: float) -> float:
    """Share of arrivals of an M/M/c queue whose wait is at most ``within`` (0 when ρ ≥ 1).

    P(W ≤ t) = 1 − C(c, a) · exp(−(cμ − λ) t), with λ, μ and t in the same time unit.
    """
    if lam <= 0:
        return 1.0
    if lam >= c * mu:
        return 0.0
    return 1.0 - erlang_c_probability(lam, mu, c) * math.exp(-(c * mu - lam) * within)


def square_root_staffing(lam: float, mu: float, share: float, within: float) -> int:
    """The square-root staffing rule c = ⌈a + β√a⌉ for a service-level target (Halfin–Whitt).

    a = λ/μ is the offered load; β is the smallest safety factor whose Halfin–Whitt
    approximation of the waiting probability, α(β) = 1 / (1 + β Φ(β) / φ(β)), times
    exp(−β √a μ t) is at most 1 − ``share`` (the approximate P(W > t)). At least one server.
    """
    a = lam / mu
    if a <= 0:
        return 1
    root = math.sqrt(a)

    def late(beta: float) -> float:
        alpha = 1.0 / (1.0 + beta * stats.norm.cdf(beta) / stats.norm.pdf(beta))
        return alpha * math.exp(-beta * root * mu * within)

    low, high = 0.0, 1.0
    while late(high) > 1.0 - share:
        high *= 2.0
    for _ in range(60):
        mid = (low + high) / 2.0
        low, high = (low, mid) if late(mid) <= 1.0 - share else (mid, high)
    return max(1, math.ceil(a + high * root - 1e-9))


def mmc_day_study(
    lam_per_min: float,
    mean_service_min: float,
    servers: int,
    *,
    open_at: str = "09:00",
    close_at: str = "13:00",
) -> Study:
    """:func:`mmc_study` with opening hours: whole hours from ``open_at`` to ``close_at`` at a
    constant Poisson rate, one shift of ``servers`` over them. The staffing planner's answer on
    it follows from Erlang C block by block (tests and the planner's documentation use it)."""
    from simulation.model import time_to_minutes
    from simulation.study_io import study_to_dict

    start, end = time_to_minutes(open_at), time_to_minutes(close_at)
    hours = (end - start) // 60
    data = study_to_dict(mmc_study(lam_per_min, mean_service_min, servers))
    data["arrivals"].update(
        open=open_at,
        close=close_at,
        hour_profile=[1.0 / hours] * hours,
        residents_per_day=lam_per_min * (end - start),
    )
    for scenario in data["scenarios"]:
        scenario["counters"][0]["shifts"] = [{"start": open_at, "end": close_at, "staff": servers}]
    return study_from_dict(data)
