"""The trainer: fits a list of per-class jobs, with seeded shuffling, early
stopping and progress hooks.

It knows nothing about labels, columns or files: a job is a VAE configuration,
scaled arrays and a training budget. Each job runs through the compiled engine
(``engine.py``, ``runner.py``); jobs of the same architecture and padded batch
share one compiled program.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np

from smrt_keras.models.runner import fit_jobs
from smrt_keras.models.trained import TrainedVAE


class ShuffledBatches(keras.utils.PyDataset):
    """Minibatches of ``x`` in an order drawn from a private numpy generator.

    Keras shuffles array inputs with TensorFlow's or NumPy's *global* random
    state, depending on the backend. Shuffling here keeps training repeatable
    for a given seed on every backend without touching anyone's global state.
    """

    def __init__(
        self, x: np.ndarray, batch_size: int, seed: int | None, transform=None
    ):
        super().__init__()
        self.x = x
        self.batch_size = int(batch_size)
        self.rng = np.random.default_rng(seed)
        self.order = self._draw()
        # Optional ``transform(batch, rng) -> batch`` (augmentation), drawn
        # from its own stream so it never changes the minibatch order.
        self.transform = transform
        self.transform_rng = np.random.default_rng(None if seed is None else [seed, 1])

    def _draw(self) -> np.ndarray:
        """The row order of the next epoch."""
        return self.rng.permutation(len(self.x))

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def _rows(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``index``'s row indices and (transformed) rows."""
        idx = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        batch = self.x[idx]
        if self.transform is not None:
            batch = self.transform(batch, self.transform_rng).astype(batch.dtype)
        return idx, batch

    def __getitem__(self, index: int):
        return (self._rows(index)[1],)

    def on_epoch_end(self):
        self.order = self._draw()


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


def train_jobs(
    jobs: Sequence[TrainingJob],
    listener: JobListener | None = None,
    n_jobs: int | None = None,
) -> list[tuple[TrainedVAE, dict[str, list[float]]]]:
    """Fit every job, in order; return ``(trained, history)`` per job.

    With ``n_jobs`` (or a ``joblib.parallel_config``) above 1, the jobs train
    in that many chunks on joblib workers (:mod:`smrt_keras.models.parallel`).

    ``trained`` is a :class:`~smrt_keras.models.trained.TrainedVAE`: the
    weights, able to encode and decode, which builds its Keras model on
    demand.

    Nothing is returned until all jobs have trained, so a failure (or Ctrl-C)
    in any job leaves the caller's state untouched.
    """
    from smrt_keras.models.parallel import chunk_count, train_parallel

    listener = listener or JobListener()
    if len(jobs) > 1 and chunk_count(n_jobs, len(jobs)) > 1:
        return train_parallel(jobs, n_jobs, listener)
    return fit_jobs(jobs, listener)
