"""Honest experiments: terminating days, replications, confidence intervals, paired comparisons.

Every replication simulates the same days for every scenario on the same residents (common
random numbers, :mod:`simulation.rng`). KPIs of each (scenario, replication) come from
:func:`journeys.metrics.kpis` — the same code that measures an observed log. Between
replications the KPIs are independent, so

* ``summary``: mean and 95 % confidence interval per scenario and KPI (Student t over
  replications; for a share, on the logit scale so that it stays inside 0–1:
  :mod:`simulation.intervals`);
* ``comparison``: differences *alternative − baseline* per replication (paired: both saw the
  same residents), with a t interval of the mean difference — much narrower than comparing
  two independent intervals;
* :func:`replications_needed` / :func:`trial_table`: how many replications a target half-width
  needs, from a pilot run;
* :func:`sweep`: the same experiment over a path of values of one study parameter (a staffing
  curve), also on common random numbers.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from journeys import kpi_registry as registry
from journeys.errors import InputError
from simulation.engine import default_days, raw_to_output, simulate_replication
from simulation.intervals import share_interval
from simulation.model import Study
from simulation.parallel import ProgressCallback, run_tasks
from simulation.staff_kpis import duty_schedule, staff_kpis

__all__ = [
    "ExperimentResult",
    "compare_scenarios",
    "replications_needed",
    "run_experiment",
    "set_parameter",
    "summarise",
    "sweep",
    "trial_table",
]

_CONFIDENCE = 0.95
#: counter logs at least this large (bytes in memory) go back from a worker through a file
_SPILL_BYTES = 8_000_000
_Result = tuple[list[tuple[Any, Any, Any]], list[tuple[str, int, str, float]]]


@dataclass(frozen=True)
class ExperimentResult:
    """Everything one experiment produced (all scenarios, all replications).

    ``kpis`` is long (scenario, replication, kpi, value); ``replications`` the same wide (one
    row per scenario × replication); ``summary`` (scenario, kpi, mean, ci_low, ci_high);
    ``comparison`` (kpi, baseline, alternative, difference, ci_low, ci_high) against the first
    scenario, plus ``alternative_scenario`` when there are more than two scenarios.
    """

    log: pl.DataFrame
    staff_log: pl.DataFrame
    visits: pl.DataFrame
    kpis: pl.DataFrame
    replications: pl.DataFrame
    summary: pl.DataFrame
    comparison: pl.DataFrame
    scenarios: tuple[str, ...]
    days: tuple[dt.date, ...]
    seed: int


def _replication_task(
    study: Study,
    scenario_ids: Sequence[str],
    days: Sequence[dt.date],
    replication: int,
    seed: int,
    study_dir: Path | None,
    service_target_min: float,
    keep_logs: bool,
    spill_dir: str | None = None,
    spill_bytes: int = _SPILL_BYTES,
) -> tuple[list[tuple[Any, Any, Any]], list[tuple[str, int, str, float]]]:
    """One replication of every scenario on the same residents: frames (when kept) and KPIs.

    KPIs come from :func:`journeys.metrics.kpis`, the code that measures observed logs, and
    the staff KPIs (utilisation of the time on duty, overtime) from
    :func:`simulation.staff_kpis.staff_kpis`. With
    ``spill_dir`` large frames (a counter log of ``spill_bytes`` or more) are written there as
    Arrow IPC files and their paths returned instead (a year of logs is hundreds of MB per
    replication: a file is far cheaper to hand back to the parent process than a pickle through
    a pipe); :func:`_load_spilled` reads them.
    """
    from journeys.metrics import kpis

    raws = simulate_replication(
        study, scenario_ids, days=days, replication=replication, seed=seed, study_dir=study_dir
    )
    frames: list[tuple[Any, Any, Any]] = []
    rows: list[tuple[str, int, str, float]] = []
    for s_idx, raw in enumerate(raws):
        out = raw_to_output(raw)
        values = kpis(out.log, service_target_min=service_target_min)
        schedule = duty_schedule(study, study.scenario(raw.scenario))
        values.update(staff_kpis(out.staff_log, schedule, len(days)))
        rows.extend((raw.scenario, raw.replication, name, _tidy(v)) for name, v in values.items())
        if keep_logs:
            three = (out.log, out.staff_log, out.visits)
            if spill_dir is not None and out.log.estimated_size() >= spill_bytes:
                paths = []
                for name, frame in zip(("log", "staff", "visits"), three, strict=True):
                    path = str(Path(spill_dir) / f"r{replication:05d}-s{s_idx:03d}-{name}.arrow")
                    frame.write_ipc(path, compression="uncompressed")
                    paths.append(path)
                three = (paths[0], paths[1], paths[2])
            frames.append(three)
    return frames, rows


def _load_spilled(result: _Result) -> _Result:
    """Read back the frames a worker wrote with ``spill_dir`` (see :func:`_replication_task`).

    Each file is removed once read (the temporary directory goes at the end of the experiment
    whatever happens), so the disk holds at most the logs not yet received.
    """
    frames, rows = result
    out: list[tuple[Any, Any, Any]] = []
    for paths in frames:
        if not isinstance(paths[0], str):  # small logs come back in the result itself
            out.append(paths)
            continue
        three = tuple(_read_mapped(path) for path in paths)
        for path in paths:
            with contextlib.suppress(OSError):
                os.remove(path)
        out.append((three[0], three[1], three[2]))
    return out, rows


def _read_mapped(path: str) -> pl.DataFrame:
    """An Arrow IPC file as a DataFrame over the memory-mapped file (no copy, no parsing).

    The mapping outlives the file's removal: the frame's buffers keep it alive, and the pages
    are read when the frame is used.
    """
    import pyarrow as pa
    import pyarrow.ipc

    with pa.memory_map(path) as source:
        table = pyarrow.ipc.open_file(source).read_all()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _tidy(value: float) -> float:
    """A KPI rounded to 12 significant digits.

    polars adds floats in parallel, so the last bit of a sum can depend on thread timing; the
    rounding keeps replications byte-identical whatever the number of workers.
    """
    v = float(value)
    if not math.isfinite(v) or v == 0.0:
        return v
    return round(v, 11 - math.floor(math.log10(abs(v))))


def _same(result: _Result) -> _Result:
    return result


def _t_interval(values: np.ndarray, confidence: float = _CONFIDENCE) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def _interval(
    kpi: str, values: np.ndarray, confidence: float = _CONFIDENCE
) -> tuple[float, float, float]:
    """Mean over replications and its confidence interval, for a KPI that may be a share.

    A share (:attr:`journeys.kpi_registry.KPI.share`: service level, abandon share,
    utilisation, …) gets the t interval on the logit scale
    (:func:`simulation.intervals.share_interval`), which stays inside (0, 1); any other KPI
    the Student t interval, cut at the KPI's lower bound (minutes and counts never go below 0;
    :func:`journeys.kpi_registry.bounds`)."""
    if kpi in registry.KPIS and registry.kpi(kpi).share:
        return share_interval(values, confidence)
    mean, low, high = _t_interval(values, confidence)
    if kpi not in registry.KPIS:
        return mean, low, high
    floor, ceiling = registry.bounds(kpi)
    return mean, max(low, floor), min(high, ceiling)


def summarise(kpis_long: pl.DataFrame, *, confidence: float = _CONFIDENCE) -> pl.DataFrame:
    """Mean over replications and its 95 % confidence interval per scenario and KPI (scenario,
    kpi, mean, ci_low, ci_high). Each replication's KPI pools all its simulated days (Σ waits
    ÷ Σ called tickets); the replications are the independent units. A share's interval is a
    t interval on the logit scale (inside 0–1, see :mod:`simulation.intervals`); every other
    KPI's is the Student t interval, cut at 0 (a wait never below 0)."""
    rows = []
    order = kpis_long.select("kpi").unique(maintain_order=True)["kpi"].to_list()
    scenarios = kpis_long.select("scenario").unique(maintain_order=True)["scenario"].to_list()
    for sc in scenarios:
        sub = kpis_long.filter(pl.col("scenario") == sc)
        for kpi in order:
            values = sub.filter(pl.col("kpi") == kpi)["value"].to_numpy().astype(float)
            if values.size == 0:
                continue
            mean, lo, hi = _interval(kpi, values, confidence)
            rows.append((sc, kpi, mean, lo, hi))
    return pl.DataFrame(
        rows,
        schema={
            "scenario": pl.String,
            "kpi": pl.String,
            "mean": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        },
        orient="row",
    )


