"""Grouped sums, extremes, distinct counts and quantiles over numpy arrays of small group codes.

The KPI tables (per hour, per counter, per staff member) aggregate millions of tickets into a
few dozen groups. Here a group is a small integer code ``0 … k−1`` per ticket, and each
aggregate is one vectorised pass: counts of every combination of a ticket's flags from one
:func:`numpy.bincount` of (group, packed flags), exact integer sums and extremes with unbuffered
``ufunc.at``, quantiles from a histogram of (group, value) bins — or one sort of that combined
key when the values are too spread out. Durations are summed as whole microseconds (int64), so
a sum does not depend on the order of the tickets and a mean taken from it is the same whatever
order the log came in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "Ranked",
    "RankedGroups",
    "first_of_pair",
    "flag_count",
    "flag_table",
    "group_count",
    "group_distinct",
    "group_max",
    "group_min",
    "group_sum",
    "pack_flags",
]

_I64 = np.int64
_DENSE_BINS = 50_000_000  # counts over more (group, value) bins than this sort instead
_HISTOGRAM_BINS = 4_000_000  # quantiles from a histogram when it has at most this many bins


def _masked_codes(codes: np.ndarray, k: int, mask: np.ndarray | None) -> np.ndarray:
    """Group codes with the rows outside ``mask`` moved to an extra group ``k``."""
    return codes if mask is None else np.where(mask, codes, k)


def group_count(codes: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Rows per group (only where ``mask``), as int64 of length ``k``."""
    counts = np.bincount(_masked_codes(codes, k, mask), minlength=k + 1)
    return counts[:k].astype(_I64, copy=False)


def pack_flags(flags: Sequence[np.ndarray]) -> np.ndarray:
    """Up to eight boolean flags of each row packed into the bits of one byte (flag i → bit i)."""
    if len(flags) > 8:
        raise ValueError("at most eight flags fit in a byte")
    bits = np.zeros(flags[0].size if flags else 0, dtype=np.uint8)
    for i, flag in enumerate(flags):
        bits |= flag.view(np.uint8) << np.uint8(i)
    return bits


def flag_table(codes: np.ndarray | None, k: int, bits: np.ndarray) -> np.ndarray:
    """Rows per (group, byte of packed flags): shape ``(k, 256)``, one pass over the rows
    (``codes=None``: one group). :func:`flag_count` then counts any combination of flags per
    group from it."""
    if codes is None:
        return np.bincount(bits, minlength=256)[:256].reshape(1, 256).astype(_I64)
    packed = codes.astype(_I64) << 8
    packed |= bits
    return np.bincount(packed, minlength=k << 8)[: k << 8].reshape(k, 256).astype(_I64)


def flag_count(table: np.ndarray, bits: int) -> np.ndarray:
    """Rows per group where every flag of ``bits`` holds (from :func:`flag_table`)."""
    every = np.arange(256)
    return table[:, (every & bits) == bits].sum(axis=1)


def group_sum(
    codes: np.ndarray, values: np.ndarray, k: int, mask: np.ndarray | None = None
) -> np.ndarray:
    """Sum of ``values`` per group (only where ``mask``): exact for integers (int64)."""
    integer = values.dtype.kind in "iub"
    if mask is not None:
        values = np.where(mask, values, 0)
    out = np.zeros(k, dtype=_I64 if integer else np.float64)
    np.add.at(out, codes, values)
    return out


def group_max(
    codes: np.ndarray, values: np.ndarray, k: int, mask: np.ndarray | None = None
) -> np.ndarray:
    """Largest integer value per group as float64 (NaN for a group without values)."""
    return _extreme(np.maximum, codes, values, k, mask)


def group_min(
    codes: np.ndarray, values: np.ndarray, k: int, mask: np.ndarray | None = None
) -> np.ndarray:
    """Smallest integer value per group as float64 (NaN for a group without values)."""
    return _extreme(np.minimum, codes, values, k, mask)


def _extreme(
    op: np.ufunc, codes: np.ndarray, values: np.ndarray, k: int, mask: np.ndarray | None
) -> np.ndarray:
    # int64's extreme value stands for "no value": no time or duration in µs comes near it
    info = np.iinfo(_I64)
    none = info.min if op is np.maximum else info.max
    v = values.astype(_I64, copy=False)
    if mask is not None:
        v = np.where(mask, v, none)
    out = np.full(k, none, dtype=_I64)
    op.at(out, codes, v)
    result = out.astype(np.float64)
    result[out == none] = np.nan
    return result


