"""Building blocks of the VAE: the reparameterised sampling layer and the dense
and convolutional encoders and decoders.

Every layer is built from primitive configuration only (ints, floats, strings and
lists of them) and creates its sublayers in ``__init__``, so that
``get_config``/``from_config`` round-trip without nested layer configs and the
saved ``.keras`` file loads with ``safe_mode=True``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import layers, ops

#: Range the encoder's log-variance is clamped to. ``exp(10)`` is already a
#: standard deviation of ~150 in latent space; beyond that, ``exp`` overflows in
#: float16/float32 long before training can recover.
LATENT_LOG_VAR_RANGE = (-10.0, 10.0)

register = keras.saving.register_keras_serializable(package="smrt_keras")


def _regularizer(l2: float):
    return keras.regularizers.L2(l2) if l2 else None


def _initializer(seed: int | None, offset: int):
    # A distinct, fixed seed per layer makes weight initialisation repeatable
    # without touching Keras's global random state.
    return keras.initializers.GlorotUniform(
        seed=None if seed is None else int(seed) + offset
    )


def _dropout_seed(seed: int | None, offset: int) -> int | None:
    return None if seed is None else int(seed) + 1000 + offset


def conv_spatial_sizes(
    height: int, width: int, strides: Sequence[int]
) -> list[tuple[int, int]]:
    """Spatial size of the feature map before and after each strided conv.

    With ``padding="same"`` a stride ``s`` maps a side of length ``n`` to
    ``ceil(n / s)``.
    """
    sizes = [(int(height), int(width))]
    for s in strides:
        h, w = sizes[-1]
        sizes.append((math.ceil(h / s), math.ceil(w / s)))
    return sizes


@register
class Sampling(layers.Layer):
    """Draws ``z = mean + exp(log_var / 2) * eps`` with ``eps ~ N(0, I)``.

    The noise comes from a :class:`keras.random.SeedGenerator` owned by the
    layer, so it works the same way on every backend (including JAX, where
    the generator's state is threaded through the stateless training step).

    Parameters
    ----------
    seed : int or None
        Seed of the layer's generator; ``None`` draws a random one.

    ``noise``, when given to a call, is used as ``eps`` (the draw the
    generator would make, made outside: see
    :meth:`smrt_keras.models.program.Program.noise`), and the generator
    advances as if it had drawn it.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, noise=None):
        z_mean, z_log_var = inputs
        if noise is None:
            eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        else:
            # Drawn outside, from this generator's state (the engine's
            # vectorised TensorFlow step): advance it as the draw would.
            self.seed_generator.next()
            eps = noise
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config


