"""What a VAE's arguments and data may be: the checks its constructor and
its numpy-facing methods run.

Checks on plain values and numpy arrays, so the messages a bad argument or
array raises are in one place, before any layer is built or called.
"""

from __future__ import annotations

import math

import numpy as np

from smrt_keras.models.columns import check_column_types
from smrt_keras.models.likelihoods import LIKELIHOODS, UNIT_INTERVAL
from smrt_keras.params import Float, Int, Options, PositiveInts, check_params, is_int

ENCODERS = ("dense", "conv")
#: What each VAE argument accepts (conv-only ones are checked for conv only).
CONSTRAINTS = {
    "encoder": [Options(*ENCODERS)],
    "likelihood": [Options(*LIKELIHOODS)],
    "latent_dim": [Int(1)],
    "input_shape": [PositiveInts()],
    "hidden_units": [PositiveInts()],
    "dropout": [Float(0.0, 1.0, closed="left")],
    "l2": [Float(0.0)],
    "beta": [Float(0.0)],
    "kl_warmup_steps": [Int(0)],
    "output_variance": [Options("learned"), Float(0.0, closed="neither")],
}
#: The conv-only arguments, checked by :func:`check_conv`.
CONV_KEYS = ("filters", "strides", "kernel_size")


def as_tuple(value, name: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ints) as a tuple of ints."""
    if is_int(value):
        return (int(value),)
    try:
        out = tuple(value)
    except TypeError:
        raise TypeError(
            f"{name} must be an int or a sequence of ints; got {value!r}."
        ) from None
    if not all(is_int(v) for v in out):
        raise TypeError(f"{name} must contain only ints; got {value!r}.")
    return tuple(int(v) for v in out)


def check_config(values: dict):
    """Check a VAE's arguments; return its ``column_types``, checked.

    ``values`` holds every key of :data:`CONSTRAINTS`, ``column_types``, and
    for ``encoder="conv"`` the :data:`CONV_KEYS`.

    Raises
    ------
    ValueError, TypeError
        Naming the argument and what it accepts.
    """
    column_types = values["column_types"]
    check_params({k: values[k] for k in CONSTRAINTS}, CONSTRAINTS)
    likelihood, shape = values["likelihood"], values["input_shape"]
    if (likelihood == "mixed") != (column_types is not None):
        raise ValueError(
            "column_types is required with likelihood='mixed' and only then; "
            f"got likelihood={likelihood!r}, "
            f"column_types={column_types!r}."
        )
    if column_types is not None:
        column_types = check_column_types(column_types, math.prod(shape))
    if values["encoder"] == "dense":
        if len(shape) != 1:
            raise ValueError(
                f"input_shape must be (n_features,) for encoder='dense' (flatten "
                f"images first or use encoder='conv'); got "
                f"input_shape={shape!r}."
            )
        return column_types
    check_conv(shape, values["filters"], values["strides"], values["kernel_size"])
    return column_types


def check_conv(shape: tuple, filters: tuple, strides: tuple, kernel_size) -> None:
    """Check the conv-only arguments against the image shape."""
    if len(shape) not in (2, 3):
        raise ValueError(
            "input_shape must be (H, W) or (H, W, C) for encoder='conv'; got "
            f"input_shape={shape!r}."
        )
    if not filters or len(filters) != len(strides):
        raise ValueError(
            "filters and strides must be non-empty and of equal length for "
            f"encoder='conv'; got filters={filters!r}, "
            f"strides={strides!r}."
        )
    if any(f <= 0 for f in filters) or any(s <= 0 for s in strides):
        raise ValueError(
            "filters and strides must be positive; got "
            f"filters={filters!r}, strides={strides!r}."
        )
    check_params({"kernel_size": kernel_size}, {"kernel_size": [Int(1)]})
    need = math.prod(strides)
    h, w = shape[:2]
    if h < need or w < need:
        raise ValueError(
            f"input_shape={shape!r} is too small for "
            f"strides={strides!r}: each image side must be at least "
            f"{need} (the product of the strides). Use fewer or smaller "
            "strides, or a larger image."
        )


def check_data(x, data_shape: tuple, likelihood: str, name: str = "x") -> np.ndarray:
    """``x`` as float32 numpy, after checking that it is numeric, of sample
    shape ``data_shape``, finite, and in [0, 1] for a Bernoulli
    ``likelihood``.

    Raises
    ------
    TypeError, ValueError
        Naming ``name`` and what is wrong with it.
    """
    x = np.asarray(x)
    if x.dtype == object or not np.issubdtype(x.dtype, np.number):
        if x.dtype != bool:
            raise TypeError(f"{name} must be numeric; got an array of dtype {x.dtype}.")
    x = x.astype("float32", copy=False)
    if x.shape[1:] != data_shape:
        raise ValueError(
            f"{name} has sample shape {x.shape[1:]} but this VAE was built "
            f"with input_shape={data_shape}; got {name}.shape={x.shape}."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    if likelihood in UNIT_INTERVAL and x.size and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(
            f"{name} must lie in [0, 1] for likelihood={likelihood!r}; got "
            f"values in [{x.min():g}, {x.max():g}]. Scale it first (e.g. "
            "divide 8-bit images by 255) or use likelihood='gaussian'."
        )
    return x
