"""A revenue trend fitted by least squares (numpy): a straight line, plus one term per
calendar month once there are 24 months to tell a season from chance, and a forecast of
the next months with a 95% prediction interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

SEASONAL_MONTHS = 24
MIN_MONTHS = 6


@dataclass(frozen=True)
class Forecast:
    month: str
    cents: float
    low: float
    high: float


def t_quantile(df: int) -> float:
    """The two-sided 95% quantile of Student's t with DF degrees of freedom (Cornish-Fisher
    expansion around the normal one: within 0.3% from 3 degrees up; no scipy to load)."""
    z = 1.959964
    if df <= 0:
        return float("inf")
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def next_months(last: str, n: int) -> list[str]:
    year, month = (int(p) for p in last.split("-"))
    found = []
    for _ in range(n):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        found.append(f"{year:04d}-{month:02d}")
    return found


def _design(months: list[str], start: int, seasonal: bool) -> list[list[float]]:
    rows = []
    for i, month in enumerate(months):
        row = [1.0, float(start + i)]
        if seasonal:
            calendar = int(month[5:7])
            row += [1.0 if calendar == m else 0.0 for m in range(2, 13)]
        rows.append(row)
    return rows


def forecast(months: list[str], cents: list[float], ahead: int = 3) -> tuple[list[Forecast], str]:
    """The next AHEAD months of a monthly series, or why it cannot be forecast."""
    if len(months) < MIN_MONTHS:
        return [], f"too little data: {len(months)} months; a trend needs {MIN_MONTHS}"
    from pocketcrm.core.analysis.stats import one_blas_thread

    one_blas_thread()
    import numpy as np  # deferred: ~0.1 s

    seasonal = len(months) >= SEASONAL_MONTHS
    x = np.array(_design(months, 0, seasonal))
    y = np.array(cents, dtype=float)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    df = len(months) - x.shape[1]
    residual = y - x @ beta
    s2 = float(residual @ residual) / df if df > 0 else 0.0
    inverse = np.linalg.pinv(x.T @ x)
    t = t_quantile(df)
    ahead_months = next_months(months[-1], ahead)
    found: list[Forecast] = []
    for row in _design(ahead_months, len(months), seasonal):
        x0 = np.array(row)
        point = float(x0 @ beta)
        half = t * math.sqrt(max(0.0, s2 * (1 + float(x0 @ inverse @ x0))))
        found.append(Forecast(ahead_months[len(found)], point, point - half, point + half))
    model = "trend and season" if seasonal else "straight-line trend"
    slope = float(beta[1])
    return found, f"{model} over {len(months)} months; revenue moves {slope / 100:+,.0f} a month"
