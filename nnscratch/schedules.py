r"""Learning-rate schedules: ``schedule(step) -> factor``, a number that multiplies the step size.

A schedule is given to an optimiser, ``nn.Adam(1e-3, schedule=nn.CosineDecay(1000))``, which at
update number ``step`` (counting from 0, the optimiser's ``iterations``) uses

$$\eta_t = \frac{\eta}{1 + \text{decay} \cdot t} \cdot \text{schedule}(t),$$

so a schedule combines with ``decay=`` by multiplication (leave ``decay=0`` to use the schedule
alone). ``train_step`` and ``Model.fit`` both step the optimiser, so both follow the schedule.
A schedule is any function of the step that returns a factor $\ge 0$; the classes here are the
three in common use.
"""

from __future__ import annotations

import math
from typing import Callable

from ._validate import check_count, check_fraction, check_positive

Schedule = Callable[[int], float]


class StepDecay:
    r"""Multiply the learning rate by ``factor`` every ``every`` steps:
    $\text{schedule}(t) = \text{factor}^{\lfloor t / \text{every} \rfloor}$."""

    def __init__(self, every: int, factor: float = 0.5) -> None:
        self.every = check_count(every, "every", "StepDecay")
        self.factor = check_positive(factor, "factor", "StepDecay")

    def __repr__(self) -> str:
        return f"StepDecay(every={self.every}, factor={self.factor})"

    def __call__(self, step: int) -> float:
        return self.factor ** (step // self.every)


class CosineDecay:
    r"""Half a cosine from 1 down to ``min_factor`` over ``total_steps`` steps, then constant:
    $\text{schedule}(t) = f_\min + (1 - f_\min)\,\tfrac12\bigl(1 + \cos(\pi \min(t, T) / T)\bigr)$
    with $T$ = ``total_steps``."""

    def __init__(self, total_steps: int, min_factor: float = 0.0) -> None:
        self.total_steps = check_count(total_steps, "total_steps", "CosineDecay")
        self.min_factor = check_fraction(min_factor, "min_factor", "CosineDecay")

    def __repr__(self) -> str:
        return f"CosineDecay(total_steps={self.total_steps}, min_factor={self.min_factor})"

    def __call__(self, step: int) -> float:
        progress = min(step, self.total_steps) / self.total_steps
        return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * progress))


class LinearWarmup:
    r"""Grow linearly over the first ``warmup_steps`` steps, then follow ``then`` (or stay at 1):
    $\text{schedule}(t) = (t + 1) / W$ for $t < W$ = ``warmup_steps``, else
    $\text{then}(t - W)$, so the schedule after the warm-up starts at its own step 0."""

    def __init__(self, warmup_steps: int, then: Schedule | None = None) -> None:
        self.warmup_steps = check_count(warmup_steps, "warmup_steps", "LinearWarmup")
        if then is not None and not callable(then):
            raise TypeError("LinearWarmup: then must be a schedule, a function of the step such "
                            f"as CosineDecay(1000), or None; got {type(then).__name__}.")
        self.then = then

    def __repr__(self) -> str:
        return f"LinearWarmup(warmup_steps={self.warmup_steps}, then={self.then!r})"

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        return 1.0 if self.then is None else self.then(step - self.warmup_steps)


__all__ = ["CosineDecay", "LinearWarmup", "Schedule", "StepDecay"]
