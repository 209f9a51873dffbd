"""What one compiled training program computes, as pure functions.

A :class:`Program` holds a template VAE of one architecture and the maths of
a training step on a job's :class:`State` (the loss, Adam, the KL weight
schedule, one job's validation loss); the backends (:mod:`.backends`)
compile and vectorise these functions, and the engine (:mod:`.engine`)
caches the compiled programs. This module imports no other part of
:mod:`smrt_keras.models` (``quiet`` aside): the template model and the
compiler come in as arguments, so the backends can import it without
importing the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import ops

#: Adam's constants, as in ``keras.optimizers.Adam``.
ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7


@dataclass
class State:
    """Everything a block reads and writes, as backend tensors."""

    trainable: list
    non_trainable: list
    m: list  # [Adam's first moments of all trainable weights, flattened]
    v: list  # [Adam's second moments, likewise]
    t: object  # optimizer step count (float32 scalar)


class Program:
    """One compiled training block and one compiled evaluation, for a shape.

    Parameters
    ----------
    model : VAE
        The template model: only its computation is used; each job's own
        weights are swapped in through a ``StatelessScope``.
    batch, steps : int
        The padded minibatch size and the optimizer steps per block.
    compile : callable
        ``compile(program) -> (run_block, evaluate)``: the backend's compiled
        block and evaluation of this program
        (:func:`smrt_keras.models.backends.compile_program`).
    """

    def __init__(self, model, batch: int, steps: int, compile: Callable):
        self.template = model
        self.batch, self.steps = int(batch), int(steps)
        self._trainable = model.trainable_variables
        sizes = [math.prod(v.shape) for v in self._trainable]
        # Where each weight's slice of the flat Adam vectors ends.
        self._offsets = [int(o) for o in np.cumsum(sizes)[:-1]]
        self._non_trainable = model.non_trainable_variables
        # The sampling layer's generator state, among the non-trainable ones:
        # the TensorFlow blocks draw each job's noise from it outside the
        # vectorised step (see Program.noise).
        state = model.sampling.seed_generator.state
        self.seed_index = next(
            i for i, v in enumerate(self._non_trainable) if v is state
        )
        # Blocks split over devices, per distribution (models/distributed.py).
        self.split_blocks: dict = {}
        self.run_block, self.evaluate = compile(self)

    def loss(
        self,
        trainable,
        non_trainable,
        x,
        weights,
        kl_weight,
        training,
        share=None,
        noise=None,
    ):
        """Weighted mean negative ELBO (+ L2) and the updated state.

        ``share``, for one replica's slice of a minibatch split across
        devices, is ``(total weight of the whole minibatch, replicas)``: the
        replica's loss is then its part of the whole's, so that the replicas'
        losses (and gradients) sum to the whole minibatch's. ``noise``, if
        given, is the sampling layer's draw (:meth:`noise`), made outside.
        """
        vae = self.template
        mapping = list(zip(self._trainable, trainable, strict=True))
        mapping += list(zip(self._non_trainable, non_trainable, strict=True))
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as s:
            out = vae(x, training=training, noise=noise)
            per_sample = vae.reconstruction_nll(x, out["x_params"])
            per_sample = per_sample + kl_weight * vae.kl_divergence(
                out["z_mean"], out["z_log_var"]
            )
            whole, replicas = (ops.sum(weights), 1.0) if share is None else share
            total = ops.sum(per_sample * weights) / ops.maximum(whole, 1.0)
            for extra in vae.losses:  # L2 penalties
                total = total + ops.cast(extra, total.dtype) / replicas
            updated = [s.get_current_value(v) for v in self._non_trainable]
        updated = [
            old if new is None else new
            for old, new in zip(non_trainable, updated, strict=True)
        ]
        return total, updated

    def noise(self, seed, rows: int):
        """The ``(rows, latent_dim)`` noise the sampling layer draws next from
        generator state ``seed`` (a job's ``non_trainable[seed_index]``),
        drawn by Keras as the layer would draw it.

        Drawing it outside the step lets TensorFlow vectorise the rest of a
        step over jobs: its vectoriser has no rule for a stateless random op
        with a batched seed and falls back to a loop (with a warning).
        """
        generator = self.template.sampling.seed_generator
        with keras.StatelessScope(state_mapping=[(generator.state, seed)]):
            return keras.random.normal((rows, self.template.latent_dim), seed=generator)

    def step_kl_weight(self, state: State, beta, warmup):
        """The KL weight of the step about to run from ``state``."""
        # The VAE counts the step before its loss reads the KL weight.
        return kl_weight(self.template, state.non_trainable, beta, warmup, 1.0)

    def apply_adam(self, state: State, grads: list, new_nt: list, lr) -> State:
        """The state after one Adam step with gradients ``grads``."""
        t = state.t + 1.0
        lr_t = lr * ops.sqrt(1.0 - ADAM_BETA_2**t) / (1.0 - ADAM_BETA_1**t)
        # Adam on all weights as one flat vector (the moments are kept flat):
        # a dozen ops a step instead of a dozen per weight, which matters to
        # TensorFlow's graph executor at these sizes (#14).
        g = ops.concatenate([ops.reshape(gr, (-1,)) for gr in grads])
        (m,), (v,) = state.m, state.v
        m = m + (g - m) * (1.0 - ADAM_BETA_1)
        v = v + (ops.square(g) - v) * (1.0 - ADAM_BETA_2)
        update = lr_t * m / (ops.sqrt(v) + ADAM_EPSILON)
        pieces = ops.split(update, self._offsets) if self._offsets else [update]
        trainable = [
            var - ops.reshape(piece, ops.shape(var))
            for var, piece in zip(state.trainable, pieces, strict=True)
        ]
        return State(trainable, new_nt, [m], [v], t)

    def evaluate_states(self, state: State, x, weights, beta, warmup) -> np.ndarray:
        """Mean validation loss of each stacked state at its current KL weight.

        ``x`` is ``(K, V, ...)`` and ``weights`` ``(K, V)``; returns ``(K,)``.
        """
        return ops.convert_to_numpy(
            self.evaluate(
                state.trainable, state.non_trainable, x, weights, beta, warmup
            )
        )

    def one_evaluation(
        self, trainable, non_trainable, x, weights, beta, warmup, noise=None
    ):
        """One job's validation loss (the function the backends vectorise)."""
        weight = kl_weight(self.template, non_trainable, beta, warmup)
        loss, _ = self.loss(
            trainable, non_trainable, x, weights, weight, False, noise=noise
        )
        return loss


def kl_weight(vae, non_trainable, beta, warmup, ahead: float = 0.0):
    """A job's KL weight: ``beta`` times its warm-up ramp, read from its
    ``kl_step`` value in ``non_trainable`` (``ahead`` steps later)."""
    index = next(
        i for i, v in enumerate(vae.non_trainable_variables) if v is vae.kl_step
    )
    ramp = ops.minimum(
        (ops.cast(non_trainable[index], "float32") + ahead) / ops.maximum(warmup, 1.0),
        1.0,
    )
    return beta * ops.where(warmup > 0, ramp, 1.0)


# -- states as tuples and stacks ---------------------------------------------
def as_tuple(state: State) -> tuple:
    """``state`` as the nested tuple the compiled loops carry."""
    return (state.trainable, state.non_trainable, state.m, state.v, state.t)


def from_tuple(carry) -> State:
    """The :class:`State` of a carried tuple (:func:`as_tuple`)."""
    return State(*[list(c) if isinstance(c, (list, tuple)) else c for c in carry])


def stack_states(states: list[State]) -> State:
    """Jobs' states stacked on a leading axis, to train them in one program."""

    def stack(get):
        return [ops.stack(parts) for parts in zip(*map(get, states), strict=True)]

    return State(
        stack(lambda s: s.trainable),
        stack(lambda s: s.non_trainable),
        stack(lambda s: s.m),
        stack(lambda s: s.v),
        ops.stack([s.t for s in states]),
    )


def unstack_state(state: State, k: int) -> State:
    """Job ``k``'s state out of a stacked one."""
    return State(
        [t[k] for t in state.trainable],
        [t[k] for t in state.non_trainable],
        [t[k] for t in state.m],
        [t[k] for t in state.v],
        state.t[k],
    )


def to_numpy(state: State) -> State:
    """A host (numpy) copy of ``state``."""
    host = ops.convert_to_numpy
    return State(
        [host(t) for t in state.trainable],
        [host(t) for t in state.non_trainable],
        [host(t) for t in state.m],
        [host(t) for t in state.v],
        host(state.t),
    )
