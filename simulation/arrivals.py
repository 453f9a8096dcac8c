"""The residents who come to the hall on one day: arrivals, life events, bundles and their draws.

Arrivals are a non-homogeneous Poisson process, piecewise constant by hour (docs/study-format.md):
``rate(hour) = residents_per_day × weekday × month × peaks × hour_profile[hour]``; a peak
restricted to some life events multiplies only their share. They are generated exactly: a Poisson
count per profile hour, times uniform inside the hour, arrivals before ``open`` moved to ``open``,
none at or after ``close``.

Everything a resident brings with them — life event, procedure bundle, persona, the uniforms
of their service times, their patience, no-show and omission draws — is drawn here, once per day and
replication, from the dedicated streams of :mod:`simulation.rng`, independently of the scenario
(common random numbers). Scenarios then only *play* this population through their floor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from simulation.model import ServiceTime, Study
from simulation.rng import DayStreams, day_streams

__all__ = [
    "MAX_RETURN_DAYS",
    "DayPopulation",
    "Needs",
    "ResidentModel",
    "ServiceQuantiles",
    "draw_day",
    "event_rates",
    "is_working_day",
    "quantile_function",
    "return_time",
    "return_times",
    "working_days_after",
]

#: An omission brings the resident back 1..MAX_RETURN_DAYS working days later.
MAX_RETURN_DAYS = 5

Quantile = Callable[[np.ndarray], np.ndarray]


def quantile_function(model: ServiceTime) -> Quantile:
    """The inverse CDF of a service-time model: uniforms in [0, 1) → service minutes.

    Inverse transforms keep common random numbers meaningful: the same uniform gives a long
    service at a department counter and a long one at a one-stop counter.
    """
    dist = model.dist
    if dist == "empirical":
        values = np.asarray(model.values or [], dtype=float)
        if values.size == 0:
            raise ValueError("empirical service time without values")
        n = values.size
        return lambda u: values[np.minimum((u * n).astype(np.int64), n - 1)]
    mean = float(model.mean if model.mean is not None else 0.0)
    if dist == "fixed":
        return lambda u: np.full(u.shape, mean)
    if dist == "exponential":
        return lambda u: -mean * np.log1p(-u)
    cv = float(model.cv if model.cv is not None else 1.0)
    if cv <= 0.0:
        return lambda u: np.full(u.shape, mean)
    if dist == "lognormal":
        sigma = float(np.sqrt(np.log1p(cv * cv)))
        mu = float(np.log(mean)) - sigma * sigma / 2.0
        return lambda u: np.exp(mu + sigma * special.ndtri(u))
    # gamma: shape k = 1/cv², scale = mean·cv²
    shape = 1.0 / (cv * cv)
    scale = mean / shape
    return lambda u: special.gammaincinv(shape, u) * scale


@dataclass(frozen=True)
class ServiceQuantiles:
    """Inverse CDFs of every procedure of the catalog, at department and one-stop counters."""

    by_department: tuple[Quantile, ...]
    one_stop: tuple[Quantile | None, ...]

    @classmethod
    def of(cls, study: Study) -> ServiceQuantiles:
        """Build the inverse CDFs of a study's catalog (in catalog order)."""
        return cls(
            by_department=tuple(
                quantile_function(p.service.by_department) for p in study.procedures
            ),
            one_stop=tuple(
                quantile_function(p.service.one_stop) if p.service.one_stop is not None else None
                for p in study.procedures
            ),
        )


def is_working_day(study: Study, day: dt.date) -> bool:
    """Whether the hall is open on ``day`` (a weekday that is not a listed holiday)."""
    return day.weekday() < 5 and day not in study.arrivals.holidays


def event_rates(study: Study, day: dt.date) -> np.ndarray:
    """Expected visits of ``day`` per life event (catalog order), before the hour profile."""
    arr = study.arrivals
    return np.array(
        [arr.residents_per_day * ev.share * arr.day_factor(day, ev.id) for ev in study.life_events],
        dtype=float,
    )


@dataclass(frozen=True)
class Needs:
    """Which of the residents' behaviour draws the scenarios played use: patience (some
    scenario reneges), no-show (some no-show rate above 0), omission (some omission rate above
    0). A draw nobody uses is left out (its array has no columns, or zeros)."""

    patience: bool = True
    no_show: bool = True
    omission: bool = True