class _Block(layers.Layer):
    """Shared config handling for the encoders and decoders."""

    def __init__(
        self,
        data_shape: Sequence[int],
        latent_dim: int,
        hidden_units: Sequence[int] = (),
        filters: Sequence[int] = (),
        kernel_size: int = 3,
        strides: Sequence[int] = (),
        activation: str = "relu",
        dropout: float = 0.0,
        l2: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_shape = tuple(int(d) for d in data_shape)
        self.latent_dim = int(latent_dim)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.filters = tuple(int(f) for f in filters)
        self.kernel_size = int(kernel_size)
        self.strides = tuple(int(s) for s in strides)
        self.activation = activation
        self.dropout = float(dropout)
        self.l2 = float(l2)
        self.seed = seed
        self._n_layers = 0
        # (layer, offset, seeded): how each weighted layer was initialised,
        # so that initial_values() can redraw it for another seed.
        self._weighted: list[tuple[layers.Layer, int, bool]] = []

    def _dense(self, units, activation=None, kernel_initializer=None, **kwargs):
        self._n_layers += 1
        layer = layers.Dense(
            units,
            activation=activation,
            kernel_initializer=kernel_initializer
            or _initializer(self.seed, self._n_layers),
            kernel_regularizer=_regularizer(self.l2),
            **kwargs,
        )
        self._weighted.append((layer, self._n_layers, kernel_initializer is None))
        return layer

    def initial_values(self, seed: int) -> dict[int, np.ndarray]:
        """The starting weights this block would have if built with ``seed``.

        Keyed by ``id`` of this block's variables. Lets the training engine
        start a job from a shared template model instead of building a model
        per job; a test checks it against a freshly built block.
        """
        values = {}
        for layer, offset, seeded in self._weighted:
            if isinstance(layer, layers.Dropout):
                # A SeedGenerator(s) starts in state [s, 0] (keras.random).
                state = layer.seed_generator.state
                s = _dropout_seed(seed, offset)
                values[id(state)] = np.asarray([s, 0], dtype=state.dtype)
                continue
            kernel_init = (
                _initializer(seed, offset) if seeded else layer.kernel_initializer
            )
            for var, init in (
                (layer.kernel, kernel_init),
                (layer.bias, layer.bias_initializer),
            ):
                value = init(tuple(var.shape), dtype=var.dtype)
                values[id(var)] = ops.convert_to_numpy(value)
        return values

    def _dropout(self, **kwargs):
        self._n_layers += 1
        layer = layers.Dropout(
            self.dropout, seed=_dropout_seed(self.seed, self._n_layers), **kwargs
        )
        self._weighted.append((layer, self._n_layers, True))
        return layer

    def _conv(self, cls, filters, strides, activation, **kwargs):
        self._n_layers += 1
        layer = cls(
            filters,
            self.kernel_size,
            strides=strides,
            padding="same",
            activation=activation,
            kernel_initializer=_initializer(self.seed, self._n_layers),
            kernel_regularizer=_regularizer(self.l2),
            **kwargs,
        )
        self._weighted.append((layer, self._n_layers, True))
        return layer

    def _hidden_stack(self, units):
        stack = []
        for i, u in enumerate(units):
            stack.append(self._dense(u, self.activation, name=f"hidden_{i}"))
            if self.dropout:
                stack.append(self._dropout(name=f"dropout_{i}"))
        return stack

    def computation_key(self) -> tuple:
        """What fixes this block's computation at inference (not its weights,
        name or seed). Cheaper than ``get_config``, which on JAX imports
        TensorFlow the first time it runs."""
        return (
            type(self).__name__,
            self.data_shape,
            self.latent_dim,
            self.hidden_units,
            self.filters,
            self.kernel_size,
            self.strides,
            self.activation,
            self.dropout,
            self.l2,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "data_shape": list(self.data_shape),
                "latent_dim": self.latent_dim,
                "hidden_units": list(self.hidden_units),
                "filters": list(self.filters),
                "kernel_size": self.kernel_size,
                "strides": list(self.strides),
                "activation": self.activation,
                "dropout": self.dropout,
                "l2": self.l2,
                "seed": self.seed,
            }
        )
        return config


def _build_chain(chain, shape):
    for layer in chain:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
    return shape


def _run_chain(chain, x, training):
    for layer in chain:
        if isinstance(layer, layers.Dropout):
            x = layer(x, training=training)
        else:
            x = layer(x)
    return x


class _Encoder(_Block):
    """Feature extractor followed by the two Gaussian heads."""

    def _make_heads(self):
        self.z_mean_dense = self._dense(self.latent_dim, name="z_mean")
        # Start the log-variance head at zero so the posterior begins as the
        # prior's unit variance instead of a random scale.
        self.z_log_var_dense = self._dense(
            self.latent_dim, kernel_initializer="zeros", name="z_log_var"
        )

    def _build_heads(self, shape):
        self.z_mean_dense.build(shape)
        self.z_log_var_dense.build(shape)

    def _heads(self, h):
        z_log_var = ops.clip(self.z_log_var_dense(h), *LATENT_LOG_VAR_RANGE)
        return self.z_mean_dense(h), z_log_var

    def compute_output_shape(self, input_shape):
        out = (input_shape[0], self.latent_dim)
        return out, out


@register
class DenseEncoder(_Encoder):
    """Multilayer perceptron mapping ``(batch, n_features)`` to the
    posterior's mean and log-variance, each ``(batch, latent_dim)``."""

    def __init__(self, data_shape, latent_dim, **kwargs):
        super().__init__(data_shape, latent_dim, **kwargs)
        self.stack = self._hidden_stack(self.hidden_units)
        self._make_heads()

    def build(self, input_shape):
        self._build_heads(_build_chain(self.stack, tuple(input_shape)))
        self.built = True

    def call(self, x, training=False):
        return self._heads(_run_chain(self.stack, x, training))