def compare_scenarios(
    kpis_long: pl.DataFrame, *, baseline: str | None = None, confidence: float = _CONFIDENCE
) -> pl.DataFrame:
    """Paired differences alternative − baseline per KPI, with a t interval over replications.

    Columns: kpi, baseline, alternative, difference, ci_low, ci_high (means over replications),
    plus ``alternative_scenario`` when more than one alternative is compared.
    """
    scenarios = kpis_long.select("scenario").unique(maintain_order=True)["scenario"].to_list()
    if not scenarios:
        raise InputError("no KPIs to compare")
    base = baseline or scenarios[0]
    alternatives = [s for s in scenarios if s != base]
    order = kpis_long.select("kpi").unique(maintain_order=True)["kpi"].to_list()
    wide = kpis_long.pivot(on="scenario", index=["replication", "kpi"], values="value")
    rows = []
    for alt in alternatives:
        for kpi in order:
            sub = wide.filter(pl.col("kpi") == kpi)
            if sub.height == 0 or base not in sub.columns or alt not in sub.columns:
                continue
            b = sub[base].to_numpy().astype(float)
            a = sub[alt].to_numpy().astype(float)
            ok = np.isfinite(a) & np.isfinite(b)
            diff, lo, hi = _t_interval(a[ok] - b[ok], confidence)
            if kpi in registry.KPIS and registry.kpi(kpi).share:  # a share moves by ≤ 1
                lo, hi = max(lo, -1.0), min(hi, 1.0)
            rows.append(
                (
                    kpi,
                    float(np.mean(b[ok])) if ok.any() else math.nan,
                    float(np.mean(a[ok])) if ok.any() else math.nan,
                    diff,
                    lo,
                    hi,
                    alt,
                )
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "kpi": pl.String,
            "baseline": pl.Float64,
            "alternative": pl.Float64,
            "difference": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "alternative_scenario": pl.String,
        },
        orient="row",
    )
    return frame if len(alternatives) > 1 else frame.drop("alternative_scenario")


