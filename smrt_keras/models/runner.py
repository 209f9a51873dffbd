"""Runs training jobs through the engine: minibatch plans, groups of jobs
that train together, blocks, early stopping, divergence checks and the
per-epoch history.

The minibatch order is the one Keras's ``fit`` would see from a shuffled
dataset (a fresh permutation each epoch, ``ceil(n / batch)`` batches, the last
one smaller), drawn from the job's seed in numpy. Batches are padded to the
program's shape and the padding is masked out of the loss.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import numpy as np
from keras import ops

import smrt_keras.models.distributed as distributed
import smrt_keras.models.engine as engine
from smrt_keras.models.divergence import TrainingDivergedError, divergence_message
from smrt_keras.models.jobs import JobListener, Recorder
from smrt_keras.models.trained import TrainedVAE, template


class BatchPlan:
    """Step-by-step minibatch indices of one job, drawn lazily per epoch."""

    def __init__(self, n: int, batch: int, epochs: int, seed: int):
        self.n, self.batch, self.epochs = int(n), int(batch), int(epochs)
        self.steps_per_epoch = math.ceil(self.n / self.batch)
        self.total_steps = self.steps_per_epoch * self.epochs
        self._rng = np.random.default_rng(seed)
        # Only the current epoch's order is kept: steps are read in order, and
        # one permutation of a 5M-row class is 40 MB.
        self._epoch, self._order = -1, np.empty(0, np.intp)
        # Augmentation draws from its own stream, so it never changes the order.
        self.augment_rng = np.random.default_rng([seed, 1])

    def rows(self, step: int) -> np.ndarray:
        """Indices of the samples in global step ``step``."""
        epoch, k = divmod(step, self.steps_per_epoch)
        if epoch < self._epoch:
            raise ValueError(f"step {step} is of epoch {epoch}, already passed.")
        while self._epoch < epoch:
            self._order, self._epoch = self._rng.permutation(self.n), self._epoch + 1
        return self._order[k * self.batch : (k + 1) * self.batch]

    def epoch_of(self, step: int) -> int:
        return step // self.steps_per_epoch


def block_arrays(x, plan: BatchPlan, first: int, steps: int, padded: int, augment):
    """``(batches, weights, count)`` for steps ``first .. first + steps - 1``.

    ``count`` is how many of the block's steps are real (fewer in a job's
    last block); the rest are left as zeros and never run.
    """
    batches = np.zeros((steps, padded, *x.shape[1:]), dtype="float32")
    weights = np.zeros((steps, padded), dtype="float32")
    last = min(first + steps, plan.total_steps)
    rows = [plan.rows(step) for step in range(first, last)]
    if not rows:
        return batches, weights, np.int32(0)
    # One gather per block (and one augmentation call): ``x`` may be a view
    # that reads and scales its rows on access (a big class, never copied).
    real = x[np.concatenate(rows)]
    if augment is not None:
        real = augment(real, plan.augment_rng)
    start = 0
    for i, taken in enumerate(rows):
        batches[i, : len(taken)] = real[start : start + len(taken)]
        weights[i, : len(taken)] = 1.0
        start += len(taken)
    return batches, weights, np.int32(len(rows))


#: Training rows checked at once when they come as a view rather than an array.
CHECK_ROWS = 65_536


def _checked(model, x):
    """``x`` checked by the template: an array, or (for a large view that
    reads its rows on access) the view itself, checked chunk by chunk so
    that the class is never held whole."""
    if isinstance(x, np.ndarray) or len(x) <= CHECK_ROWS:
        return model.check_data(np.asarray(x), "x")
    for start in range(0, len(x), CHECK_ROWS):
        model.check_data(x[start : start + CHECK_ROWS], "x")
    return x


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


class _Member:
    """One job inside a group: its data, plan, stopper, history and result.

    No Keras model is built per job: the shared template checks the data and
    provides the computation, and the result is a :class:`TrainedVAE`.
    """

    def __init__(self, index: int, job):
        self.index, self.job = index, job
        model = template(job.config)
        self.likelihood = model.likelihood
        self.x = _checked(model, job.x_train)
        self.x_val = None
        if job.x_val is not None and len(job.x_val):
            self.x_val = model.check_data(job.x_val, "x_val")
        batch = min(int(job.batch_size), len(self.x))
        self.plan = BatchPlan(len(self.x), batch, job.epochs, job.seed)
        self.padded = engine.padded_batch(batch)
        self.stopper = EarlyStopping(job.patience)
        self.history: dict[str, list[float]] = {"loss": []}
        self.pending: list[float] = []
        self.done = False
        # The template has the VAE's defaults for the keys left out of it.
        beta = job.config.get("beta", model.beta)
        warmup = job.config.get("kl_warmup_steps", model.kl_warmup_steps)
        self.runtime = (job.learning_rate, beta, warmup)
        self.result: TrainedVAE | None = None

    def group_key(self) -> tuple:
        # Jobs train together when they share a program and their step
        # budgets are within 2x, so few steps run masked.
        budget = max(1, self.plan.total_steps).bit_length()
        key = engine.program_key(self.job.config, self.padded, engine.BLOCK_STEPS)
        stacked = engine.vectorises(self.job.config)
        alone = (
            ()
            if stacked and not distributed.trains_alone(len(self.x))
            else (self.index,)
        )
        return (*key, budget, *alone)


def fit_jobs(jobs, listener=None) -> list:
    """Train ``jobs``; jobs of one architecture and padded batch train together.

    Returns ``(trained, history)`` per job, in order, ``trained`` a
    :class:`~smrt_keras.models.trained.TrainedVAE`. ``listener`` (a
    :class:`~smrt_keras.models.jobs.JobListener`) hears ``start_job``,
    ``epoch`` and ``end_job`` per job; jobs of one group start together.
    """
    listener = JobListener() if listener is None else listener
    members = [_Member(i, job) for i, job in enumerate(jobs)]
    groups: dict[tuple, list[_Member]] = {}
    for member in members:
        groups.setdefault(member.group_key(), []).append(member)
    for group in groups.values():
        _train_group(group, listener)
    return [(m.result, m.history) for m in members]


def fit_job(job, on_epoch_end: Callable | None = None):
    """Train one job; ``on_epoch_end(epoch, logs)`` hears each epoch.

    Returns ``(vae, history)``: a Keras
    :class:`~smrt_keras.models.vae.VAE` holding the weights of the best
    evaluation when early stopping is on, else the last ones.
    """
    trained, history = fit_jobs([job], Recorder(on_epoch_end))[0]
    return trained.materialise(), history


def _train_group(group: list[_Member], listener) -> None:
    program = engine.get_program(group[0].job.config, group[0].padded)
    # Pad the group to a power of two with idle copies of its first job, so
    # groups of nearby sizes share the traced program.
    size = engine.next_pow2(len(group))
    seeds = [m.job.seed for m in group]
    starts = [m.job.initial_weights for m in group]
    state = engine.initial_state(
        group[0].job.config,
        seeds + seeds[:1] * (size - len(group)),
        starts + starts[:1] * (size - len(group)),
    )
    runtime = engine.runtime_args(
        [m.runtime for m in group] + [group[0].runtime] * (size - len(group))
    )
    x_val = _validation_stack(group, size)
    # A big class splits each minibatch across devices (several devices).
    split = distributed.split_blocks(program, max(len(m.x) for m in group), size)
    run_block = program.run_block if split is None else split.run
    if split is not None:
        state = split.start(state)
    start = time.perf_counter()
    for m in group:
        listener.start_job(m.index)
    first = 0
    while not all(m.done for m in group):
        arrays = _group_block(group, size, first, program)
        state, losses = run_block(state, *arrays, *runtime)
        losses = ops.convert_to_numpy(losses)
        evaluated = _evaluate(program, state, x_val, runtime) if x_val else None
        for k, m in enumerate(group):
            if not m.done:
                _after_block(m, k, state, losses[k], first, evaluated, listener, start)
        first += program.steps
    _write_best(group)


def _write_best(group: list[_Member]) -> None:
    # One host copy per distinct stacked state, then numpy slices: cheaper
    # than slicing every weight tensor of every job on the device.
    hosts: dict[int, engine.State] = {}
    for m in group:
        best, row = m.best
        if id(best) not in hosts:
            hosts[id(best)] = engine.to_numpy(best)
        state = engine.unstack_state(hosts[id(best)], row)
        m.result = TrainedVAE(
            m.job.config, m.job.seed, state.trainable, state.non_trainable
        )


def _group_block(group, size, first, program):
    shape = (size, program.steps, program.batch, *group[0].x.shape[1:])
    batches = np.zeros(shape, "float32")
    weights = np.zeros(shape[:3], "float32")
    counts = np.zeros(size, "int32")
    for k, m in enumerate(group):
        if not m.done:
            batches[k], weights[k], counts[k] = block_arrays(
                m.x, m.plan, first, program.steps, program.batch, m.job.augment
            )
    return batches, weights, ops.convert_to_tensor(counts)


def _validation_stack(group, size):
    if all(m.x_val is None for m in group):
        return None
    rows = engine.next_pow2(max(len(m.x_val) for m in group if m.x_val is not None))
    x = np.zeros((size, rows, *group[0].x.shape[1:]), "float32")
    w = np.zeros((size, rows), "float32")
    for k, m in enumerate(group):
        if m.x_val is not None:
            x[k, : len(m.x_val)], w[k, : len(m.x_val)] = m.x_val, 1.0
    return x, w


def _evaluate(program, state, x_val, runtime):
    _, beta, warmup = runtime
    return program.evaluate_states(state, *x_val, beta, warmup)


def _after_block(m, k, state, losses, first, evaluated, listener, start):
    """Bookkeeping for member ``m`` (row ``k``) after a block."""
    count = max(0, min(engine.BLOCK_STEPS, m.plan.total_steps - first))
    losses = losses[:count]
    _check_finite(losses, first, m.plan, m.likelihood)
    last_epoch = _epoch_ends(m, losses, first, listener)
    finished = first + count >= m.plan.total_steps
    if last_epoch is not None:
        if m.x_val is not None:
            value = float(evaluated[k])
            m.history.setdefault("val_loss", []).append(value)
        else:
            value = m.history["loss"][-1]
        finished |= m.stopper.update(value, last_epoch, (state, k))
    if finished:
        m.done = True
        m.best = m.stopper.best_state or (state, k)
        listener.end_job(m.index, m.history, time.perf_counter() - start)


def _epoch_ends(m, losses, first, listener):
    """Append finished epochs' mean losses; return the last finished epoch."""
    last = None
    for i, loss in enumerate(losses):
        m.pending.append(float(loss))
        step = first + i
        if (step + 1) % m.plan.steps_per_epoch == 0:
            epoch = m.plan.epoch_of(step)
            m.history["loss"].append(float(np.mean(m.pending)))
            m.pending.clear()
            listener.epoch(m.index, epoch, {"loss": m.history["loss"][-1]})
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
