"""What the trainer is given and whom it tells: training jobs and listeners.

No Keras and no other part of :mod:`smrt_keras.models`: the trainer
(:mod:`.training`, :mod:`.runner`), the parallel driver (:mod:`.parallel`)
and the layers above all import these from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class TrainingJob:
    """One VAE to fit: its configuration, data and budget.

    ``augment(batch, rng) -> batch``, if given, transforms each training
    minibatch. ``x_val`` (may be ``None``) drives early stopping.
    ``initial_weights``, if given, are the trainable weights to start from (in
    the order of the VAE's ``trainable_variables``): fine-tuning a backbone.
    """

    config: dict[str, Any]
    x_train: np.ndarray
    x_val: np.ndarray | None
    seed: int
    epochs: int
    batch_size: int
    learning_rate: float
    patience: int | None
    augment: Callable | None = None
    initial_weights: list | None = None


class JobListener:
    """Hooks the trainer calls; subclass and override what you need."""

    def start_job(self, index: int) -> None:
        """Job ``index`` is about to train (jobs that train together start
        together)."""

    def epoch(self, index: int, epoch: int, logs: dict | None = None) -> None:
        """Epoch ``epoch`` of job ``index`` ended."""

    def end_job(self, index: int, history: dict, seconds: float) -> None:
        """Job ``index`` finished, ``seconds`` after its group started."""


class Recorder(JobListener):
    """A listener that keeps each job's seconds and relays its epochs.

    Parameters
    ----------
    on_epoch_end : callable or None
        ``on_epoch_end(epoch, logs)``, called at every job's epoch ends.
    """

    def __init__(self, on_epoch_end: Callable | None = None):
        self.on_epoch_end = on_epoch_end
        self.seconds: dict[int, float] = {}

    def epoch(self, index: int, epoch: int, logs: dict | None = None) -> None:
        if self.on_epoch_end is not None:
            self.on_epoch_end(epoch, logs)

    def end_job(self, index: int, history: dict, seconds: float) -> None:
        self.seconds[index] = seconds
