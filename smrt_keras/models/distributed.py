"""One big class across devices: data-parallel training blocks.

On JAX, a group of jobs whose largest class has at least
:data:`DATA_PARALLEL_ROWS` training rows trains under a
``keras.distribution.DataParallel``: the one the user set with
``keras.distribution.set_distribution``, or, when none is set and Keras
sees more than one device, one over all of them. Each block's minibatches
are split along the batch axis across the mesh and the state is replicated;
``jax.jit`` then partitions the compiled block (GSPMD), so every device
computes its share of each step and the gradients are summed across devices.
The mathematics is the 1-device step's, so the loss curve matches one device
up to the order of floating-point sums (the test pins the tolerance).

On TensorFlow, whose ``keras.distribution`` is marked "do not use", the
same class trains under a ``tf.distribute.MirroredStrategy`` (the one the
user entered with ``strategy.scope()``, or one over all devices): each
replica takes its slice of every minibatch and the gradients are summed
across replicas (:func:`~smrt_keras.models.backends.mirrored_block`). The
replicas draw the VAE's sampling noise from one seed state (it is part of
the replicated state), so each replica's slice gets other noise than on one
device, and the curve matches one device's in distribution rather than to
rounding. torch trains on one device.
"""

from __future__ import annotations

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np

from smrt_keras.models.backends import mirrored_block, tf_strategy
from smrt_keras.models.program import Program, State

#: Classes with at least this many training rows train data-parallel when
#: several devices are there. Below it, a step of SMRT's small VAEs is too
#: short for splitting it to pay for the per-step all-reduce.
DATA_PARALLEL_ROWS = 65_536


def distribution_for(rows: int):
    """What a group whose largest class has ``rows`` training rows is split
    over: a ``keras.distribution.DataParallel`` (JAX), a
    ``tf.distribute.MirroredStrategy`` (TensorFlow), or ``None``."""
    backend = keras.backend.backend()
    if rows < DATA_PARALLEL_ROWS or backend not in ("jax", "tensorflow"):
        return None
    devices = tuple(keras.distribution.list_devices())
    if backend == "tensorflow":
        strategy = tf_strategy(devices)
        return strategy if replicas(strategy) > 1 else None
    dist = keras.distribution.distribution()
    if dist is None and len(devices) > 1:
        dist = keras.distribution.DataParallel(devices=list(devices))
    if not isinstance(dist, keras.distribution.DataParallel):
        return None  # none, or a model-parallel layout: the user's to apply
    return dist if replicas(dist) > 1 else None


def replicas(dist) -> int:
    """How many devices ``dist`` splits a batch over."""
    if dist is None:
        return 1
    if hasattr(dist, "num_replicas_in_sync"):  # a tf.distribute strategy
        return int(dist.num_replicas_in_sync)
    return int(np.prod(dist.device_mesh.shape))


def trains_alone(rows: int) -> bool:
    """Whether a class of ``rows`` training rows must train in a group of its
    own (TensorFlow's mirrored block takes one job at a time)."""
    return keras.backend.backend() == "tensorflow" and (
        distribution_for(rows) is not None
    )


class SplitBlocks:
    """Runs a group's training blocks with every minibatch split over the
    devices of ``dist``."""

    def __init__(self, program: Program, dist):
        self.program, self.dist = program, dist
        self.mirrored = not isinstance(dist, keras.distribution.DataParallel)
        if self.mirrored and id(dist) not in program.split_blocks:
            program.split_blocks[id(dist)] = (dist, mirrored_block(program, dist))

    def start(self, state: State) -> State:
        """The group's initial state, placed for the split."""
        return state if self.mirrored else replicate(self.dist, state)

    def run(self, state: State, batches, weights, counts, *runtime):
        """One block, as ``Program.run_block``."""
        if self.mirrored:
            _, block = self.program.split_blocks[id(self.dist)]
            return block(state, batches, weights, counts, *runtime)
        batches, weights = shard_block(self.dist, batches, weights)
        return self.program.run_block(state, batches, weights, counts, *runtime)


def split_blocks(program: Program, rows: int, jobs: int) -> SplitBlocks | None:
    """How a group of ``jobs`` jobs (padded), the largest with ``rows``
    training rows, splits its blocks over devices; ``None`` for one device
    (small classes, one device, or a padded batch that does not divide)."""
    dist = distribution_for(rows)
    if dist is None or program.batch % replicas(dist):
        return None
    if not isinstance(dist, keras.distribution.DataParallel) and jobs > 1:
        return None
    return SplitBlocks(program, dist)


def shard_block(dist, batches, weights) -> tuple:
    """A block's ``(batches, weights)``, ``(K, steps, batch, ...)`` and
    ``(K, steps, batch)``, split along the batch axis over ``dist``'s mesh."""
    return _on_batch_axis(dist, batches), _on_batch_axis(dist, weights)


def replicate(dist, state: State) -> State:
    """``state`` copied whole to every device of ``dist``'s mesh."""
    mesh = dist.device_mesh

    def whole(tensors: list) -> list:
        return [
            keras.distribution.distribute_tensor(
                t, keras.distribution.TensorLayout([None] * len(t.shape), mesh)
            )
            for t in tensors
        ]

    (t,) = whole([state.t])
    return State(
        whole(state.trainable), whole(state.non_trainable),
        whole(state.m), whole(state.v), t,
    )  # fmt: skip


def _on_batch_axis(dist, array):
    axes = [None, None, dist.batch_dim_name] + [None] * (array.ndim - 3)
    layout = keras.distribution.TensorLayout(axes, dist.device_mesh)
    return keras.distribution.distribute_tensor(array, layout)
