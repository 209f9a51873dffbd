"""The trainer: fits a list of per-class jobs, with seeded shuffling, early
stopping and progress hooks.

It knows nothing about labels, columns or files: a job is a VAE configuration,
scaled arrays and a training budget. Taking a list (not one class at a time)
lets a faster engine fit several jobs in one compiled program later without
changing its callers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from smrt_keras.models.vae import VAE


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
        self.order = self.rng.permutation(len(x))
        # Optional ``transform(batch, rng) -> batch`` (augmentation), drawn
        # from its own stream so it never changes the minibatch order.
        self.transform = transform
        self.transform_rng = np.random.default_rng(None if seed is None else [seed, 1])

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index: int):
        idx = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        batch = self.x[idx]
        if self.transform is not None:
            batch = self.transform(batch, self.transform_rng).astype(batch.dtype)
        return (batch,)

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))


def train_vae(
    vae: VAE,
    x: np.ndarray,
    *,
    x_val: np.ndarray | None = None,
    epochs: int = 100,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    patience: int | None = 10,
    seed: int | None = None,
    verbose: int = 0,
    on_epoch_end=None,
    augment=None,
) -> dict[str, list[float]]:
    """Fit ``vae`` on ``x`` and return its per-epoch history.

    Early stopping watches ``val_loss`` when ``x_val`` is given, else ``loss``,
    and restores the best weights. ``patience=None`` disables it.
    ``on_epoch_end(epoch, logs)``, if given, is called after every epoch (the
    facade's progress bar listens there). ``augment(batch, rng) -> batch``,
    if given, transforms every training minibatch (not the validation data).
    """
    x = vae.check_data(x, "x")
    validation = None
    if x_val is not None and len(x_val):
        validation = (vae.check_data(x_val, "x_val"),)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate))
    callbacks = []
    if patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if validation else "loss",
                patience=int(patience),
                restore_best_weights=True,
            )
        )
    if on_epoch_end is not None:
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end))
    history = vae.fit(
        ShuffledBatches(x, min(int(batch_size), len(x)), seed, transform=augment),
        epochs=int(epochs),
        validation_data=validation,
        callbacks=callbacks,
        verbose=verbose,
        # Order comes from ShuffledBatches; Keras's own shuffle of a PyDataset
        # would draw from Python's global `random`.
        shuffle=False,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


@dataclass
class TrainingJob:
    """One VAE to fit: its configuration, data and budget.

    ``augment(batch, rng) -> batch``, if given, transforms each training
    minibatch. ``x_val`` (may be ``None``) drives early stopping.
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


class JobListener:
    """Hooks the trainer calls; subclass and override what you need."""

    def start_job(self, index: int) -> None:
        """Job ``index`` is about to train."""

    def epoch(self, epoch: int, logs: dict | None = None) -> None:
        """An epoch of the current job ended."""

    def end_job(self, index: int, history: dict, seconds: float) -> None:
        """Job ``index`` finished after ``seconds``."""


def train_jobs(
    jobs: Sequence[TrainingJob],
    listener: JobListener | None = None,
    verbose: int = 0,
) -> list[tuple[VAE, dict[str, list[float]]]]:
    """Fit every job, in order; return ``(vae, history)`` per job.

    Nothing is returned until all jobs have trained, so a failure (or Ctrl-C)
    in any job leaves the caller's state untouched.
    """
    listener = listener or JobListener()
    results = []
    for index, job in enumerate(jobs):
        listener.start_job(index)
        start = time.perf_counter()
        vae = VAE(**job.config, seed=job.seed)
        history = train_vae(
            vae,
            job.x_train,
            x_val=job.x_val,
            epochs=job.epochs,
            batch_size=job.batch_size,
            learning_rate=job.learning_rate,
            patience=job.patience,
            seed=job.seed,
            verbose=verbose,
            on_epoch_end=listener.epoch,
            augment=job.augment,
        )
        results.append((vae, history))
        listener.end_job(index, history, time.perf_counter() - start)
    return results