def replications_needed(
    pilot: Sequence[float] | np.ndarray,
    *,
    half_width: float | None = None,
    relative: float | None = None,
    confidence: float = _CONFIDENCE,
    max_replications: int = 100_000,
) -> int:
    """Replications for a confidence interval of ``half_width`` (or ``relative`` × mean).

    From a pilot's standard deviation s: the smallest n with t(n−1) · s / √n ≤ target.
    """
    values = np.asarray(pilot, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        raise InputError(
            "a pilot needs at least 2 replications", hint="run --replications 2 or more"
        )
    sd = float(values.std(ddof=1))
    if half_width is None:
        if relative is None:
            raise InputError("give a target half-width or a relative precision")
        half_width = abs(relative * float(values.mean()))
    if half_width <= 0:
        raise InputError("the target half-width must be positive")
    if sd == 0.0:
        return 2
    z = stats.norm.ppf(0.5 + confidence / 2)
    n = max(math.ceil((z * sd / half_width) ** 2), 2)
    while (
        n < max_replications
        and stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n) > half_width
    ):
        n += 1
    return n


def trial_table(
    kpis_long: pl.DataFrame, *, relative: float = 0.05, kpi_names: Iterable[str] | None = None
) -> pl.DataFrame:
    """For each scenario and KPI of a pilot: replications needed for ± ``relative`` × mean."""
    wanted = set(kpi_names) if kpi_names is not None else None
    rows = []
    for (sc, kpi), sub in kpis_long.group_by(["scenario", "kpi"], maintain_order=True):
        if wanted is not None and kpi not in wanted:
            continue
        values = sub["value"].to_numpy().astype(float)
        mean, lo, hi = _t_interval(values)
        target = abs(relative * mean) if np.isfinite(mean) else math.nan
        try:
            need = replications_needed(values, half_width=target) if target > 0 else None
        except InputError:
            need = None
        rows.append(
            (
                sc,
                kpi,
                int(values.size),
                mean,
                (hi - lo) / 2 if np.isfinite(lo) else math.nan,
                target,
                need,
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "scenario": pl.String,
            "kpi": pl.String,
            "pilot_replications": pl.Int64,
            "mean": pl.Float64,
            "half_width": pl.Float64,
            "target_half_width": pl.Float64,
            "replications_needed": pl.Int64,
        },
        orient="row",
    )


def _resolve_days(study: Study, days: Sequence[dt.date] | int | None) -> list[dt.date]:
    if days is None:
        return default_days(study)
    if isinstance(days, int):
        return default_days(study, days)
    out = sorted(set(days))
    if not out:
        raise InputError("no days to simulate")
    return out


