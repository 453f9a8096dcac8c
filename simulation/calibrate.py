"""Calibration: fit a study's arrivals and service times to an observed canonical counter log.

What is fitted (the rest of the study is kept as given):

* **arrivals** — a visit arrives at its ``arrived_at`` when the log has one, else at its first
  ticket's ``issued_at`` (minus the writing minutes and the walk to the ticket machine when the
  log has ``writing_min``/``walking_m``). ``hour_profile`` is the share of visits per hour from
  the opening hour, a part hour (17:00–17:15) included as observed — the arrival model spreads
  each hour's share over the part of it the hall is open;
  ``weekday_factor`` and ``residents_per_day`` come from the visits per day once the study's
  month factors and peaks are divided out (eight weeks cannot separate those, so they are
  kept), and the return visits that omissions cause are removed (÷ (1 + omission_rate)).
  The weekday factors keep the sum of the study's, so ``residents_per_day`` keeps its meaning.
* **service times** per procedure and counter kind (department / one-stop), from served
  tickets (``ended_at − called_at``): exponential, lognormal and gamma by maximum likelihood
  (scipy.stats, location 0), chosen by AIC among those a Kolmogorov–Smirnov test does not
  reject at 5 %; the empirical distribution when all are rejected; ``fixed`` when all times
  are equal. Groups with fewer than ``min_n`` tickets keep the study's model.
* **no_show_rate** of the scenario: no-shows among called tickets.

Attribution of a ticket that holds several procedures: a ticket carries only its first
procedure (``procedure_id``), but its service time is the sum over the procedures of the same
department (or, at a one-stop counter, of all one-stop procedures of the visit, plus their
``sign_only_min``). The shape (distribution, cv) is fitted on the tickets of each first
procedure; the mean is then **deconvolved** with the study's life events: the expected number
of each procedure q on a ticket whose first procedure is p, ``A[p, q]``, follows from the
life-event shares (weighted by the observed days' peaks), the inclusion probabilities and the
order procedures are listed in, so the ticket means ``m = A μ`` are solved for the procedure
means ``μ`` (triangular: each procedure only adds to tickets of procedures listed before it).
The fit table reports both the ticket mean and the procedure mean.

With a journey survey, ``writing_min`` of each procedure becomes ``forms ×`` the surveyed
minutes per form (``write`` steps: minutes / forms_written), and the walking speed becomes
metres / minutes of ``walk`` steps when the survey has a ``metres`` (or ``walking_m``) column.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats

from journeys.errors import InputError
from simulation.model import Scenario, ServiceTime, Study

__all__ = [
    "FIT_TABLE_COLUMNS",
    "CalibrationResult",
    "calibrate",
    "expected_ticket_mix",
    "fit_arrivals",
    "fit_service_times",
    "fit_survey",
]

Kind = Literal["department", "one_stop"]

#: Columns of the goodness-of-fit table, in order.
FIT_TABLE_COLUMNS: tuple[str, ...] = (
    "procedure",
    "counter_kind",
    "n",
    "dist",
    "params",
    "mean_min",
    "cv",
    "aic",
    "ks_stat",
    "ks_p",
    "chosen",
    "ticket_mean_min",
    "procedure_mean_min",
    "note",
)
_KS_ALPHA = 0.05
_MAX_EMPIRICAL = 200
_MIN_MINUTES = 1.0 / 120.0  # half a second: zero durations (whole-second logs) for the fits


@dataclass(frozen=True)
class CalibrationResult:
    """A calibrated study, how well each distribution fits, and notes on what was done."""

    study: Study
    fit_table: pl.DataFrame
    arrival_table: pl.DataFrame = field(default_factory=pl.DataFrame)
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- input


def _as_polars(frame: Any, what: str) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame
    try:
        return pl.from_pandas(frame)
    except Exception as exc:  # not a pandas frame either
        raise InputError(f"{what} must be a polars or pandas DataFrame") from exc


def _require(log: pl.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in log.columns]
    if missing:
        raise InputError(
            f"counter log lacks column(s) {', '.join(missing)}",
            hint="read it with journeys.readers.read_counter_log (canonical columns)",
        )


def _pick_scenario(log: pl.DataFrame, study: Study, scenario_id: str | None) -> Scenario:
    if scenario_id is not None:
        return study.scenario(scenario_id)
    if "scenario" in log.columns:
        values = [v for v in log.get_column("scenario").unique().to_list() if v is not None]
        if len(values) == 1 and values[0] in study.scenario_ids:
            return study.scenario(str(values[0]))
        if len(values) > 1:
            raise InputError(
                f"the log holds several scenarios ({', '.join(map(str, sorted(values)))})",
                hint="calibrate one scenario at a time (--scenario ID) or filter the log",
            )
    return study.scenarios[0]


# --------------------------------------------------------------------------- arrivals


def _visit_arrivals(log: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """One row per visit: its arrival time — ``arrived_at`` when the log has it, else the first
    ticket minus writing and walking when known."""
    if "arrived_at" in log.columns and log.get_column("arrived_at").null_count() < log.height:
        first = log.group_by("visit_id", maintain_order=True).agg(
            pl.coalesce(pl.col("arrived_at").min(), pl.col("issued_at").min()).alias("arrived_at")
        )
        return first.with_columns(
            pl.col("arrived_at").dt.date().alias("day"),
            (
                pl.col("arrived_at").dt.hour().cast(pl.Int64) * 60
                + pl.col("arrived_at").dt.minute().cast(pl.Int64)
            ).alias("minute"),
        )
    first = log.sort("issued_at").group_by("visit_id", maintain_order=True).first()
    shift = pl.lit(0.0)
    if "writing_min" in first.columns:
        shift = shift + pl.col("writing_min").fill_null(0.0)
    if "walking_m" in first.columns:
        shift = shift + pl.col("walking_m").fill_null(0.0) / scenario.walking_speed_m_per_min
    arrived = pl.col("issued_at") - pl.duration(microseconds=(shift * 60e6).cast(pl.Int64))
    return first.select(
        pl.col("visit_id"),
        arrived.alias("arrived_at"),
    ).with_columns(
        pl.col("arrived_at").dt.date().alias("day"),
        (
            pl.col("arrived_at").dt.hour().cast(pl.Int64) * 60
            + pl.col("arrived_at").dt.minute().cast(pl.Int64)
        ).alias("minute"),
    )


def _event_weight(study: Study, day: dt.date, base_weekday: float) -> float:
    """Σ_e share_e × day factor of e on ``day`` / weekday factor: what is not the weekday."""
    arr = study.arrivals
    if base_weekday <= 0:
        return 0.0
    total = sum(ev.share * arr.day_factor(day, ev.id) for ev in study.life_events)
    return total / base_weekday


def fit_arrivals(
    log: pl.DataFrame | Any, study: Study, *, scenario_id: str | None = None
) -> tuple[dict[str, Any], pl.DataFrame, list[str]]:
    """Fitted ``residents_per_day``, ``weekday_factor`` and ``hour_profile`` of a counter log.

    Returns the new values (keys of ``[arrivals]``), a table per weekday (weekday, days, visits,
    visits_per_day, factor) and notes.
    """
    frame = _as_polars(log, "counter log")
    _require(frame, ("visit_id", "issued_at"))
    scenario = _pick_scenario(frame, study, scenario_id)
    arr = study.arrivals
    visits = _visit_arrivals(frame, scenario)
    notes: list[str] = []
    per_day = visits.group_by("day").len().sort("day")
    days = per_day.get_column("day").to_list()
    counts = per_day.get_column("len").to_numpy().astype(float)
    omission = scenario.omission_rate
    counts_new = counts / (1.0 + omission)
    if "return_of" in frame.columns:  # the log links its return trips: count first trips only
        firsts = frame.filter(pl.col("return_of").is_null()).get_column("visit_id").unique()
        new = visits.filter(pl.col("visit_id").is_in(firsts.implode())).group_by("day").len()
        by_day = dict(new.iter_rows())
        counts_new = np.array([float(by_day.get(d, 0)) for d in days])
        notes.append("return visits (return_of) are not new arrivals: first trips counted")
    elif omission > 0:
        notes.append(
            f"visits per day divided by 1 + omission_rate = {1 + omission:.3f} "
            f"(return visits of scenario {scenario.id!r} are not new arrivals)"
        )
    base_wf = np.asarray(arr.weekday_factor, dtype=float)
    weekday_rows = []
    level = np.full(5, np.nan)
    for w in range(5):
        mask = [d.weekday() == w for d in days]
        if not any(mask):
            continue
        chosen_days = [d for d, m in zip(days, mask, strict=True) if m]
        weights = np.array([_event_weight(study, d, base_wf[w]) for d in chosen_days])
        ok = weights > 0
        level[w] = (
            float(np.sum(counts_new[np.asarray(mask)][ok]) / np.sum(weights[ok]))
            if ok.any()
            else np.nan
        )
        weekday_rows.append((w, len(chosen_days), float(np.sum(counts[np.asarray(mask)]))))
    seen = ~np.isnan(level)
    if not seen.any():
        raise InputError(
            "the counter log has no weekday with visits", hint="check the issued_at dates"
        )
    # weekday factors keep the study's sum over the weekdays seen; unseen weekdays keep theirs
    scale = float(np.sum(level[seen]) / np.sum(base_wf[seen]))
    weekday = np.where(seen, level / scale, base_wf)
    if not seen.all():
        notes.append("weekdays without data keep the study's weekday factor")
    # hour profile: share of arrivals per hour from the opening hour. The arrival model spreads
    # an hour's share over the part of it the hall is open (simulation.arrivals), so a part
    # hour (17:00–17:15) keeps its observed share as it is: no division by its open fraction.
    n_hours = len(arr.hour_profile)
    hours = (visits.get_column("minute").to_numpy() // 60) - arr.first_hour
    hours = np.clip(hours, 0, n_hours - 1)
    counts_h = np.bincount(hours, minlength=n_hours).astype(float)
    profile = counts_h / counts_h.sum() if counts_h.sum() > 0 else counts_h
    residents = scale
    table = pl.DataFrame(
        {
            "weekday": [["Mon", "Tue", "Wed", "Thu", "Fri"][w] for w, _, _ in weekday_rows],
            "days": [d for _, d, _ in weekday_rows],
            "visits": [v for _, _, v in weekday_rows],
            "visits_per_day": [v / d for _, d, v in weekday_rows],
            "weekday_factor": [float(weekday[w]) for w, _, _ in weekday_rows],
        }
    )
    values = {
        "residents_per_day": round(float(residents), 3),
        "weekday_factor": [round(float(v), 4) for v in weekday],
        "hour_profile": [round(float(v), 5) for v in profile],
    }
    notes.append(
        f"{visits.height} visits on {len(days)} days; month factors and peaks kept from the study"
    )
    return values, table, notes


# --------------------------------------------------------------------------- ticket composition


def _ticket_groups(
    study: Study, scenario: Scenario, procs: list[str]
) -> list[tuple[Kind, list[str]]]:
    """How a bundle (procedure ids in life-event order) splits into tickets in this scenario."""
    catalog = {p.id: p for p in study.procedures}
    groups: list[tuple[Kind, list[str]]] = []
    rest = list(procs)
    if scenario.flow == "one_stop":
        one = [p for p in procs if catalog[p].one_stop and scenario.counters_for(p, "one_stop")]
        rest = [p for p in procs if p not in one]
        if one:
            groups.append(("one_stop", one))
    by_key: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for p in rest:
        counters = tuple(c.id for c in scenario.counters_for(p, "department"))
        by_key.setdefault((catalog[p].department, counters), []).append(p)
    groups.extend(("department", ps) for ps in by_key.values())
    return groups


def _mean_inverse_size(others: list[float]) -> float:
    """E[1 / (1 + K)] where K is the number of independent events with these probabilities."""
    dist = np.zeros(len(others) + 1)
    dist[0] = 1.0
    for q in others:
        dist[1:] = dist[1:] * (1.0 - q) + dist[:-1] * q
        dist[0] *= 1.0 - q
    return float(np.sum(dist / (1.0 + np.arange(dist.size))))


def expected_ticket_mix(
    study: Study,
    scenario: Scenario,
    *,
    event_weights: Mapping[str, float] | None = None,
    omission_rate: float | None = None,
) -> dict[tuple[Kind, str], dict[str, float]]:
    """``A[(kind, p)][q]``: expected count of procedure q on a ticket whose first procedure is p.

    Exact for independent inclusion draws: within each life event, the ticket groups of the
    scenario are fixed, so P(p first on its ticket and q on it) = π_p × Π_{r before p}(1 − π_r)
    × π_q for q listed after p. Return visits after an omission (``omission_rate``, default the
    scenario's) bring one procedure of the bundle, picked uniformly, alone on its ticket.
    ``event_weights`` (default: the shares) weight the life events.
    """
    catalog = {p.id: p for p in study.procedures}
    omission = scenario.omission_rate if omission_rate is None else omission_rate
    first_mass: dict[tuple[Kind, str], float] = {}
    joint: dict[tuple[Kind, str], dict[str, float]] = {}

    def add(key: tuple[Kind, str], mass: float, contents: Mapping[str, float]) -> None:
        first_mass[key] = first_mass.get(key, 0.0) + mass
        row = joint.setdefault(key, {})
        for q, value in contents.items():
            row[q] = row.get(q, 0.0) + value

    for event in study.life_events:
        weight = (event_weights or {}).get(event.id, event.share)
        if weight <= 0:
            continue
        order = [p for p in event.procedures if p in catalog]
        prob = {p: float(event.procedures[p]) for p in order}
        for kind, group in _ticket_groups(study, scenario, order):
            none_before = 1.0
            for i, p in enumerate(group):
                mass = weight * prob[p] * none_before
                contents = {p: mass} | {q: mass * prob[q] for q in group[i + 1 :]}
                add((kind, p), mass, contents)
                none_before *= 1.0 - prob[p]
        if omission > 0:
            for p in order:
                if prob[p] <= 0:
                    continue
                picked = prob[p] * _mean_inverse_size([prob[q] for q in order if q != p])
                mass = weight * omission * picked
                ((kind, _),) = _ticket_groups(study, scenario, [p])
                add((kind, p), mass, {p: mass})
    return {
        key: {q: v / first_mass[key] for q, v in row.items()}
        for key, row in joint.items()
        if first_mass[key] > 0
    }


# --------------------------------------------------------------------------- service times


def _fit_one(x: np.ndarray) -> list[dict[str, Any]]:
    """Candidate fits of one sample of service minutes: parametric by MLE, then the empirical."""
    rows: list[dict[str, Any]] = []
    n = x.size
    y = np.maximum(x, _MIN_MINUTES)
    mean = float(np.mean(x))
    if np.all(x == x[0]):
        return [
            {
                "dist": "fixed",
                "params": {"mean": float(x[0])},
                "mean_min": float(x[0]),
                "cv": 0.0,
                "aic": math.nan,
                "ks_stat": 0.0,
                "ks_p": 1.0,
                "ok": True,
            }
        ]
    candidates: list[tuple[str, Any, tuple[float, ...], int]] = []
    scale = float(np.mean(y))
    candidates.append(("exponential", stats.expon, (0.0, scale), 1))
    s, _, sc = stats.lognorm.fit(y, floc=0.0)
    candidates.append(("lognormal", stats.lognorm, (float(s), 0.0, float(sc)), 2))
    try:
        a, _, gsc = stats.gamma.fit(y, floc=0.0)
        candidates.append(("gamma", stats.gamma, (float(a), 0.0, float(gsc)), 2))
    except (ValueError, RuntimeError, FloatingPointError):
        pass
    for name, dist, params, k in candidates:
        loglik = float(np.sum(dist.logpdf(y, *params)))
        ks = stats.kstest(y, dist.cdf, args=params)
        if name == "exponential":
            p_mean, p_cv, shown = params[1], 1.0, {"scale": params[1]}
        elif name == "lognormal":
            p_mean = params[2] * math.exp(params[0] ** 2 / 2)
            p_cv = math.sqrt(math.expm1(params[0] ** 2))
            shown = {"sigma": params[0], "scale": params[2]}
        else:
            p_mean, p_cv = params[0] * params[2], 1.0 / math.sqrt(params[0])
            shown = {"shape": params[0], "scale": params[2]}
        rows.append(
            {
                "dist": name,
                "params": shown,
                "mean_min": float(p_mean),
                "cv": float(p_cv),
                "aic": 2 * k - 2 * loglik if math.isfinite(loglik) else math.inf,
                "ks_stat": float(ks.statistic),
                "ks_p": float(ks.pvalue),
                "ok": bool(ks.pvalue >= _KS_ALPHA),
            }
        )
    sd = float(np.std(x))
    rows.append(
        {
            "dist": "empirical",
            "params": {"n": int(n)},
            "mean_min": mean,
            "cv": sd / mean if mean > 0 else math.nan,
            "aic": math.nan,
            "ks_stat": math.nan,
            "ks_p": math.nan,
            "ok": True,
        }
    )
    return rows


def _choose(rows: list[dict[str, Any]]) -> dict[str, Any]:
    passing = [r for r in rows if r["dist"] not in ("empirical", "fixed") and r["ok"]]
    if passing:
        return min(passing, key=lambda r: r["aic"])
    return next(r for r in rows if r["dist"] in ("fixed", "empirical"))


def _empirical_values(x: np.ndarray, factor: float) -> list[float]:
    values = np.sort(x) * factor
    if values.size > _MAX_EMPIRICAL:
        probs = (np.arange(_MAX_EMPIRICAL) + 0.5) / _MAX_EMPIRICAL
        values = np.quantile(values, probs)
    return [round(float(v), 4) for v in values]


def _model_for(choice: Mapping[str, Any], x: np.ndarray, mean: float) -> ServiceTime:
    """The chosen family at the procedure mean (shape/cv of the ticket fit kept)."""
    dist = choice["dist"]
    mean = float(max(mean, _MIN_MINUTES))
    if dist == "fixed":
        return ServiceTime(dist="fixed", mean=round(mean, 4))
    if dist == "exponential":
        return ServiceTime(dist="exponential", mean=round(mean, 4))
    if dist in ("lognormal", "gamma"):
        return ServiceTime(dist=dist, mean=round(mean, 4), cv=round(float(choice["cv"]), 4))
    ticket_mean = float(np.mean(x))
    return ServiceTime(
        dist="empirical",
        values=_empirical_values(x, mean / ticket_mean if ticket_mean > 0 else 1.0),
    )


def _counter_kinds(study: Study, scenario: Scenario) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for other in study.scenarios:
        for c in other.counters:
            kinds.setdefault(c.id, c.kind)
    for c in scenario.counters:
        kinds[c.id] = c.kind
    return kinds


def fit_service_times(
    log: pl.DataFrame | Any,
    study: Study,
    *,
    scenario_id: str | None = None,
    min_n: int = 30,
) -> tuple[dict[tuple[Kind, str], ServiceTime], pl.DataFrame, list[str]]:
    """Service-time models per (counter kind, procedure) and the goodness-of-fit table."""
    frame = _as_polars(log, "counter log")
    _require(
        frame,
        ("visit_id", "counter_id", "procedure_id", "called_at", "ended_at", "outcome", "issued_at"),
    )
    scenario = _pick_scenario(frame, study, scenario_id)
    kinds = _counter_kinds(study, scenario)
    catalog = {p.id: p for p in study.procedures}
    notes: list[str] = []
    served = frame.filter(
        (pl.col("outcome") == "served")
        & pl.col("called_at").is_not_null()
        & pl.col("ended_at").is_not_null()
    ).select(
        pl.col("counter_id"),
        pl.col("procedure_id"),
        ((pl.col("ended_at") - pl.col("called_at")).dt.total_microseconds() / 60e6).alias(
            "service_min"
        ),
    )
    unknown = sorted(set(served.get_column("counter_id").unique().to_list()) - set(kinds))
    if unknown:
        notes.append(
            f"counters not in the study, taken as department counters: {', '.join(map(str, unknown))}"
        )
    served = served.with_columns(
        pl.col("counter_id")
        .replace_strict(kinds, default="department", return_dtype=pl.String)
        .alias("kind")
    )
    bad_proc = sorted(
        str(p)
        for p in set(served.get_column("procedure_id").unique().to_list()) - set(catalog)
        if p is not None
    )
    if bad_proc:
        notes.append(f"procedures not in the catalog, ignored: {', '.join(bad_proc)}")
    weights = _observed_event_weights(frame, study)
    mix = expected_ticket_mix(study, scenario, event_weights=weights)
    samples: dict[tuple[Kind, str], np.ndarray] = {}
    for (kind, proc), group in served.filter(pl.col("procedure_id").is_in(list(catalog))).group_by(
        ["kind", "procedure_id"], maintain_order=True
    ):
        samples[(str(kind), str(proc))] = group.get_column("service_min").to_numpy().astype(float)  # type: ignore[index]
    fits: dict[tuple[Kind, str], tuple[list[dict[str, Any]], dict[str, Any]]] = {}
    for key in sorted(samples):
        x = samples[key]
        if x.size >= min_n:
            rows = _fit_one(x)
            fits[key] = (rows, _choose(rows))
    # deconvolution of ticket means into procedure means, within each counter kind
    proc_mean: dict[tuple[Kind, str], float] = {}
    order = {p.id: i for i, p in enumerate(study.procedures)}

    def base_mean(kind: Kind, proc: str) -> float:
        service = catalog[proc].service
        model = (
            service.one_stop
            if kind == "one_stop" and service.one_stop is not None
            else service.by_department
        )
        extra = catalog[proc].sign_only_min if kind == "one_stop" else 0.0
        return model.mean_min + extra

    def resolved(kind: Kind, proc: str, depth: int = 0) -> float:
        key = (kind, proc)
        if key in proc_mean:
            return proc_mean[key]
        if key not in fits or depth > len(order):
            return base_mean(kind, proc)
        ticket_mean = float(np.mean(samples[key]))
        others = sum(
            count * resolved(kind, q, depth + 1)
            for q, count in mix.get(key, {}).items()
            if q != proc
        )
        value = ticket_mean - others
        if value < 0.1 * ticket_mean:
            notes.append(
                f"{kind} {proc}: other procedures explain the ticket mean; procedure mean set to 10 % of it"
            )
            value = 0.1 * ticket_mean
        proc_mean[key] = value
        return value

    models: dict[tuple[Kind, str], ServiceTime] = {}
    table_rows: list[dict[str, Any]] = []
    for key in sorted(samples, key=lambda k: (k[0], order.get(k[1], 0))):
        kind, proc = key
        x = samples[key]
        if key not in fits:
            table_rows.append(
                {
                    "procedure": proc,
                    "counter_kind": kind,
                    "n": int(x.size),
                    "dist": "",
                    "params": "",
                    "mean_min": float(np.mean(x)) if x.size else math.nan,
                    "cv": math.nan,
                    "aic": math.nan,
                    "ks_stat": math.nan,
                    "ks_p": math.nan,
                    "chosen": False,
                    "ticket_mean_min": float(np.mean(x)) if x.size else math.nan,
                    "procedure_mean_min": math.nan,
                    "note": f"n < {min_n}: the study's model kept",
                }
            )
            continue
        rows, choice = fits[key]
        mean_with_sign = resolved(kind, proc)
        sign = catalog[proc].sign_only_min if kind == "one_stop" else 0.0
        model_mean = mean_with_sign - sign
        note = ""
        if model_mean <= 0:
            note = "sign_only_min exceeds the fitted mean; service mean set to 0.1 min"
            model_mean = 0.1
        models[key] = _model_for(choice, x, model_mean)
        for row in rows:
            table_rows.append(
                {
                    "procedure": proc,
                    "counter_kind": kind,
                    "n": int(x.size),
                    "dist": row["dist"],
                    "params": json.dumps({k: round(float(v), 6) for k, v in row["params"].items()}),
                    "mean_min": row["mean_min"],
                    "cv": row["cv"],
                    "aic": row["aic"],
                    "ks_stat": row["ks_stat"],
                    "ks_p": row["ks_p"],
                    "chosen": row is choice,
                    "ticket_mean_min": float(np.mean(x)),
                    "procedure_mean_min": model_mean if row is choice else math.nan,
                    "note": note if row is choice else "",
                }
            )
    schema = {
        "procedure": pl.String,
        "counter_kind": pl.String,
        "n": pl.Int64,
        "dist": pl.String,
        "params": pl.String,
        "mean_min": pl.Float64,
        "cv": pl.Float64,
        "aic": pl.Float64,
        "ks_stat": pl.Float64,
        "ks_p": pl.Float64,
        "chosen": pl.Boolean,
        "ticket_mean_min": pl.Float64,
        "procedure_mean_min": pl.Float64,
        "note": pl.String,
    }
    table = pl.DataFrame(table_rows, schema=schema).select(FIT_TABLE_COLUMNS)
    notes.append(
        "service time of a ticket with several procedures: shape fitted per first procedure, mean "
        "deconvolved with the study's life events (fit table: ticket_mean_min vs procedure_mean_min)"
    )
    return models, table, notes


def _observed_event_weights(log: pl.DataFrame, study: Study) -> dict[str, float]:
    """Life-event weights over the log's days: share × day factor (peaks change the mix)."""
    days = log.select(pl.col("issued_at").dt.date().unique()).to_series().to_list()
    if not days:
        return {ev.id: ev.share for ev in study.life_events}
    arr = study.arrivals
    return {
        ev.id: ev.share * float(np.mean([arr.day_factor(d, ev.id) for d in days]))
        for ev in study.life_events
    }


# --------------------------------------------------------------------------- survey


def fit_survey(
    survey: pl.DataFrame | Any, study: Study, *, phase: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Writing minutes per form and walking speed from a journey survey.

    Returns ``{"minutes_per_form": float | None, "walking_speed_m_per_min": float | None}`` and notes.
    """
    frame = _as_polars(survey, "survey")
    for column in ("action", "minutes"):
        if column not in frame.columns:
            raise InputError(
                f"survey lacks column {column!r}", hint="read it with journeys.readers.read_survey"
            )
    notes: list[str] = []
    if phase is not None and "phase" in frame.columns:
        subset = frame.filter(pl.col("phase") == phase)
        if subset.height:
            frame = subset
            notes.append(f"survey phase {phase!r}")
    out: dict[str, Any] = {"minutes_per_form": None, "walking_speed_m_per_min": None}
    if "forms_written" in frame.columns:
        writes = frame.filter(
            (pl.col("action") == "write")
            & (pl.col("forms_written") > 0)
            & pl.col("minutes").is_not_null()
        )
        if writes.height:
            per_form = float(writes["minutes"].cast(pl.Float64).sum()) / float(
                writes["forms_written"].cast(pl.Float64).sum()
            )
            out["minutes_per_form"] = round(per_form, 3)
            notes.append(f"{writes.height} write steps: {per_form:.2f} minutes per form")
    metres_col = next((c for c in ("metres", "walking_m", "meters") if c in frame.columns), None)
    if metres_col is not None:
        walks = frame.filter(
            (pl.col("action") == "walk") & (pl.col(metres_col) > 0) & (pl.col("minutes") > 0)
        )
        if walks.height:
            speed = float(walks[metres_col].cast(pl.Float64).sum()) / float(
                walks["minutes"].cast(pl.Float64).sum()
            )
            out["walking_speed_m_per_min"] = round(speed, 2)
            notes.append(f"{walks.height} walk steps: {speed:.1f} m/min")
    else:
        notes.append("survey has no metres column: walking speed kept")
    return out, notes


# --------------------------------------------------------------------------- all together


def calibrate(
    log: pl.DataFrame | Any,
    study: Study,
    *,
    survey: pl.DataFrame | Any | None = None,
    scenario_id: str | None = None,
    min_n: int = 30,
) -> CalibrationResult:
    """Fit a study to an observed canonical counter log (and optionally a journey survey).

    The log's scenario (its ``scenario`` column, ``scenario_id``, or the study's first scenario)
    decides which counters are one-stop and which omission rate to remove. Returns the new study
    (checked), the goodness-of-fit table and the arrival table.
    """
    frame = _as_polars(log, "counter log")
    if frame.height == 0:
        raise InputError("the counter log is empty")
    scenario = _pick_scenario(frame, study, scenario_id)
    arrivals, arrival_table, notes = fit_arrivals(frame, study, scenario_id=scenario.id)
    models, fit_table, service_notes = fit_service_times(
        frame, study, scenario_id=scenario.id, min_n=min_n
    )
    notes += service_notes
    data = study.model_dump(mode="python", by_alias=True, exclude_none=True)
    data["arrivals"].update(arrivals)
    for proc in data["procedures"]:
        kind: Kind
        for kind in ("department", "one_stop"):
            model = models.get((kind, proc["id"]))
            if model is None:
                continue
            slot = "by_department" if kind == "department" else "one_stop"
            proc["service"][slot] = model.model_dump(exclude_none=True)
    index = study.scenario_ids.index(scenario.id)
    called = frame.filter(pl.col("called_at").is_not_null())
    if called.height:
        rate = float(called.filter(pl.col("outcome") == "no_show").height) / called.height
        data["scenarios"][index]["no_show_rate"] = round(rate, 4)
        notes.append(
            f"no_show_rate of {scenario.id!r}: {rate:.4f} of {called.height} called tickets"
        )
    if survey is not None:
        fitted, survey_notes = fit_survey(survey, study, phase=scenario.id)
        notes += survey_notes
        per_form = fitted["minutes_per_form"]
        if per_form is not None:
            for proc in data["procedures"]:
                if proc["forms"] > 0:
                    proc["writing_min"] = round(proc["forms"] * per_form, 3)
        speed = fitted["walking_speed_m_per_min"]
        if speed is not None:
            data["scenarios"][index]["walking_speed_m_per_min"] = speed
    from simulation.model import study_from_dict

    new_study = study_from_dict(data, source=study.source, check=True)
    return CalibrationResult(
        study=new_study, fit_table=fit_table, arrival_table=arrival_table, notes=tuple(notes)
    )
