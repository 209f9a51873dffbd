"""A small CNN used as an independent judge of generated images.

It scores recognisability (does it see the intended class?) and supplies the
penultimate-layer features in which FID and k-NN precision/recall are computed.
"""

from __future__ import annotations

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import layers

FEATURES_LAYER = "features"
#: Minibatch size of every classifier fit (judge and sample filter).
BATCH_SIZE = 128


def build_image_classifier(
    input_shape: tuple[int, ...], n_classes: int, seed: int = 0
) -> keras.Model:
    """Conv-conv-pool x2, then a 128-unit ``features`` layer and softmax."""
    init = keras.initializers.GlorotUniform
    inputs = keras.Input(input_shape)
    x = inputs if len(input_shape) == 3 else layers.Reshape((*input_shape, 1))(inputs)
    for i, filters in enumerate((32, 64)):
        x = layers.Conv2D(
            filters,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=init(seed + 2 * i),
        )(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(
        128, activation="relu", name=FEATURES_LAYER, kernel_initializer=init(seed + 10)
    )(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    outputs = layers.Dense(
        n_classes, activation="softmax", kernel_initializer=init(seed + 11)
    )(x)
    model = keras.Model(inputs, outputs, name="image_judge")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train_classifier(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int, seed: int = 0
) -> None:
    """Fit with a seeded shuffle (no global random state)."""
    from smrt_keras.models.keras_fit import ShuffledBatches

    class Labelled(ShuffledBatches):
        def __getitem__(self, index):
            idx = self.order[index * self.batch_size : (index + 1) * self.batch_size]
            return self.x[idx], y[idx]

    model.fit(Labelled(x, BATCH_SIZE, seed), epochs=epochs, verbose=0, shuffle=False)


def features_and_probabilities(
    model: keras.Model, x: np.ndarray, batch_size: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate-layer features and class probabilities of ``x``."""
    probe = keras.Model(
        model.inputs[0], [model.get_layer(FEATURES_LAYER).output, model.outputs[0]]
    )
    feats, probs = [], []
    for start in range(0, len(x), batch_size):
        f, p = probe(x[start : start + batch_size], training=False)
        feats.append(keras.ops.convert_to_numpy(f))
        probs.append(keras.ops.convert_to_numpy(p))
    return np.concatenate(feats), np.concatenate(probs)


def fit_filter_classifier(
    x: np.ndarray, labels: np.ndarray, n_classes: int, epochs: int, seed: int = 0
) -> keras.Model:
    """:func:`build_image_classifier` fitted on images ``x`` in [0, 1] with
    class indices ``labels``: the classifier that filters synthetic samples."""
    model = build_image_classifier(tuple(x.shape[1:]), n_classes, seed)
    train_classifier(model, x.astype("float32"), np.asarray(labels), epochs, seed)
    return model


def class_probabilities(
    model: keras.Model, x: np.ndarray, batch_size: int = 1024
) -> np.ndarray:
    """Softmax outputs of ``model`` for ``x``, batch by batch."""
    out = []
    for start in range(0, len(x), batch_size):
        p = model(x[start : start + batch_size], training=False)
        out.append(keras.ops.convert_to_numpy(p))
    return np.concatenate(out) if out else np.zeros((0, model.outputs[0].shape[-1]))


def save_classifier(model: keras.Model, path) -> None:
    """Write a classifier to ``path`` (a ``.keras`` file), weights only."""
    from smrt_keras.models.io import save_model_file

    save_model_file(model, path)


def load_classifier(path) -> keras.Model:
    """Load a classifier written by :func:`save_classifier`, with
    ``safe_mode=True`` (no ``Lambda`` layers or other code runs on load).

    Raises
    ------
    ValueError
        If the file is not a safely loadable Keras model with a
        ``features`` layer.
    """
    from smrt_keras.models.io import load_model_file

    what = "a sample filter's classifier"
    model = load_model_file(path, what)
    try:
        model.get_layer(FEATURES_LAYER)
    except ValueError as exc:
        raise ValueError(f"Could not load {what} from {str(path)!r}: {exc}") from exc
    return model