def group_distinct(
    codes: np.ndarray,
    other: np.ndarray,
    k: int,
    k_other: int,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Number of distinct ``other`` codes (``0 … k_other−1``) per group (only where ``mask``)."""
    pair = codes.astype(_I64) * k_other + other
    if mask is not None:
        pair = np.where(mask, pair, k * k_other)
    if k * k_other <= _DENSE_BINS:
        seen = np.bincount(pair, minlength=k * k_other + 1)[: k * k_other] > 0
        return seen.reshape(k, k_other).sum(axis=1).astype(_I64)
    pairs = np.unique(pair)
    pairs = pairs[pairs < k * k_other]
    return np.bincount(pairs // k_other, minlength=k).astype(_I64)[:k]


def _unit(values: np.ndarray, mask: np.ndarray | None, lowest: int) -> int:
    """The largest of 1 000 000, 1 000 and 1 that divides every ``value − lowest``."""
    for unit in (1_000_000, 1_000):
        rest = np.remainder(values, unit)
        off = rest != lowest % unit
        if not np.any(off, where=mask if mask is not None else True):
            return unit
    return 1


class Ranked:
    """Integer values of the rows where ``mask`` holds, reduced once to bins for ordering by
    group: value = ``lowest + bin · unit`` (unit 1 000 000, 1 000 or 1, the largest dividing
    every value − lowest: waits in whole seconds are counted per second)."""

    def __init__(self, values: np.ndarray, mask: np.ndarray) -> None:
        self.values = values.astype(_I64, copy=False)
        self.mask = mask
        self.count = int(np.count_nonzero(mask))
        if self.count == 0:
            self.lowest, self.unit, self.span = 0, 1, 1
            self.bins = np.zeros(values.size, dtype=_I64)
            return
        info = np.iinfo(_I64)
        self.lowest = int(np.min(self.values, where=mask, initial=info.max))
        highest = int(np.max(self.values, where=mask, initial=info.min))
        self.unit = _unit(self.values, mask, self.lowest)
        self.span = (highest - self.lowest) // self.unit + 1
        self.bins = np.subtract(self.values, self.lowest)
        if self.unit > 1:
            np.floor_divide(self.bins, self.unit, out=self.bins)

    def by(self, codes: np.ndarray | None, k: int) -> RankedGroups:
        """The values ordered within each of ``k`` groups (``codes=None``: one group)."""
        return RankedGroups(self, codes, k)


class RankedGroups:
    """The values of a :class:`Ranked` ordered within groups: counts per group, quantiles and
    counts of the values that pass a test — from a (group, bin) histogram when it is small,
    else from one sort of the combined key."""

    def __init__(self, ranked: Ranked, codes: np.ndarray | None, k: int) -> None:
        self.ranked, self.k = ranked, k
        span = ranked.span
        if codes is None:  # one group: the bins are the key
            key = np.where(ranked.mask, ranked.bins, span)
        else:
            key = codes.astype(_I64) * span
            key += ranked.bins
            np.copyto(key, k * span, where=~ranked.mask)
        self.histogram: np.ndarray | None = None
        self.sorted_key: np.ndarray | None = None
        if k * span <= _HISTOGRAM_BINS:
            self.histogram = np.bincount(key, minlength=k * span + 1)[: k * span].reshape(k, span)
            self.counts = self.histogram.sum(axis=1).astype(_I64)
        else:
            key.sort()
            self.sorted_key = key[: ranked.count]
            self.counts = np.bincount(self.sorted_key // span, minlength=k)[:k].astype(_I64)

    def _value(self, b: np.ndarray) -> np.ndarray:
        return (b * self.ranked.unit + self.ranked.lowest).astype(np.float64)

    def quantiles(self, probs: Sequence[float]) -> np.ndarray:
        """Linear-interpolation quantiles per group (see :func:`group_quantiles`), shape
        ``(len(probs), k)``, NaN for an empty group."""
        k, span = self.k, self.ranked.span
        counts = self.counts
        present = counts > 0
        starts = np.cumsum(counts) - counts
        group = np.arange(k, dtype=_I64)
        if self.histogram is not None:
            cumulative = np.cumsum(self.histogram.ravel())

            def at(idx: np.ndarray) -> np.ndarray:
                b = np.searchsorted(cumulative, idx, side="right")
                return self._value(b - group * span)

        else:
            key = self.sorted_key
            assert key is not None

            def at(idx: np.ndarray) -> np.ndarray:
                return self._value(key[np.minimum(idx, key.size - 1)] - group * span)

        out = np.full((len(probs), k), np.nan)
        if not present.any():
            return out
        for i, p in enumerate(probs):
            h = np.maximum(counts - 1, 0) * float(p)
            below = np.floor(h)
            lo = np.where(present, starts + below.astype(_I64), 0)
            hi = np.where(present, starts + np.ceil(h).astype(_I64), 0)
            low = at(lo)
            out[i] = np.where(present, low + (at(hi) - low) * (h - below), np.nan)
        return out

    def count_where(self, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Per group, how many values pass ``test`` (a vectorised test on float values)."""
        span = self.ranked.span
        if self.histogram is not None:
            passing = test(self._value(np.arange(span, dtype=_I64)))
            return self.histogram[:, passing].sum(axis=1).astype(_I64)
        key = self.sorted_key
        assert key is not None
        passing = test(self._value(key % span))
        return np.bincount(key[passing] // span, minlength=self.k)[: self.k].astype(_I64)


def first_of_pair(visit: np.ndarray, code: np.ndarray) -> np.ndarray:
    """True on the first ticket of each (visit, counter) pair, found by sorting (any visit length)."""
    n = visit.size
    order = np.lexsort((np.arange(n), code, visit))
    v, c = visit[order], code[order]
    new = np.r_[True, (v[1:] != v[:-1]) | (c[1:] != c[:-1])]
    first = np.zeros(n, dtype=bool)
    first[order[new]] = True
    return first
