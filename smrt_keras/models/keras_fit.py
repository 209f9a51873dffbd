"""The second trainer: Keras's own ``fit``, for the models the engine does
not train.

:meth:`VAE.fit <smrt_keras.models.vae.VAE.fit>` (a user fitting one VAE by
hand), the conditional VAE (:func:`smrt_keras.models.cvae.fit_conditional`)
and the evaluation classifier train through ``keras.Model.fit``, with the
data, shuffling, augmentation stream and divergence guard kept here. The
conditional VAE is deliberately left on this trainer rather than ported onto
the engine (:mod:`.engine`): its results stay exactly as they were, which a
port (another minibatch order, another optimizer implementation) would not
keep. Per-class SMRT training never comes here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np

from smrt_keras.models.divergence import TrainingDivergedError, divergence_message


class ShuffledBatches(keras.utils.PyDataset):
    """Minibatches of ``x`` in an order drawn from a private numpy generator.

    Keras shuffles array inputs with TensorFlow's or NumPy's *global* random
    state, depending on the backend. Shuffling here keeps training repeatable
    for a given seed on every backend without touching anyone's global state.
    """

    def __init__(
        self, x: np.ndarray, batch_size: int, seed: int | None, transform=None
    ):
        super().__init__()
        self.x = x
        self.batch_size = int(batch_size)
        self.rng = np.random.default_rng(seed)
        self.order = self._draw()
        # Optional ``transform(batch, rng) -> batch`` (augmentation), drawn
        # from its own stream so it never changes the minibatch order.
        self.transform = transform
        self.transform_rng = np.random.default_rng(None if seed is None else [seed, 1])

    def _draw(self) -> np.ndarray:
        """The row order of the next epoch."""
        return self.rng.permutation(len(self.x))

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def _rows(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``index``'s row indices and (transformed) rows."""
        idx = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        batch = self.x[idx]
        if self.transform is not None:
            batch = self.transform(batch, self.transform_rng).astype(batch.dtype)
        return idx, batch

    def __getitem__(self, index: int):
        return (self._rows(index)[1],)

    def on_epoch_end(self):
        self.order = self._draw()


class LabelledBatches(ShuffledBatches):
    """``[x, onehot]`` minibatches from a private numpy generator, ``x``
    optionally transformed (augmented) batch by batch.

    Each epoch draws ``len(x)`` rows with replacement so that every class is
    drawn equally often: a class of 67 rows beside one of 6,742 is otherwise
    seen 100 times less, and its condition barely trains.
    """

    def __init__(
        self,
        x: np.ndarray,
        onehot: np.ndarray,
        batch_size: int,
        seed: int,
        transform: Callable | None = None,
    ):
        self.onehot = onehot
        counts = onehot.sum(axis=0)
        weight = 1.0 / np.maximum(counts, 1.0)[onehot.argmax(axis=1)]
        self.p = weight / weight.sum()
        super().__init__(x, batch_size, seed, transform)

    def _draw(self) -> np.ndarray:
        return self.rng.choice(len(self.x), len(self.x), p=self.p)

    def __getitem__(self, index: int):
        idx, batch = self._rows(index)
        return ((batch.astype("float32"), self.onehot[idx]),)


class DivergenceGuard(keras.callbacks.Callback):
    """Stops ``fit`` with :class:`TrainingDivergedError` on a NaN/inf loss.

    Keras's own ``TerminateOnNaN`` stops silently and leaves NaN weights behind;
    we want the caller to hear about it and to know the likely causes.
    """

    def __init__(self, likelihood: str):
        super().__init__()
        self.likelihood = likelihood
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.model.stop_training = True
            raise TrainingDivergedError(
                divergence_message(
                    float(loss), self._epoch + 1, batch + 1, self.likelihood
                )
            )


def fit_checked(model: keras.Model, x=None, y=None, **kwargs):
    """``keras.Model.fit`` of a VAE after checking numpy inputs (the body of
    :meth:`VAE.fit <smrt_keras.models.vae.VAE.fit>`).

    Array inputs go through ``model.check_data``; a
    :class:`DivergenceGuard` joins the callbacks; an uncompiled model is
    compiled with Adam (learning rate 1e-3). Returns Keras's ``History``.
    """
    if isinstance(x, (np.ndarray, list)):
        x = model.check_data(x, "x")
    val = kwargs.get("validation_data")
    if isinstance(val, np.ndarray):
        kwargs["validation_data"] = (model.check_data(val, "validation_data"),)
    callbacks = list(kwargs.pop("callbacks", None) or [])
    callbacks.append(DivergenceGuard(model.likelihood))
    if not model.compiled:
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return keras.Model.fit(model, x, y, callbacks=callbacks, **kwargs)


def fit_batches(
    model: keras.Model,
    data: ShuffledBatches,
    validation,
    job,
    verbose: int = 0,
) -> dict[str, list[float]]:
    """``keras.Model.fit`` of a compiled ``model`` on ``data`` for ``job``'s
    epochs, early stopping on ``job.patience`` (restoring the best epoch's
    weights); returns the history as lists of floats.

    ``validation`` is Keras's ``validation_data`` (or ``None``); early
    stopping watches ``val_loss`` with it, ``loss`` without.
    """
    callbacks = [DivergenceGuard(model.likelihood)]
    if job.patience:
        monitor = "loss" if validation is None else "val_loss"
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor, patience=job.patience, restore_best_weights=True
            )
        )
    history = keras.Model.fit(
        model,
        data,
        validation_data=validation,
        epochs=job.epochs,
        # The batches shuffle themselves with the job's seed; Keras's own
        # shuffle of a PyDataset uses global random state.
        shuffle=False,
        callbacks=callbacks,
        verbose=2 if verbose else 0,
    )
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}