@dataclass
class DayPopulation:
    """The residents of one day of one replication, sorted by arrival time (minutes after midnight).

    ``bundle(i)`` are catalog indices of the procedures resident ``i`` needs, in the order their
    life event lists them; ``bundle_ids[i]`` numbers that bundle within the run (same bundle,
    same number; ``catalog[bundle_ids[i]]`` is the bundle). ``service_bd``/``service_os``
    (resident × procedure arrays) hold the service minutes at department / one-stop counters,
    both from the same uniform (0 for procedures outside the resident's bundle).
    ``patience``/``no_show_u`` hold one standard-exponential / uniform draw per ticket slot
    (resident × slot arrays; :meth:`draw_lists` flattens the slots a day's routes can read).
    The ``omit_*`` and ``ret_*`` arrays describe a possible return visit (used only when the
    scenario's ``omission_rate`` exceeds ``omit_u``).
    """

    day: dt.date
    arrival_min: np.ndarray
    life_event: np.ndarray
    catalog: list[tuple[int, ...]]
    bundle_ids: np.ndarray
    n_proc: int
    service_bd: np.ndarray
    service_os: np.ndarray
    patience: np.ndarray
    no_show_u: np.ndarray
    omit_u: np.ndarray
    omit_pick: np.ndarray
    omit_days: np.ndarray
    ret_time_u: np.ndarray
    ret_service_u: np.ndarray
    ret_patience: np.ndarray
    ret_no_show_u: np.ndarray
    #: persona of each resident (index into the study's ``personas``; −1: none)
    persona: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _draw_lists: dict[int, tuple[list[float], list[float]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def draw_lists(self, width: int) -> tuple[list[float], list[float]]:
        """The first ``width`` slots of ``patience`` and ``no_show_u``, flattened row by row.

        Resident i's draws start at ``i × width`` (lists index faster than numpy arrays, and
        the slots beyond the longest route of the day are never read). Remembered per width.
        """
        found = self._draw_lists.get(width)
        if found is None:
            found = (
                self.patience[:, :width].ravel().tolist(),
                self.no_show_u[:, :width].ravel().tolist(),
            )
            self._draw_lists[width] = found
        return found

    def bundle(self, i: int) -> tuple[int, ...]:
        """The procedures (catalog indices) resident ``i`` needs."""
        return self.catalog[int(self.bundle_ids[i])]

    @property
    def size(self) -> int:
        """Number of residents arriving (new visits, return visits not included)."""
        return int(self.arrival_min.size)


def _hour_windows(study: Study) -> np.ndarray:
    """(start, end) minutes of the part of each profile hour the hall is open."""
    arr = study.arrivals
    return np.array([arr.hour_window(h) for h in range(len(arr.hour_profile))], dtype=float)


def _arrival_times(
    study: Study, total_rate: float, rng: np.random.Generator, windows: np.ndarray | None = None
) -> np.ndarray:
    """Arrival minutes of one day: ``hour_profile[h]`` of the residents in hour ``h``, spread
    evenly over the part of that hour the hall is open (:meth:`hour_window`, or ``windows``
    as :func:`_hour_windows` gives them), so an hour that opening or closing cuts short keeps
    its whole share (08:45–09:00, 17:00–17:15)."""
    arr = study.arrivals
    profile = np.asarray(arr.hour_profile, dtype=float)
    counts = rng.poisson(total_rate * profile)
    if windows is None:
        windows = _hour_windows(study)
    start, end = windows[:, 0], windows[:, 1]
    closed = end <= start  # an hour outside opening hours: its share has nowhere to go
    start = np.where(closed, float(arr.open_min), start)
    end = np.where(closed, float(arr.close_min), end)
    width = np.repeat(end - start, counts)
    times = np.repeat(start, counts) + width * rng.random(int(counts.sum()))
    times.sort(kind="stable")
    return times


class ResidentModel:
    """What the residents of a study bring with them, prepared once per run (catalog indices)."""

    def __init__(self, study: Study) -> None:
        self.study = study
        self.quantiles = ServiceQuantiles.of(study)
        index = {p.id: k for k, p in enumerate(study.procedures)}
        self.event_procs: list[tuple[np.ndarray, np.ndarray]] = [
            (
                np.asarray([index[pid] for pid in ev.procedures], dtype=np.int64),
                np.asarray(list(ev.procedures.values()), dtype=float),
            )
            for ev in study.life_events
        ]
        self.width = max((len(ev.procedures) for ev in study.life_events), default=1)
        #: (start, end) of the open part of each profile hour (see :func:`_hour_windows`)
        self.hour_windows = _hour_windows(study)
        self._bits = np.int64(1) << np.arange(self.width, dtype=np.int64)
        self._keys: dict[tuple[int, int], int] = {}
        self._rates: dict[dt.date, np.ndarray] = {}
        self._tuples: dict[tuple[int, ...], int] = {}
        #: every distinct bundle met so far; a resident's ``bundle_ids`` entry indexes it
        self.bundles: list[tuple[int, ...]] = []

    def rates(self, day: dt.date) -> np.ndarray:
        """Expected visits of ``day`` per life event (see :func:`event_rates`), remembered."""
        found = self._rates.get(day)
        if found is None:
            found = event_rates(self.study, day)
            self._rates[day] = found
        return found

    def bundle_id(self, event: int, code: int) -> int:
        """Number of the bundle of ``event`` whose procedures have their bit set in ``code``."""
        key = (event, code)
        found = self._keys.get(key)
        if found is None:
            procs = self.event_procs[event][0]
            bundle = tuple(int(procs[j]) for j in range(procs.size) if code >> j & 1)
            found = len(self.bundles)
            self.bundles.append(bundle)
            self._keys[key] = found
        return found

    def bundle_id_of(self, bundle: tuple[int, ...]) -> int:
        """Number of an arbitrary bundle (a return visit's single procedure)."""
        found = self._tuples.get(bundle)
        if found is None:
            found = len(self.bundles)
            self.bundles.append(bundle)
            self._tuples[bundle] = found
        return found

    def bundle_codes(
        self, events: np.ndarray, bundle_u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inclusion bit pattern of each resident's bundle, and the (resident × procedure) need matrix.

        A resident whose draws include nothing gets the event's most likely procedure (so every
        visit has at least one).
        """
        n = events.size
        codes = np.zeros(n, dtype=np.int64)
        need = np.zeros((n, len(self.study.procedures)), dtype=bool)
        order = np.argsort(events, kind="stable")
        bounds = np.cumsum(np.bincount(events, minlength=len(self.event_procs)))
        start = 0
        for e, (procs, probs) in enumerate(self.event_procs):
            stop = int(bounds[e])
            if stop == start:
                continue
            rows = order[start:stop]
            start = stop
            k = procs.size
            take = bundle_u[rows, :k] < probs
            empty = ~take.any(axis=1)
            if empty.any():
                take[empty, int(np.argmax(probs))] = True
            codes[rows] = take @ self._bits[:k]
            need[rows[:, None], procs[None, :]] = take
        return codes, need


def return_time(study: Study, u_hour: float, u_min: float) -> float:
    """Arrival minute of a return visit from two uniforms (hour by the hour profile)."""
    arr = study.arrivals
    cum = np.cumsum(np.asarray(arr.hour_profile, dtype=float))
    hour = int(np.searchsorted(cum / cum[-1], u_hour, side="right"))
    hour = min(hour, len(arr.hour_profile) - 1)
    start, end = arr.hour_window(hour)
    if end <= start:  # the hour lies outside opening hours: fall back to the whole day
        start, end = arr.open_min, arr.close_min
    return float(start + (end - start) * u_min)


def draw_day(
    study: Study,
    day: dt.date,
    *,
    replication: int,
    seed: int,
    model: ResidentModel,
    slots: int,
    streams: DayStreams | None = None,
    needs: Needs | None = None,
) -> DayPopulation:
    """Draw the residents of ``day`` for ``replication`` (scenario-independent, see module doc).

    ``slots`` is the largest number of tickets a visit can take in any scenario (one patience
    and one no-show draw per ticket slot). ``needs`` (default: everything) leaves out the
    patience, no-show or omission draws that none of the scenarios played uses; their streams
    are separate, so every other draw is the same either way (common random numbers).
    """
    needs = needs or Needs()
    s = streams or day_streams(seed, replication, day)
    quantiles = model.quantiles
    n_proc = len(study.procedures)
    rates = model.rates(day)
    total = float(rates.sum())
    times = (
        np.empty(0)
        if total <= 0.0
        else _arrival_times(study, total, s.arrivals, model.hour_windows)
    )
    n = int(times.size)
    # life events, categorical by rate (restricted peaks change the mix)
    if n:
        cum = np.cumsum(rates / total)
        events = np.minimum(
            np.searchsorted(cum, s.life_events.random(n), side="right"), len(rates) - 1
        )
    else:
        events = np.empty(0, dtype=np.int64)
    # bundles: independent draws per procedure of the life event
    bundle_u = s.bundles.random((n, model.width))
    codes, need = model.bundle_codes(events, bundle_u)
    n_events = len(model.event_procs)
    keys_u, inverse = np.unique(codes * n_events + events, return_inverse=True)
    bundle_id = model.bundle_id
    key_ids = [bundle_id(int(key % n_events), int(key // n_events)) for key in keys_u.tolist()]
    ids = np.asarray(key_ids, dtype=np.int64)[inverse.reshape(-1)]
    # service uniforms per (resident, procedure), turned into minutes at both kinds of counter
    u = s.service.random((n, n_proc))
    flat = np.flatnonzero(need.ravel())
    cols = flat % n_proc if n_proc else flat
    by_col = np.argsort(cols, kind="stable")
    bounds = (
        np.cumsum(np.bincount(cols, minlength=n_proc))
        if flat.size
        else np.zeros(n_proc, dtype=np.int64)
    )
    u_flat = u.ravel()[flat]
    bd_values = np.zeros(flat.size)
    os_values = np.zeros(flat.size)
    start = 0
    for k in range(n_proc):
        stop = int(bounds[k])
        if stop == start:
            continue
        sel = by_col[start:stop]
        start = stop
        uk = u_flat[sel]
        bd_values[sel] = quantiles.by_department[k](uk)
        q_os = quantiles.one_stop[k]
        if q_os is not None:
            os_values[sel] = q_os(uk)
    bd_dense = np.zeros(n * n_proc)
    bd_dense[flat] = bd_values
    os_dense = np.zeros(n * n_proc)
    os_dense[flat] = os_values
    patience = s.patience.standard_exponential((n, slots)) if needs.patience else np.zeros((n, 0))
    no_show_u = s.no_show.random((n, slots)) if needs.no_show else np.zeros((n, 0))
    om = s.omission.random((n, 8)) if needs.omission else np.zeros((n, 8))
    persona = np.full(n, -1, dtype=np.int64)
    if study.personas and n:
        cum = np.cumsum([p.share for p in study.personas])
        drawn = np.searchsorted(cum, s.persona.random(n), side="right")
        persona = np.where(drawn < cum.size, drawn, -1).astype(np.int64)
    return DayPopulation(
        day=day,
        arrival_min=times,
        life_event=events,
        catalog=model.bundles,
        bundle_ids=ids,
        n_proc=n_proc,
        service_bd=bd_dense.reshape(n, n_proc),
        service_os=os_dense.reshape(n, n_proc),
        patience=patience,
        no_show_u=no_show_u,
        omit_u=om[:, 0],
        omit_pick=om[:, 1],
        omit_days=1
        + np.minimum((om[:, 2] * MAX_RETURN_DAYS).astype(np.int64), MAX_RETURN_DAYS - 1),
        ret_time_u=om[:, 3:5],
        ret_service_u=om[:, 5],
        ret_patience=-np.log1p(-om[:, 6]),
        ret_no_show_u=om[:, 7],
        persona=persona,
    )


def return_times(study: Study, u_hour: np.ndarray, u_min: np.ndarray) -> np.ndarray:
    """:func:`return_time` for arrays of uniforms."""
    arr = study.arrivals
    profile = np.asarray(arr.hour_profile, dtype=float)
    cum = np.cumsum(profile)
    hours = np.minimum(np.searchsorted(cum / cum[-1], u_hour, side="right"), profile.size - 1)
    windows = np.array([arr.hour_window(h) for h in range(profile.size)], dtype=float)
    start, end = windows[hours, 0], windows[hours, 1]
    empty = end <= start
    start = np.where(empty, float(arr.open_min), start)
    end = np.where(empty, float(arr.close_min), end)
    return start + (end - start) * u_min


def working_days_after(study: Study, day: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``day`` (weekends and holidays skipped)."""
    current = day
    found = 0
    while found < count:
        current += dt.timedelta(days=1)
        if is_working_day(study, current):
            found += 1
    return current
