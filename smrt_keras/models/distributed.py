"""One big class across devices: data-parallel training blocks (#18).

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

TensorFlow's and torch's Keras backends have no working
``keras.distribution`` (TensorFlow's is marked "do not use"); they train on
one device.
"""

from __future__ import annotations

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np

from smrt_keras.models.engine import State

#: Classes with at least this many training rows train data-parallel when
#: several devices are there. Below it, a step of SMRT's small VAEs is too
#: short for splitting it to pay for the per-step all-reduce.
DATA_PARALLEL_ROWS = 65_536


def distribution_for(rows: int):
    """The ``DataParallel`` a group with ``rows`` training rows (its largest
    class) trains under, or ``None`` for one device."""
    if keras.backend.backend() != "jax" or rows < DATA_PARALLEL_ROWS:
        return None
    dist = keras.distribution.distribution()
    if dist is None:
        devices = keras.distribution.list_devices()
        if len(devices) < 2:
            return None
        dist = keras.distribution.DataParallel(devices=devices)
    if not isinstance(dist, keras.distribution.DataParallel):
        return None  # a model-parallel layout is the user's, not ours to apply
    return dist


def devices_of(dist) -> int:
    """How many devices ``dist`` splits a batch over."""
    return int(np.prod(dist.device_mesh.shape))


def shard_block(dist, batches, weights) -> tuple:
    """A block's ``(batches, weights)``, ``(K, steps, batch, ...)`` and
    ``(K, steps, batch)``, split along the batch axis over ``dist``'s mesh
    (as they are when the padded batch does not divide evenly)."""
    if batches.shape[2] % devices_of(dist):
        return batches, weights
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