def run_experiment(
    study: Study,
    *,
    replications: int,
    seed: int,
    days: Sequence[dt.date] | int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool | ProgressCallback = True,
    scenario_ids: Sequence[str] | None = None,
    service_target_min: float = 15.0,
    keep_logs: bool = True,
    spill_bytes: int = _SPILL_BYTES,
) -> ExperimentResult:
    """Run ``replications`` terminating replications of every scenario over ``days``.

    ``days``: dates, a number of working days from the study's ``start_date``, or None (5).
    ``spill_bytes``: with local worker processes, a replication whose counter log is at least
    this large hands its frames back through temporary files instead of a pipe.
    ``progress``: True draws a bar on the terminal; a function is told (replications done,
    replications in all) as each one finishes.
    Results are identical for any ``workers`` / ``scheduler`` (each replication is a pure
    function of study, seed and replication number).
    """
    if replications < 1:
        raise InputError("replications must be at least 1", hint="pass --replications 1 or more")
    ids = list(scenario_ids) if scenario_ids is not None else study.scenario_ids
    for sid in ids:
        study.scenario(sid)  # raises a readable error for an unknown id
    day_list = _resolve_days(study, days)
    # Logs of worker processes on this machine come back as files, read as they arrive.
    spill = keep_logs and scheduler is None and workers > 1 and replications > 1
    spill_ctx: contextlib.AbstractContextManager[str | None] = (
        tempfile.TemporaryDirectory(prefix="madoguchi-logs-", ignore_cleanup_errors=True)
        if spill
        else contextlib.nullcontext(None)
    )
    with spill_ctx as spill_dir:
        args = [
            (
                study,
                ids,
                day_list,
                r,
                seed,
                None,
                service_target_min,
                keep_logs,
                spill_dir,
                spill_bytes,
            )
            for r in range(replications)
        ]
        results = run_tasks(
            _replication_task,
            args,
            _load_spilled if spill else _same,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            description="simulating",
        )
    return _assemble(results, ids, day_list, seed)