@register
class DenseDecoder(_Block):
    """Multilayer perceptron mapping ``(batch, latent_dim)`` to the
    parameters of ``p(x | z)``, ``(batch, n_features)``."""

    def __init__(self, data_shape, latent_dim, **kwargs):
        super().__init__(data_shape, latent_dim, **kwargs)
        self.stack = self._hidden_stack(self.hidden_units)
        self.out = self._dense(self.data_shape[-1], name="x_params")

    def build(self, input_shape):
        self.out.build(_build_chain(self.stack, tuple(input_shape)))
        self.built = True

    def call(self, z, training=False):
        return self.out(_run_chain(self.stack, z, training))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.data_shape


@register
class ConvEncoder(_Encoder):
    """Strided ``Conv2D`` stack, then optional dense layers, then the heads.

    Takes images shaped ``(batch, H, W)`` or ``(batch, H, W, C)`` as given in
    ``data_shape``; a missing channel axis is added internally.
    """

    def __init__(self, data_shape, latent_dim, **kwargs):
        super().__init__(data_shape, latent_dim, **kwargs)
        h, w = self.data_shape[:2]
        channels = self.data_shape[2] if len(self.data_shape) == 3 else 1
        self.to_image = layers.Reshape((h, w, channels), name="to_image")
        self.convs = [
            self._conv(layers.Conv2D, f, s, self.activation, name=f"conv_{i}")
            for i, (f, s) in enumerate(zip(self.filters, self.strides, strict=True))
        ]
        self.flatten = layers.Flatten(name="flatten")
        self.stack = self._hidden_stack(self.hidden_units)
        self._make_heads()

    def build(self, input_shape):
        shape = _build_chain(
            [self.to_image, *self.convs, self.flatten, *self.stack],
            tuple(input_shape),
        )
        self._build_heads(shape)
        self.built = True

    def call(self, x, training=False):
        h = _run_chain([self.to_image, *self.convs, self.flatten], x, training)
        return self._heads(_run_chain(self.stack, h, training))


@register
class ConvDecoder(_Block):
    """Dense layers, a reshape to the encoder's last feature map, then
    ``Conv2DTranspose`` upsampling mirrored from the encoder.

    After each transposed convolution the map is cropped to the size the
    encoder saw at that depth, so any image size the strides allow (28x28,
    8x8, 32x32, odd sizes) comes back exactly.
    """

    def __init__(self, data_shape, latent_dim, **kwargs):
        super().__init__(data_shape, latent_dim, **kwargs)
        h, w = self.data_shape[:2]
        channels = self.data_shape[2] if len(self.data_shape) == 3 else 1
        sizes = conv_spatial_sizes(h, w, self.strides)
        self.stack = self._hidden_stack(tuple(reversed(self.hidden_units)))
        bottom_h, bottom_w = sizes[-1]
        self.project = self._dense(
            bottom_h * bottom_w * self.filters[-1], self.activation, name="project"
        )
        self.to_map = layers.Reshape(
            (bottom_h, bottom_w, self.filters[-1]), name="to_map"
        )
        self.upsample = []
        n = len(self.strides)
        for i in reversed(range(n)):
            target_h, target_w = sizes[i]
            out_filters = self.filters[i - 1] if i > 0 else self.filters[0]
            self.upsample.append(
                self._conv(
                    layers.Conv2DTranspose,
                    out_filters,
                    self.strides[i],
                    self.activation,
                    name=f"deconv_{i}",
                )
            )
            up_h = sizes[i + 1][0] * self.strides[i]
            up_w = sizes[i + 1][1] * self.strides[i]
            if (up_h, up_w) != (target_h, target_w):
                self.upsample.append(
                    layers.Cropping2D(
                        ((0, up_h - target_h), (0, up_w - target_w)),
                        name=f"crop_{i}",
                    )
                )
        self.out = self._conv(layers.Conv2D, channels, 1, None, name="x_params")
        self.to_output = layers.Reshape(self.data_shape, name="to_output")

    def _chain(self):
        return [
            *self.stack,
            self.project,
            self.to_map,
            *self.upsample,
            self.out,
            self.to_output,
        ]

    def build(self, input_shape):
        _build_chain(self._chain(), tuple(input_shape))
        self.built = True

    def call(self, z, training=False):
        return _run_chain(self._chain(), z, training)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.data_shape
