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

The maths of a step is :mod:`.program`'s, compiled per backend by
:mod:`.backends`; this module builds and caches the compiled programs and
the jobs' starting states, and :mod:`.runner` drives them.

The result of a job is a :class:`~smrt_keras.models.trained.TrainedVAE`: the
trained weights as numpy, which build a full Keras model only when asked.
"""

from __future__ import annotations

import math

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import ops

import smrt_keras.models.backends as backends
import smrt_keras.models.inference as inference
import smrt_keras.models.trained as trained
from smrt_keras.models.cache import LRUCache
from smrt_keras.models.inference import next_pow2
from smrt_keras.models.program import (
    Program,
    State,
    stack_states,
    to_numpy,
    unstack_state,
)
from smrt_keras.models.trained import TEMPLATE_FREE_KEYS, template

#: What the runner and the tests read from here: the program and its state.
__all__ = [
    "BLOCK_STEPS", "Program", "State", "clear_programs", "get_program",
    "initial_state", "next_pow2", "padded_batch", "program_key", "runtime_args",
    "stack_states", "to_numpy", "unstack_state", "vectorises",
]  # fmt: skip
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
    one at a time; so do jobs with dropout, whose masks are stateless random
    draws that ``pfor`` can only loop over (the sampling noise is drawn
    outside the vectorised step instead, :meth:`Program.noise`). A job ends
    with the same weights alone as stacked (tests/test_engine.py).
    """
    if keras.backend.backend() != "tensorflow":
        return True
    return config["encoder"] != "conv" and not config.get("dropout", 0.0)


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
    return _PROGRAMS.get(
        key,
        lambda: Program(template(config), batch, steps, backends.compile_program),
    )


def clear_programs() -> None:
    """Forget every compiled program, template model and compiled inference
    pass (frees their memory)."""
    _PROGRAMS.clear()
    inference.clear()
    trained.clear_templates()


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
