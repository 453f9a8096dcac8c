"""Confidence intervals over replications for a share (a KPI between 0 and 1).

Replications are the independent units of an experiment (tickets of one simulated day are
not: they share one queue). For a KPI that is a share — a service level, an abandon share,
utilisation — a Student-t interval on the share itself can reach past 0 or 1, and cutting it
there gives intervals such as [0.00, 1.00] that no replication could have produced. Here the
t interval is built on the logit scale, log(p / (1 − p)), with the delta method, and mapped
back:

    logit(p̂) ± t(m − 1) · se(p̂) / (p̂ (1 − p̂))   →   p = 1 / (1 + e^(−x)),

where p̂ is the estimate over the m replications and se(p̂) its standard error on the share
scale. The interval lies strictly inside (0, 1), always contains p̂, and is asymmetric near
0 or 1, as a share's uncertainty is. No continuity rule is needed: p̂ is 0 or 1 only when every
replication's share is 0 (or 1), so se(p̂) = 0 and the interval is the point p̂ itself.

* :func:`share_interval`: the replications' shares, p̂ their mean (the experiment summary:
  each replication's share pools all its simulated days);
* :func:`ratio_share_interval`: per-replication counts (within, counted), p̂ = Σ within ÷
  Σ counted and se(p̂) that of the ratio estimator (the staffing planner's blocks).

>>> mean, low, high = share_interval([0.8, 0.85, 0.9])
>>> round(mean, 2), round(low, 4), round(high, 4)
(0.85, 0.6814, 0.9375)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy import stats

__all__ = ["ShareInterval", "logit_interval", "ratio_share_interval", "share_interval"]


class ShareInterval(NamedTuple):
    """A share's estimate and the ends of its confidence interval (NaN when unknown)."""

    estimate: float
    low: float
    high: float


def _expit(x: float) -> float:
    """The share whose logit is ``x`` (numerically safe at both ends)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit_interval(estimate: float, se: float, m: int, confidence: float) -> ShareInterval:
    """The t interval (m − 1 degrees of freedom) of a share ``estimate`` with standard error
    ``se`` on the share scale, built on the logit scale (delta method) and mapped back.

    An estimate of exactly 0 or 1 (or a zero ``se``) gives the point itself; fewer than two
    replications give NaN ends.
    """
    if not math.isfinite(estimate):
        return ShareInterval(math.nan, math.nan, math.nan)
    if m < 2 or not math.isfinite(se):
        return ShareInterval(estimate, math.nan, math.nan)
    if se == 0.0 or estimate <= 0.0 or estimate >= 1.0:
        return ShareInterval(estimate, estimate, estimate)
    centre = math.log(estimate / (1.0 - estimate))
    half = float(stats.t.ppf(0.5 + confidence / 2, m - 1)) * se / (estimate * (1.0 - estimate))
    low, high = _expit(centre - half), _expit(centre + half)
    # rounding at the far ends of the logit scale must not put the estimate outside
    return ShareInterval(estimate, min(low, estimate), max(high, estimate))


def share_interval(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> ShareInterval:
    """Mean of the replications' shares and its t interval on the logit scale.

    ``values``: one share per replication (NaN ones — a replication without tickets — are
    left out); se = s / √m with s their standard deviation.
    """
    shares = np.asarray(values, dtype=float)
    shares = shares[np.isfinite(shares)]
    m = int(shares.size)
    if m == 0:
        return ShareInterval(math.nan, math.nan, math.nan)
    mean = float(shares.mean())
    se = float(shares.std(ddof=1)) / math.sqrt(m) if m > 1 else math.nan
    return logit_interval(mean, se, m, confidence)


def ratio_share_interval(
    within: np.ndarray, counted: np.ndarray, confidence: float = 0.95
) -> ShareInterval:
    """Pooled share Σ within ÷ Σ counted over replications, with its t interval on the logit
    scale.

    ``within[i]`` of ``counted[i]`` tickets in replication i. The variance is that of the
    ratio estimator, Σ (w_i − p̂ n_i)² / (m (m − 1) n̄²) over the m replications, so a
    replication with many tickets weighs more than one with few, and one without tickets adds
    nothing but a zero. With one replication the ends are unknown (NaN), as in
    :func:`logit_interval`: one run says nothing about its own spread.
    """
    total = float(counted.sum())
    if total == 0:
        return ShareInterval(math.nan, math.nan, math.nan)
    share = float(within.sum()) / total
    m = int(counted.size)
    if m < 2:
        return ShareInterval(share, math.nan, math.nan)
    mean_n = total / m
    var = float(np.sum((within - share * counted) ** 2)) / (m * (m - 1) * mean_n**2)
    return logit_interval(share, math.sqrt(var), m, confidence)
