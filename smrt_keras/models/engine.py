"""The fast trainer: compiled blocks of optimizer steps, shared across classes.

Keras's ``fit`` pays a Python round trip per step (callbacks, a data adapter)
and retraces its training function for every new model. For SMRT's tiny
per-class VAEs that overhead is nearly all the cost. This engine instead:

- draws every minibatch order in numpy from the job's seed and hands the
  compiled program a whole *block* of batches at once, so Python runs once per
  block, not once per step;
- runs the block as one compiled loop (``jax.lax.scan`` under ``jax.jit`` on
  JAX, a ``tf.while_loop`` under ``tf.function`` on TensorFlow; torch runs the
  same stateless step eagerly), with Adam written in ``keras.ops``;
- passes the weights, optimizer moments, learning rate, KL weight schedule and
  minibatch masks as *arguments*, so one compiled program serves every job of
  the same architecture and padded batch shape: every fold of a CV, every
  class in a size bucket;
- checks for divergence and evaluates early stopping at block ends.

The result of a job is a :class:`~smrt_keras.models.trained.TrainedVAE`: the
trained weights as numpy, which build a full Keras model only when asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import ops

from smrt_keras.models import inference, trained
from smrt_keras.models.cache import LRUCache
from smrt_keras.models.inference import next_pow2
from smrt_keras.models.trained import TEMPLATE_FREE_KEYS, template
from smrt_keras.models.vae import VAE

#: Adam's constants, as in ``keras.optimizers.Adam``.
ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7
#: Optimizer steps per compiled block. One size for every job, so that
#: programs differ only by architecture and padded batch; early stopping and
#: divergence are checked once per block (every 2 epochs of a 4,000-image
#: class, every 32 epochs of a 35-row one). Measured against 32 and 512 in
#: benchmarks/results/engine_levers.md.
BLOCK_STEPS = 128
#: Compiled programs kept per process (least recently used dropped first).
CACHE_SIZE = 16


def vectorises(config: dict) -> bool:
    """Whether jobs of this architecture train stacked in one program.

    TensorFlow's vectoriser (``pfor``) mis-shapes Keras's conv bias and falls
    back to a slow loop for conv gradients, so conv jobs on TensorFlow train
    one at a time.
    """
    return not (keras.backend.backend() == "tensorflow" and config["encoder"] == "conv")


def padded_batch(batch_size: int) -> int:
    """The batch shape a program is compiled for: the next power of two.

    Minibatches are padded to it and the padding is masked out of the loss,
    so classes of nearby sizes share one compiled program.
    """
    return next_pow2(batch_size)


def program_key(config: dict, batch: int, steps: int) -> tuple:
    """What makes two jobs share a compiled program."""
    shape_config = {k: v for k, v in config.items() if k not in TEMPLATE_FREE_KEYS}
    return (repr(sorted(shape_config.items())), int(batch), int(steps))


_PROGRAMS = LRUCache(CACHE_SIZE)


def get_program(config: dict, batch: int, steps: int | None = None) -> Program:
    """The compiled program for this architecture and padded batch (cached).

    ``steps`` defaults to :data:`BLOCK_STEPS`, read at call time (the levers
    benchmark changes it). The cache lives for the process, so every fold of
    a cross-validation and every later fit of the same shape reuses the
    compiled code.
    """
    steps = BLOCK_STEPS if steps is None else int(steps)
    key = (keras.backend.backend(), *program_key(config, batch, steps))
    return _PROGRAMS.get(key, lambda: Program(config, batch, steps))


def clear_programs() -> None:
    """Forget every compiled program, template model and compiled inference
    pass (frees their memory)."""
    _PROGRAMS.clear()
    inference.clear()
    trained.clear_templates()


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

    A template VAE (built from the shared config) provides the computation;
    each job's own weights are swapped in through a ``StatelessScope``.
    """

    def __init__(self, config: dict, batch: int, steps: int):
        self.template = template(config)
        self.batch, self.steps = int(batch), int(steps)
        self._trainable = self.template.trainable_variables
        sizes = [math.prod(v.shape) for v in self._trainable]
        # Where each weight's slice of the flat Adam vectors ends.
        self._offsets = [int(o) for o in np.cumsum(sizes)[:-1]]
        self._non_trainable = self.template.non_trainable_variables
        from smrt_keras.models import backends

        self.run_block = backends.compile_block(self)
        # Blocks split over devices, per distribution (models/distributed.py).
        self.split_blocks: dict = {}
        self.evaluate = backends.compile_eval(self)

    # -- the pure functions the backends compile -----------------------------
    def loss(
        self, trainable, non_trainable, x, weights, kl_weight, training, share=None
    ):
        """Weighted mean negative ELBO (+ L2) and the updated state.

        ``share``, for one replica's slice of a minibatch split across
        devices, is ``(total weight of the whole minibatch, replicas)``: the
        replica's loss is then its part of the whole's, so that the replicas'
        losses (and gradients) sum to the whole minibatch's.
        """
        vae = self.template
        mapping = list(zip(self._trainable, trainable, strict=True))
        mapping += list(zip(self._non_trainable, non_trainable, strict=True))
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as s:
            out = vae(x, training=training)
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

    def step(self, state: State, x, weights, lr, beta, warmup):
        """One Adam step on one (padded, masked) minibatch."""
        kl_weight = self.step_kl_weight(state, beta, warmup)
        from smrt_keras.models.backends import value_and_grad

        loss, grads, new_nt = value_and_grad(self, state, x, weights, kl_weight)
        return self.apply_adam(state, grads, new_nt, lr), loss

    def step_kl_weight(self, state: State, beta, warmup):
        """The KL weight of the step about to run from ``state``."""
        # The VAE counts the step before its loss reads the KL weight.
        return _kl_weight(self.template, state.non_trainable, beta, warmup, 1.0)

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

    def one_evaluation(self, trainable, non_trainable, x, weights, beta, warmup):
        """One job's validation loss (the function the backends vectorise)."""
        kl_weight = _kl_weight(self.template, non_trainable, beta, warmup)
        loss, _ = self.loss(trainable, non_trainable, x, weights, kl_weight, False)
        return loss


