"""A conditional VAE: one model for every class, told which class it sees.

The class enters as a one-hot vector, concatenated to the input of the
encoder's first dense layer (after the conv stack, for images) and to the
latent code the decoder reads. Because it enters a dense layer, fixing the
class to ``k`` is the same as adding row ``k`` of that layer's condition
weights to its bias: :meth:`ConditionalVAE.class_vae` turns the model into
an ordinary :class:`~smrt_keras.models.vae.VAE` of class ``k`` (the same
function up to float32 rounding: the sums run in another order), so
everything a per-class generator does (kde, directed modes, saving) works on
it unchanged.

It trains through Keras's ``fit`` (:mod:`.keras_fit`), not the engine: its
results stay as they were.
"""

from __future__ import annotations

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import ops

from smrt_keras.models.jobs import TrainingJob
from smrt_keras.models.keras_fit import LabelledBatches, fit_batches
from smrt_keras.models.layers import _build_chain, _run_chain
from smrt_keras.models.vae import VAE


@keras.saving.register_keras_serializable(package="smrt_keras")
class ConditionalVAE(VAE):
    """A :class:`~smrt_keras.models.vae.VAE` conditioned on a class index.

    Its inputs are ``[x, onehot]``, with ``onehot`` of shape
    ``(batch, n_classes)``.

    Parameters
    ----------
    input_shape : int or sequence of int
        Shape of one sample, as for :class:`~smrt_keras.models.vae.VAE`.
    n_classes : int >= 1
        Number of classes (the length of the one-hot condition).
    **kwargs
        Every other :class:`~smrt_keras.models.vae.VAE` argument.

    Examples
    --------
    >>> import numpy as np
    >>> from smrt_keras.models.cvae import ConditionalVAE
    >>> cvae = ConditionalVAE(6, n_classes=2, hidden_units=(8,), latent_dim=2)
    >>> vae = cvae.class_vae(1)  # an ordinary VAE of class 1
    >>> vae.decode(np.zeros((3, 2))).shape
    (3, 6)
    """

    def __init__(self, input_shape, n_classes: int = 2, **kwargs):
        if not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
            raise ValueError(f"n_classes must be an int >= 1; got {n_classes!r}.")
        self.n_classes = int(n_classes)
        super().__init__(input_shape, **kwargs)

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes}

    def _build_blocks(self, input_shape) -> None:
        k, enc = self.n_classes, self.encoder
        if self.encoder_type == "conv":
            head = [enc.to_image, *enc.convs, enc.flatten]
            flat = _build_chain(head, tuple(input_shape))
            enc._build_heads(_build_chain(enc.stack, (flat[0], flat[-1] + k)))
            enc.built = True
        else:
            enc.build((input_shape[0], self.n_features + k))
        latent_shape = (input_shape[0], self.latent_dim)
        self.sampling.build([latent_shape, latent_shape])
        self.decoder.build((input_shape[0], self.latent_dim + k))

    def _encode(self, x, c, training=False):
        enc = self.encoder
        c = ops.cast(c, "float32")
        if self.encoder_type == "conv":
            h = _run_chain([enc.to_image, *enc.convs, enc.flatten], x, training)
            h = ops.concatenate([h, c], axis=-1)
            return enc._heads(_run_chain(enc.stack, h, training))
        return enc(ops.concatenate([ops.cast(x, "float32"), c], axis=-1))

    def call(self, inputs, training=False):
        x, c = inputs
        z_mean, z_log_var = self._encode(x, c, training)
        z = self.sampling([z_mean, z_log_var])
        zc = ops.concatenate([z, ops.cast(c, z.dtype)], axis=-1)
        x_params = self.decoder(zc, training=training)
        if training:
            self.kl_step.assign_add(ops.ones((), dtype=self.kl_step.dtype))
        return {"x_params": x_params, "z_mean": z_mean, "z_log_var": z_log_var}

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        return super().compute_loss(x[0], y, y_pred, sample_weight, training)

    # ------------------------------------------------------------ slicing
    def class_vae(self, index: int) -> VAE:
        """The plain :class:`~smrt_keras.models.vae.VAE` this model is when
        its condition is fixed to class ``index``: same architecture and
        weights, with the condition folded into two biases."""
        if not 0 <= int(index) < self.n_classes:
            raise ValueError(
                f"index must be in [0, {self.n_classes}); got index={index!r}."
            )
        config = {k: v for k, v in self.get_config().items() if k != "n_classes"}
        config["name"] = f"{self.name}_class_{int(index)}"
        vae = VAE.from_config(config)
        if len(vae.weights) != len(self.weights):
            raise RuntimeError("a class VAE does not mirror its conditional VAE")
        for mine, theirs in zip(self.weights, vae.weights, strict=True):
            if tuple(mine.shape) == tuple(theirs.shape):
                theirs.assign(ops.convert_to_numpy(mine.value))
        for mine, theirs in zip(_conditioned(self), _conditioned(vae), strict=True):
            kernel = ops.convert_to_numpy(mine.kernel)
            rows = theirs.kernel.shape[0]
            theirs.kernel.assign(kernel[:rows])
            bias = ops.convert_to_numpy(mine.bias) + kernel[rows + int(index)]
            theirs.bias.assign(bias)
        return vae


def _conditioned(model: VAE) -> list:
    """The dense layers that read the condition: the encoder's first after
    its features (both heads when there is no hidden layer) and the
    decoder's first."""
    enc, dec = model.encoder, model.decoder
    first_enc = [enc.stack[0]] if enc.stack else [enc.z_mean_dense, enc.z_log_var_dense]
    if dec.stack:
        first_dec = dec.stack[0]
    else:
        first_dec = dec.project if model.encoder_type == "conv" else dec.out
    return [*first_enc, first_dec]


def one_hot(index: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n, n_classes)`` float32 one-hot rows of integer ``index``."""
    out = np.zeros((len(index), n_classes), "float32")
    out[np.arange(len(index)), np.asarray(index, dtype=int)] = 1.0
    return out


def fit_conditional(
    job: TrainingJob,
    n_classes: int,
    labels: tuple[np.ndarray, np.ndarray | None],
    verbose: int = 0,
) -> tuple[ConditionalVAE, dict[str, list[float]]]:
    """Fit a :class:`ConditionalVAE` on ``job`` (its data, budget, seed and
    augmentation); ``labels`` are the class indices of ``job.x_train`` and
    ``job.x_val``. Early stopping restores the best epoch's weights."""
    config = dict(job.config, seed=int(job.seed))
    model = ConditionalVAE(n_classes=n_classes, **config)
    model.compile(optimizer=keras.optimizers.Adam(job.learning_rate))
    y_train, y_val = labels
    data = LabelledBatches(
        job.x_train, one_hot(y_train, n_classes), job.batch_size, job.seed, job.augment
    )
    validation = None
    if job.x_val is not None and len(job.x_val):
        validation = ((job.x_val.astype("float32"), one_hot(y_val, n_classes)),)
    return model, fit_batches(model, data, validation, job, verbose)
