"""Runs one training job through the engine: minibatch plan, blocks, early
stopping, divergence checks and the per-epoch history.

The minibatch order is the one Keras's ``fit`` would see from a shuffled
dataset (a fresh permutation each epoch, ``ceil(n / batch)`` batches, the last
one smaller), drawn from the job's seed in numpy. Batches are padded to the
program's shape and the padding is masked out of the loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from keras import ops

from smrt_keras.models import engine
from smrt_keras.models.vae import VAE, TrainingDivergedError, divergence_message


class BatchPlan:
    """Step-by-step minibatch indices of one job, drawn lazily per epoch."""

    def __init__(self, n: int, batch: int, epochs: int, seed: int):
        self.n, self.batch, self.epochs = int(n), int(batch), int(epochs)
        self.steps_per_epoch = math.ceil(self.n / self.batch)
        self.total_steps = self.steps_per_epoch * self.epochs
        self._rng = np.random.default_rng(seed)
        self._orders: list[np.ndarray] = []

    def rows(self, step: int) -> np.ndarray:
        """Indices of the samples in global step ``step``."""
        epoch, k = divmod(step, self.steps_per_epoch)
        while len(self._orders) <= epoch:
            self._orders.append(self._rng.permutation(self.n))
        return self._orders[epoch][k * self.batch : (k + 1) * self.batch]

    def epoch_of(self, step: int) -> int:
        return step // self.steps_per_epoch


def block_arrays(x, plan: BatchPlan, first: int, steps: int, padded: int, augment):
    """``(batches, weights, count)`` for steps ``first .. first + steps - 1``.

    ``count`` is how many of the block's steps are real (fewer in a job's
    last block); the rest are left as zeros and never run.
    """
    batches = np.zeros((steps, padded, *x.shape[1:]), dtype="float32")
    weights = np.zeros((steps, padded), dtype="float32")
    taken = []
    for i in range(steps):
        if first + i >= plan.total_steps:
            break
        rows = plan.rows(first + i)
        taken.append((i, len(rows)))
        batches[i, : len(rows)] = x[rows]
        weights[i, : len(rows)] = 1.0
    if augment is not None and taken:
        # One vectorised call per block rather than one per minibatch.
        real = np.concatenate([batches[i, :k] for i, k in taken])
        real = augment(real, plan.augment_rng).astype("float32")
        start = 0
        for i, k in taken:
            batches[i, :k] = real[start : start + k]
            start += k
    return batches, weights, np.int32(len(taken))


def _padded(x: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    out = np.zeros((size, *x.shape[1:]), dtype="float32")
    out[: len(x)] = x
    weights = np.zeros(size, dtype="float32")
    weights[: len(x)] = 1.0
    return out, weights


class EarlyStopping:
    """Patience in epochs, checked at block ends; remembers the best state."""

    def __init__(self, patience: int | None):
        self.patience = patience
        self.best, self.best_epoch, self.best_state = math.inf, -1, None

    def update(self, value: float, epoch: int, state) -> bool:
        """Record ``value`` after ``epoch``; return whether to stop."""
        if self.patience is None:
            self.best_state = state
            return False
        if value < self.best:
            self.best, self.best_epoch, self.best_state = value, epoch, state
        return epoch - self.best_epoch >= self.patience


def fit_job(job, on_epoch_end: Callable | None = None):
    """Train ``job`` (a :class:`~smrt_keras.models.training.TrainingJob`).

    Returns ``(vae,
    history)``; the VAE holds the weights of the best evaluation when early
    stopping is on, else the last ones.
    """
    vae = VAE(**job.config, seed=job.seed)
    x = vae.check_data(job.x_train, "x")
    x_val = None
    if job.x_val is not None and len(job.x_val):
        x_val = _padded(
            vae.check_data(job.x_val, "x_val"), engine._next_pow2(len(job.x_val))
        )
    batch = min(int(job.batch_size), len(x))
    plan = BatchPlan(len(x), batch, job.epochs, job.seed)
    plan.augment_rng = np.random.default_rng([job.seed, 1])
    program = engine.get_program(job.config, engine.padded_batch(batch))
    state = engine.initial_state(vae)
    runtime = engine.runtime_args(job.learning_rate, vae.beta, vae.kl_warmup_steps)
    history = _run(program, state, x, x_val, plan, job, runtime, on_epoch_end, vae)
    return vae, history


def _run(program, state, x, x_val, plan, job, runtime, on_epoch_end, vae):
    stopper = EarlyStopping(job.patience)
    history: dict[str, list[float]] = {"loss": []}
    epoch_losses: list[float] = []
    for first in range(0, plan.total_steps, program.steps):
        arrays = block_arrays(x, plan, first, program.steps, program.batch, job.augment)
        batches, weights, count = arrays
        # Every argument a tensor, so a new count never retraces the program.
        state, losses = program.run_block(
            state, batches, weights, ops.convert_to_tensor(count), *runtime
        )
        losses = ops.convert_to_numpy(losses)[: int(count)]
        _check_finite(losses, first, plan, vae.likelihood)
        last_epoch = _epoch_ends(
            history, epoch_losses, losses, first, plan, on_epoch_end
        )
        if last_epoch is None:
            continue
        if x_val is not None:
            value = program.evaluate_state(state, *x_val, runtime, vae)
            history.setdefault("val_loss", []).append(value)
        else:
            value = history["loss"][-1]
        if stopper.update(value, last_epoch, state):
            break
    engine.write_state(vae, stopper.best_state or state)
    return history


def _epoch_ends(history, pending, losses, first, plan, on_epoch_end):
    """Append finished epochs' mean losses; return the last finished epoch."""
    last = None
    for i, loss in enumerate(losses):
        pending.append(float(loss))
        step = first + i
        if (step + 1) % plan.steps_per_epoch == 0:
            epoch = plan.epoch_of(step)
            history["loss"].append(float(np.mean(pending)))
            pending.clear()
            if on_epoch_end is not None:
                on_epoch_end(epoch, {"loss": history["loss"][-1]})
            last = epoch
    return last


def _check_finite(losses: np.ndarray, first: int, plan: BatchPlan, likelihood: str):
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        step = first + int(bad[0])
        epoch, batch = divmod(step, plan.steps_per_epoch)
        raise TrainingDivergedError(
            divergence_message(float(losses[bad[0]]), epoch + 1, batch + 1, likelihood)
        )