def _kpis_frame(
    results: Sequence[tuple[list[tuple[Any, Any, Any]], list[tuple[str, int, str, float]]]],
) -> pl.DataFrame:
    """The KPI rows of replication results as one long frame: scenario, replication, kpi, value."""
    return pl.DataFrame(
        [row for _, part in results for row in part],
        schema={
            "scenario": pl.String,
            "replication": pl.Int64,
            "kpi": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )


def _assemble(
    results: Sequence[tuple[list[tuple[Any, Any, Any]], list[tuple[str, int, str, float]]]],
    ids: Sequence[str],
    days: Sequence[dt.date],
    seed: int,
) -> ExperimentResult:
    kpis_long = _kpis_frame(results)
    rank = {sid: k for k, sid in enumerate(ids)}
    kpis_long = kpis_long.sort(
        [pl.col("scenario").replace_strict(rank, return_dtype=pl.Int64), "replication"],
        maintain_order=True,
    )
    keyed = [((s_idx, r), f) for r, (part, _) in enumerate(results) for s_idx, f in enumerate(part)]
    frames_by = [f for _, f in sorted(keyed, key=lambda item: item[0])]
    log = pl.concat([f[0] for f in frames_by]) if frames_by else pl.DataFrame()
    staff_log = pl.concat([f[1] for f in frames_by]) if frames_by else pl.DataFrame()
    # scenarios with extensions may carry extra visit columns (null elsewhere)
    visits = (
        pl.concat([f[2] for f in frames_by], how="diagonal_relaxed")
        if frames_by
        else pl.DataFrame()
    )
    wide = kpis_long.pivot(
        on="kpi", index=["scenario", "replication"], values="value", maintain_order=True
    )
    return ExperimentResult(
        log=log,
        staff_log=staff_log,
        visits=visits,
        kpis=kpis_long,
        replications=wide,
        summary=summarise(kpis_long),
        comparison=compare_scenarios(kpis_long, baseline=ids[0])
        if len(ids) > 1
        else pl.DataFrame(),
        scenarios=tuple(ids),
        days=tuple(days),
        seed=seed,
    )


# ---------------------------------------------------------------------- parameter sweeps


def set_parameter(study: Study, path: str, value: float, *, scale: bool = False) -> Study:
    """A copy of ``study`` with the parameter at ``path`` set to ``value`` (or multiplied by it).

    ``path`` is dotted TOML keys, with ids selecting items of lists:
    ``scenarios.reform.counters.W01.staff``, ``arrivals.residents_per_day``,
    ``procedures.tennyu.service.one_stop.mean``, ``scenarios.as_is.behaviour.balk_queue``.
    Setting a counter's ``staff`` also scales its shifts (a single shift gets exactly
    ``value``), so the number of servers on duty follows.
    """
    new = copy.deepcopy(study)
    parts = [p for p in path.split(".") if p]
    if not parts:
        raise InputError("empty parameter path", hint="e.g. scenarios.reform.counters.W01.staff")
    node: Any = new
    for k, part in enumerate(parts[:-1]):
        node = _step(node, part, ".".join(parts[: k + 1]))
    attr = parts[-1]
    if not hasattr(node, attr) or isinstance(getattr(node, attr), list | dict):
        raise InputError(f"parameter path {path!r}: {attr!r} is not a number of that table")
    old = getattr(node, attr)
    if not isinstance(old, int | float) or isinstance(old, bool):
        raise InputError(f"parameter path {path!r} does not point at a number (found {old!r})")
    target = old * value if scale else value
    if isinstance(old, int):
        if not scale and not float(value).is_integer():
            raise InputError(
                f"parameter path {path!r} is a whole number; {value:g} is not",
                hint="give whole numbers in --values (or --scale for a factor)",
            )
        target = round(target)
    try:
        setattr(node, attr, target)
        if attr == "staff" and hasattr(node, "shifts") and node.shifts:
            if len(node.shifts) == 1:
                node.shifts[0].staff = int(target)
            elif old > 0:
                for shift in node.shifts:
                    shift.staff = round(shift.staff * target / old)
    except ValueError as exc:
        raise InputError(
            f"parameter path {path!r}: value {target!r} is not allowed ({exc})"
        ) from exc
    return new


def _check_swept(
    studies: Sequence[Study], param_path: str, values: Sequence[float], original: Study
) -> None:
    """Refuse a sweep whose studies fail the study checks (``staff = 0``), all values at once."""
    from simulation.checks import check_study
    from simulation.messages import text as msg
    from simulation.model import StudyError, StudyProblem

    problems: list[StudyProblem] = []
    for value, swept in zip(values, studies, strict=True):
        for p in check_study(swept.with_source(original.source)):
            inner = p.text if p.text is not None else p.message
            said = msg("check.with_parameter", path=param_path, value=value, problem=inner)
            problems.append(
                StudyProblem.of(
                    p.loc,
                    said,
                    p.where_text or p.where,
                    p.hint_text or p.hint,
                    place=p.place,
                )
            )
    if problems:
        raise StudyError(problems, file=original.source)


def _step(node: Any, part: str, where: str) -> Any:
    if isinstance(node, list):
        for item in node:
            if getattr(item, "id", None) == part:
                return item
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        ids = [getattr(i, "id", "?") for i in node]
        raise InputError(
            f"parameter path: no item {part!r} at {where!r}",
            hint=f"known: {', '.join(map(str, ids))}",
        )
    if isinstance(node, dict):
        if part in node:
            return node[part]
        raise InputError(f"parameter path: no key {part!r} at {where!r}")
    if not hasattr(node, part):
        raise InputError(f"parameter path: no key {part!r} at {where!r}")
    return getattr(node, part)


def sweep(
    study: Study,
    param_path: str,
    values: Sequence[float],
    *,
    replications: int,
    seed: int,
    days: Sequence[dt.date] | int | None = None,
    scale: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool | ProgressCallback = True,
    service_target_min: float = 15.0,
) -> pl.DataFrame:
    """The experiment at each value of one parameter (common random numbers across values).

    Returns the curve: param, value, scenario, kpi, mean, ci_low, ci_high.
    """
    if not values:
        raise InputError("no values to sweep", hint="pass --values 1,2,3")
    if replications < 1:
        raise InputError("replications must be at least 1")
    day_list = _resolve_days(study, days)
    studies = [set_parameter(study, param_path, float(v), scale=scale) for v in values]
    _check_swept(studies, param_path, values, study)
    ids = study.scenario_ids
    args = [
        (s, ids, day_list, r, seed, None, service_target_min, False)
        for s in studies
        for r in range(replications)
    ]
    results = run_tasks(
        _replication_task,
        args,
        _same,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        description="sweeping",
    )
    parts = []
    for k, v in enumerate(values):
        chunk = results[k * replications : (k + 1) * replications]
        kl = _kpis_frame(chunk)
        parts.append(
            summarise(kl)
            .with_columns(param=pl.lit(param_path), value=pl.lit(float(v)))
            .select("param", "value", "scenario", "kpi", "mean", "ci_low", "ci_high")
        )
    return pl.concat(parts)
