"""Training loop helpers: seeded shuffling, early stopping, progress output."""

from __future__ import annotations

import math

import keras
import numpy as np

from smrt_keras.models.vae import VAE


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
        self.order = self.rng.permutation(len(x))
        # Optional ``transform(batch, rng) -> batch`` (augmentation), drawn
        # from its own stream so it never changes the minibatch order.
        self.transform = transform
        self.transform_rng = np.random.default_rng(None if seed is None else [seed, 1])

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index: int):
        idx = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        batch = self.x[idx]
        if self.transform is not None:
            batch = self.transform(batch, self.transform_rng).astype(batch.dtype)
        return (batch,)

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))


def train_vae(
    vae: VAE,
    x: np.ndarray,
    *,
    x_val: np.ndarray | None = None,
    epochs: int = 100,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    patience: int | None = 10,
    seed: int | None = None,
    verbose: int = 0,
    on_epoch_end=None,
    augment=None,
) -> dict[str, list[float]]:
    """Fit ``vae`` on ``x`` and return its per-epoch history.

    Early stopping watches ``val_loss`` when ``x_val`` is given, else ``loss``,
    and restores the best weights. ``patience=None`` disables it.
    ``on_epoch_end(epoch, logs)``, if given, is called after every epoch (the
    facade's progress bar listens there). ``augment(batch, rng) -> batch``,
    if given, transforms every training minibatch (not the validation data).
    """
    x = vae.check_data(x, "x")
    validation = None
    if x_val is not None and len(x_val):
        validation = (vae.check_data(x_val, "x_val"),)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate))
    callbacks = []
    if patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if validation else "loss",
                patience=int(patience),
                restore_best_weights=True,
            )
        )
    if on_epoch_end is not None:
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end))
    history = vae.fit(
        ShuffledBatches(x, min(int(batch_size), len(x)), seed, transform=augment),
        epochs=int(epochs),
        validation_data=validation,
        callbacks=callbacks,
        verbose=verbose,
        # Order comes from ShuffledBatches; Keras's own shuffle of a PyDataset
        # would draw from Python's global `random`.
        shuffle=False,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}
