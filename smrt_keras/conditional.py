"""``Reconstructor(backbone="conditional")``: one conditional VAE for every
class, whose class slices are the generators.

A rare class fitted alone has a few dozen rows to learn from. A conditional
VAE learns one encoder and decoder from every row of ``X`` and is told the
class of each; the rare classes share everything it learned and differ only
by their condition. Each class's generator is the model with its condition
fixed (:meth:`smrt_keras.models.cvae.ConditionalVAE.class_vae`, an ordinary
VAE), so generation modes, ``generate``, ``fit_resample`` and saving work as
for per-class VAEs. There is no per-class training, and so no fine-tuning.

Examples
--------
>>> from smrt_keras import Reconstructor
>>> smrt = Reconstructor(backbone="conditional", random_state=0)  # doctest: +SKIP
>>> smrt.fit(X, y).generate(100, label=9)  # doctest: +SKIP
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from smrt_keras.generator import ClassGenerator, rival_rows, training_job
from smrt_keras.progress import FitProgress
from smrt_keras.recipe import Recipe, build_recipe
from smrt_keras.spec import InputSpec

#: The ``backbone`` value that asks for a conditional VAE.
CONDITIONAL = "conditional"


def stratified_split(
    index: np.ndarray, n_val: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(train, validation)`` row indices with about ``n_val`` validation
    rows taken from every class in proportion, rounded down: a class too
    small for one validation row keeps all its rows for training (a random
    split could put every row of a tiny class in validation, and its
    condition would never train)."""
    rng = np.random.default_rng(seed)
    share = n_val / len(index) if len(index) else 0.0
    val = []
    for c in np.unique(index):
        rows = rng.permutation(np.flatnonzero(index == c))
        val.append(rows[: int(share * len(rows))])
    val = np.sort(np.concatenate(val)) if val else np.zeros(0, int)
    train = np.setdiff1d(np.arange(len(index)), val)
    return rng.permutation(train), val


class Conditional:
    """A conditional VAE fitted on every class of ``X``.

    Parameters
    ----------
    model : ConditionalVAE
        The fitted model.
    scaler : FeatureScaler
        Fitted on all of ``X``; each class keeps its scale and keeps outputs
        to the class's own range (widened, for tables).
    recipe : Recipe
        Its training budget and the architecture of every class slice.
    classes : ndarray
        The labels, in the order of the one-hot condition.
    history : dict
        The model's training curves (every class generator reports them).
    """

    def __init__(self, model, scaler, recipe: Recipe, classes, history: Mapping):
        self.model = model
        self.scaler = scaler
        self.recipe = recipe
        self.classes = np.asarray(classes)
        self.history = dict(history)

    @classmethod
    def fit(
        cls, X: np.ndarray, y: np.ndarray, spec: InputSpec, params: Mapping, seed: int
    ) -> Conditional:
        """Fit on every row of ``X`` with its class ``y``, for
        ``params["backbone_epochs"]`` epochs (early stopping as for a class).
        Image data is augmented when its rarest class would be alone."""
        from smrt_keras.models.cvae import fit_conditional

        start = time.perf_counter()
        classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
        budget = dict(params, epochs=params["backbone_epochs"])
        recipe = build_recipe(budget, spec, len(X))
        rarest = build_recipe(budget, spec, int(counts.min()))
        recipe = replace(recipe, augment=rarest.augment)
        if params.get("fine_tune_epochs") is not None:
            warnings.warn(
                "fine_tune_epochs is not used with backbone='conditional': its "
                "class slices are the generators, with nothing to fine-tune.",
                UserWarning,
                stacklevel=4,
            )
        scaler, x = ClassGenerator.scale(recipe, X)
        train, val = stratified_split(index, recipe.validation_size, seed)
        job = training_job(recipe, x[train], x[val], seed)
        verbose = int(params.get("verbose") or 0)
        model, history = fit_conditional(
            job, len(classes), (index[train], index[val]), verbose
        )
        if verbose:
            print(
                f"conditional VAE: {len(X)} samples, {len(classes)} classes, "
                f"{len(history.get('loss', []))} epochs, "
                f"{time.perf_counter() - start:.1f}s",
                flush=True,
            )
        return cls(model, scaler, recipe, classes, history)

    def generator(self, label, X_c: np.ndarray, x_rival: np.ndarray, seed: int):
        """The :class:`ClassGenerator` of class ``label`` (its rows ``X_c``;
        ``x_rival``: rows of other classes, unscaled, for the directed modes)."""
        where = np.flatnonzero(self.classes == label)
        if len(where) != 1:
            raise ValueError(
                f"class {label!r} was not among the conditional VAE's classes "
                f"{self.classes.tolist()}."
            )
        shape = self.recipe.data_shape
        scaler, x = ClassGenerator.scale_like(self.scaler, X_c, shape)
        rival = None
        if len(x_rival):
            rival = scaler.transform(x_rival).reshape((len(x_rival), *shape))
        vae = self.model.class_vae(int(where[0]))
        return ClassGenerator.from_data(
            vae, scaler, x, self.history, seed, self.recipe, rival
        )

    def build_generators(
        self, data: tuple, seeds: Mapping, prefit: Mapping, params: Mapping
    ) -> dict:
        """``{label: ClassGenerator}`` for every label of ``seeds``, in its
        order: prefit ones adopted, the others sliced from the model."""
        X, y, spec = data
        generators = {}
        n = len(seeds)
        with FitProgress(n, params["epochs"], params["verbose"]) as progress:
            for k, label in enumerate(seeds, start=1):
                started = time.perf_counter()
                progress.start_class(k, label)
                X_c = X[y == label]
                if label in prefit:
                    generators[label] = ClassGenerator.adopt(
                        prefit[label], X_c, spec, label, dict(params)
                    )
                    how = "prefit generator reused"
                else:
                    rival = rival_rows(X, y, label, seeds[label])
                    generators[label] = self.generator(label, X_c, rival, seeds[label])
                    how = "sliced from the conditional VAE"
                seconds = time.perf_counter() - started
                progress.end_class(k, label, len(X_c), how, seconds)
        return generators

    def __repr__(self) -> str:
        epochs = len(self.history.get("loss", []))
        return (
            f"Conditional(classes={self.classes.tolist()!r}, "
            f"input_shape={self.recipe.data_shape}, epochs={epochs})"
        )
