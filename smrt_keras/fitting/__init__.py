"""``(X, y, settings) -> {label: ClassGenerator}``: the one fit loop.

Every fit runs :func:`fit_generators`: prefit generators are adopted, the
other classes are handed to the fit's :class:`~smrt_keras.fitting.sources.Source`
(trained from scratch, fine-tuned from a backbone, or sliced from one
conditional VAE), and every class reports its progress on one
:class:`~smrt_keras.progress.FitProgress`. The modules:

- :mod:`~smrt_keras.fitting.plan`: per-class planning (scale, split, job),
  adoption of prefit generators, rival rows;
- :mod:`~smrt_keras.fitting.sources`: one class per way of making generators.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from smrt_keras.fitting.plan import ClassTask, adopt
from smrt_keras.fitting.sources import Source
from smrt_keras.progress import FitProgress
from smrt_keras.rows import class_rows
from smrt_keras.settings import FitSettings

__all__ = ["fit_generators"]


def fit_generators(
    data: tuple,
    seeds: Mapping,
    prefit: Mapping,
    settings: FitSettings,
    source: Source | None,
) -> dict:
    """``{label: ClassGenerator}`` for every label of ``seeds``, in its order.

    ``data`` is ``(X, y, spec)``: the checked arrays and their input spec.
    Classes in ``prefit`` are adopted (their generator reused, or a bare VAE
    given the class's scaler and codes); ``source`` makes the others
    (``None``: no generator at all).
    ``settings.epochs`` and ``settings.verbose`` drive the progress report.
    Nothing is returned until every class has its generator, so an error (or
    Ctrl-C) leaves the caller's state untouched.
    """
    if source is None:  # fit_resample at a synthetic share of 0: no models
        return {}
    X, y, spec = data
    tasks = [
        ClassTask(k, label, class_rows(X, y, label), seeds[label])
        for k, label in enumerate(seeds, start=1)
    ]
    generators = {}
    with FitProgress(len(tasks), settings.epochs, settings.verbose) as progress:
        if len(spec.sample_shape) > 1:  # the path a 3-D or 4-D X takes, and why
            progress.note(f"input: {spec.input_reason}.")
        for task in tasks:
            if task.label in prefit:
                generators[task.label] = _adopted(
                    task, prefit[task.label], spec, settings, progress
                )
        rest = [t for t in tasks if t.label not in prefit]
        generators.update(source.build(rest, data, settings, progress))
    return {task.label: generators[task.label] for task in tasks}


def _adopted(task: ClassTask, prefit, spec, settings: FitSettings, progress):
    start = time.perf_counter()
    progress.start_class(task.k, task.label)
    generator = adopt(prefit, task.rows, spec, task.label, settings.generation)
    seconds = time.perf_counter() - start
    progress.end_class(
        task.k, task.label, len(task.rows), "prefit generator reused", seconds
    )
    return generator
