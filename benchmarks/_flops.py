"""Analytic floating-point operation counts of a built Keras model, for the throughput
benchmarks (achieved FLOP/s = counted FLOPs / measured seconds).

Only the layers that dominate the cost are counted: dense, 2-D convolution and
2-D transposed convolution, at 2 FLOPs per multiply-add. Activations, biases,
the sampling step and the loss are left out, so the counts are slight
underestimates and achieved rates are conservative.
"""

from __future__ import annotations

import math

import keras
from keras import layers


def _input_shape(layer) -> tuple:
    shapes = getattr(layer, "_build_shapes_dict", None) or {}
    shape = next(iter(shapes.values()), None)
    if shape is None:
        raise ValueError(f"layer {layer.name!r} is not built; build the model first.")
    return tuple(shape)


def layer_flops(layer) -> int:
    """FLOPs of one sample through ``layer`` (0 for layers not counted)."""
    if isinstance(layer, layers.Dense):
        return 2 * math.prod(layer.kernel.shape)
    if isinstance(layer, layers.Conv2DTranspose):
        # Every input pixel scatters a kh x kw x c_out patch.
        _, h, w, _ = _input_shape(layer)
        return 2 * math.prod(layer.kernel.shape) * h * w
    if isinstance(layer, layers.Conv2D):
        out = layer.compute_output_shape(_input_shape(layer))
        return 2 * math.prod(layer.kernel.shape) * out[1] * out[2]
    return 0


def forward_flops(model: keras.layers.Layer) -> int:
    """FLOPs of one sample's forward pass through every counted sublayer."""
    return sum(layer_flops(sub) for sub in model._flatten_layers(include_self=False))
