"""Geometry of the usage bar chart, kept out of the template: pure numbers in, SVG coordinates out."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from app.usage.services import DailyUsage

RIGHT, TOP, BOTTOM = 24, 12, 30


@dataclass(frozen=True)
class Bar:
    day: date
    requests: int
    errors: int
    x: float
    width: float
    y: float
    height: float
    error_y: float
    error_height: float
    label: bool


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n not below `value` (at least 1): round axis labels."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def bar_chart(usage: Sequence[DailyUsage], *, width: int = 720, height: int = 220, left: int = 52,
              max_labels: int = 6) -> Chart:
    """`width`/`height` are SVG units; the page scales the drawing, so a phone gets its own
    narrower chart (fewer day labels, text that stays legible) instead of a shrunken one."""
    top = nice_ceiling(max((u.requests for u in usage), default=0))
    plot_width, plot_height = width - left - RIGHT, height - TOP - BOTTOM
    slot = plot_width / max(len(usage), 1)
    bar_width = max(slot * 0.7, 1.0)
    baseline = TOP + plot_height

    def y_of(value: int) -> float:
        return baseline - plot_height * value / top

    label_every = max(1, math.ceil(len(usage) / max_labels))
    bars = []
    for n, entry in enumerate(usage):
        bar_height = plot_height * entry.requests / top
        error_height = plot_height * entry.errors / top
        bars.append(Bar(day=entry.day, requests=entry.requests, errors=entry.errors,
                        x=round(left + n * slot + (slot - bar_width) / 2, 2), width=round(bar_width, 2),
                        y=round(baseline - bar_height, 2), height=round(bar_height, 2),
                        error_y=round(baseline - error_height, 2), error_height=round(error_height, 2),
                        label=(len(usage) - 1 - n) % label_every == 0))
    ticks = [Tick(value, round(y_of(value), 2)) for value in sorted({0, top // 2, top})
             if value == 0 or value * 2 == top or value == top]
    return Chart(width=width, height=height, left=left, right=width - RIGHT, baseline=baseline,
                 bars=bars, ticks=ticks)


def wide_and_compact(usage: Sequence[DailyUsage]) -> tuple[Chart, Chart]:
    """The desktop drawing and the phone one (CSS shows one of them)."""
    return bar_chart(usage), bar_chart(usage, width=360, height=250, left=40, max_labels=3)
