"""The statistics of `report factors`: risk ratios with their 95% intervals (plain
arithmetic) and a multivariable logistic regression (statsmodels, imported only here and
only when there is enough data to fit one).

A data set is a list of factor names, one 0/1 row per unit and the 0/1 outcome of each.
"""

from __future__ import annotations

import math
import operator
import os
import threading
import warnings
from dataclasses import dataclass

Z95 = 1.959964
MIN_EVENTS = 10  # fewer units with (or without) the outcome than this: too little data
EVENTS_PER_FACTOR = 5  # the adjusted model takes at most events / this many factors
MIN_GROUP = 5  # a factor present (and absent) in fewer units than this is left out
MAX_FIT = 10_000  # units the regression is fitted on at most (evenly sampled past that)
MAX_LOG_ODDS = 20.0  # a fitted log odds ratio past this means separation, not an estimate
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Data:
    names: list[str]
    rows: list[list[int]]
    outcome: list[int]
    every: int = 1  # the units are every Nth of the population (an even sample past 1)


@dataclass(frozen=True)
class Risk:
    """A factor's crude comparison: the outcome's rate with and without it."""

    name: str
    with_n: int
    with_rate: float
    without_n: int
    without_rate: float
    ratio: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Adjusted:
    """A factor's odds ratio with every other factor in the model held equal."""

    name: str
    odds_ratio: float
    low: float
    high: float
    p: float


def risk_ratio(a: int, n1: int, c: int, n0: int) -> tuple[float | None, float | None, float | None]:
    """(ratio, low, high) of A/N1 over C/N0 with the log-normal 95% interval; half a count
    is added to every cell when one is empty (Haldane), None when a group is empty."""
    if n1 == 0 or n0 == 0:
        return None, None, None
    if a == 0 or c == 0 or a == n1 or c == n0:
        a_, n1_, c_, n0_ = a + 0.5, n1 + 1.0, c + 0.5, n0 + 1.0
    else:
        a_, n1_, c_, n0_ = float(a), float(n1), float(c), float(n0)
    ratio = (a_ / n1_) / (c_ / n0_)
    se = math.sqrt(1 / a_ - 1 / n1_ + 1 / c_ - 1 / n0_)
    return ratio, ratio * math.exp(-Z95 * se), ratio * math.exp(Z95 * se)


def risks(data: Data) -> list[Risk]:
    """Every factor with enough units on both sides, strongest first."""
    found = []
    events = sum(data.outcome)
    for name, column in zip(data.names, _columns(data), strict=True):
        n1 = sum(column)  # 0/1 values: the units with the factor, and those with the outcome
        a = sum(map(operator.mul, column, data.outcome))
        n0, c = len(column) - n1, events - a
        if n1 < MIN_GROUP or n0 < MIN_GROUP:
            continue
        ratio, low, high = risk_ratio(a, n1, c, n0)
        found.append(Risk(name, n1, 100.0 * a / n1, n0, 100.0 * c / n0, ratio, low, high))
    found.sort(key=lambda r: -abs(math.log(r.ratio)) if r.ratio else 0.0)
    return found


def _columns(data: Data) -> list[tuple[int, ...]]:
    """Each factor's 0/1 values over the units (the rows turned on their side)."""
    return list(zip(*data.rows, strict=True)) if data.rows else [() for _name in data.names]


def too_little(data: Data) -> str:
    """Why the data cannot answer (empty when it can)."""
    events = sum(data.outcome)
    others = len(data.outcome) - events
    if min(events, others) < MIN_EVENTS:
        return (
            f"too little data: {events} with the outcome and {others} without; "
            f"each needs at least {MIN_EVENTS}"
        )
    return ""


def _usable(data: Data) -> list[int]:
    """The factors the model can take: present and absent often enough, at most
    events/EVENTS_PER_FACTOR of them (the most common first)."""
    events = min(sum(data.outcome), len(data.outcome) - sum(data.outcome))
    counts = [sum(column) for column in _columns(data)]
    keep = [j for j, n in enumerate(counts) if MIN_GROUP <= n <= len(data.rows) - MIN_GROUP]
    keep.sort(key=lambda j: -min(counts[j], len(data.rows) - counts[j]))
    return sorted(keep[: max(1, events // EVENTS_PER_FACTOR)])


def one_blas_thread() -> None:
    """Our matrices are small (10,000 x 30 at most), so BLAS threads only fight over the
    cores: on a loaded two-core machine they made the model's rank check 20 times slower
    (100 ms against 5 ms) and each Newton step 8 times. Takes effect only before numpy's
    first import; a setting of the user's own wins."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def _import_model() -> None:
    one_blas_thread()
    try:
        import numpy  # noqa: F401
        from statsmodels.discrete import discrete_model  # noqa: F401
    except ImportError:
        return  # adjusted() meets it again where it can be reported


_loading: list[threading.Thread] = []


def load_soon() -> threading.Thread:
    """Start importing the regression's libraries (1.5 to 4.5 s on a loaded machine) on a
    thread while the caller reads the database: SQLite lets go of the interpreter while it
    works, so the two overlap. adjusted()'s own import then waits for this one to finish.
    Once per process: the command line starts it before it even opens the database."""
    if not _loading:
        _loading.append(threading.Thread(target=_import_model, name="statsmodels-import"))
        _loading[0].daemon = True
        _loading[0].start()
    return _loading[0]


def adjusted(data: Data) -> tuple[list[Adjusted], str]:
    """The logistic regression's odds ratios, or why none could be fitted."""
    reason = too_little(data)
    if reason:
        return [], reason
    keep = _usable(data)
    if not keep:
        return [], "too little data: no factor is both present and absent often enough"
    one_blas_thread()
    import numpy as np  # deferred: ~0.1 s
    from statsmodels.discrete.discrete_model import Logit  # deferred: ~1.5 s
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    step = max(1, -(-len(data.rows) // MAX_FIT))  # an even sample: as sure, far faster
    x = np.array([[1.0] + [float(row[j]) for j in keep] for row in data.rows[::step]])
    y = np.array(data.outcome[::step], dtype=float)
    try:
        with warnings.catch_warnings():  # convergence trouble shows as unusable estimates
            warnings.simplefilter("ignore")
            fitted = Logit(y, x).fit(disp=0, maxiter=35)
    except (PerfectSeparationError, np.linalg.LinAlgError, ValueError) as exc:
        return [], f"the model could not be fitted ({exc}); the crude rates above still hold"
    interval = fitted.conf_int(0.05)
    results = []
    for position, j in enumerate(keep, start=1):
        coef = float(fitted.params[position])
        low, high = (float(v) for v in interval[position])
        p = float(fitted.pvalues[position])
        if not all(math.isfinite(v) and abs(v) < MAX_LOG_ODDS for v in (coef, low, high, p)):
            continue  # (nearly) separated: the data cannot say how strong, so it says nothing
        results.append(Adjusted(data.names[j], math.exp(coef), math.exp(low), math.exp(high), p))
    return results, ""


def in_words(item: Adjusted, subject: str) -> str:
    """'with an overdue invoice: rate their calls low 2.4 times as often, other things equal'."""
    if item.p >= 0.05 or item.low <= 1.0 <= item.high:
        return f"{item.name}: no clear effect on {subject} (p = {item.p:.2f})."
    if item.odds_ratio >= 1:
        how = f"{item.odds_ratio:.1f} times the odds"
    else:
        how = f"{1 / item.odds_ratio:.1f} times lower odds"
    return (
        f"{item.name}: {how} of {subject}, other things equal "
        f"(95% interval {item.low:.2f} to {item.high:.2f}, p = {item.p:.3f})."
    )