def initial_state(config: dict, seeds: list[int], starts: list | None = None) -> State:
    """Jobs' starting state, stacked: for each seed, the weights
    ``VAE(**config, seed=seed)`` would start with (drawn without building
    it), and zero Adam moments.

    ``starts[k]``, when given and not ``None``, replaces job ``k``'s
    trainable weights (a warm start from a backbone); its random streams and
    KL step still start fresh from its seed.
    """
    model = template(config)
    values = [model.initial_values(int(seed)) for seed in seeds]
    for k, start in enumerate(starts or ()):
        if start is not None:
            values[k] = (_checked_start(values[k][0], start), values[k][1])

    def stacked(part: int) -> list:
        columns = zip(*(v[part] for v in values), strict=True)
        return [ops.convert_to_tensor(np.stack(c)) for c in columns]

    trainable = stacked(0)
    size = sum(math.prod(t.shape[1:]) for t in trainable)
    return State(
        trainable=trainable,
        non_trainable=stacked(1),
        m=[ops.zeros((len(values), size), "float32")],  # Adam's, flat
        v=[ops.zeros((len(values), size), "float32")],
        t=ops.zeros((len(values),), "float32"),
    )


def _checked_start(fresh: list, start: list) -> list:
    shapes = [tuple(np.shape(w)) for w in start]
    expected = [tuple(w.shape) for w in fresh]
    if shapes != expected:
        raise ValueError(
            f"initial weights of shapes {shapes} do not fit this architecture, "
            f"whose trainable weights have shapes {expected}."
        )
    return [np.asarray(w, dtype=f.dtype) for w, f in zip(start, fresh, strict=True)]


def runtime_args(jobs: list[tuple[float, float, int]]) -> tuple:
    """``(lr, beta, warmup)`` per job, stacked as ``(K,)`` float32 tensors."""
    columns = np.asarray(jobs, dtype="float32").reshape(-1, 3).T
    return tuple(ops.convert_to_tensor(c) for c in columns)


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


def unstack_state(state: State, k: int) -> State:
    """Job ``k``'s state out of a stacked one."""
    return State(
        [t[k] for t in state.trainable],
        [t[k] for t in state.non_trainable],
        [t[k] for t in state.m],
        [t[k] for t in state.v],
        state.t[k],
    )


def _kl_weight(vae: VAE, non_trainable, beta, warmup, ahead: float = 0.0):
    # The VAE counts its training steps in `kl_step`; read this job's value.
    index = next(
        i for i, v in enumerate(vae.non_trainable_variables) if v is vae.kl_step
    )
    ramp = ops.minimum(
        (ops.cast(non_trainable[index], "float32") + ahead) / ops.maximum(warmup, 1.0),
        1.0,
    )
    return beta * ops.where(warmup > 0, ramp, 1.0)
