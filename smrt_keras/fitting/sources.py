"""Where class generators come from: one class per way.

A :class:`Source` turns the classes a fit needs into generators. Each way of
making them is one class here, chosen once per fit from
``Reconstructor(backbone=...)`` (:func:`smrt_keras.backbone.source_for`):

- :class:`Scratch`: each class's own VAE, trained from a fresh start
  (``backbone=None``);
- :class:`FineTune`: each class's VAE starts from a shared backbone's
  weights, in its scaled space (``backbone="fit"``, a zoo name, a path or a
  :class:`~smrt_keras.backbone.Backbone`);
- :class:`Conditional`: one conditional VAE fitted on every class, whose
  class slices are the generators (``backbone="conditional"``).

The two per-class ways share their machinery (:class:`PerClass`: plan every
class, train the jobs together, encode the members and rivals) and differ in
one step each, the class's recipe and plan, in the manner of
imbalanced-learn's SMOTE variants. A new way is one more class with a
``build`` method and a ``backbone`` attribute.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from smrt_keras.fitting import plan as planning
from smrt_keras.fitting.plan import ClassTask, PlannedClass
from smrt_keras.generator import ClassGenerator
from smrt_keras.persistence import SavedBackbone
from smrt_keras.preprocessing import FeatureScaler
from smrt_keras.progress import FitProgress, JobReporter
from smrt_keras.recipe import Recipe, build_recipe, resolve_column_kinds
from smrt_keras.settings import FitSettings
from smrt_keras.spec import InputSpec


class SharedBackbone(Protocol):
    """What fine-tuning reads of a backbone
    (:class:`smrt_keras.backbone.Backbone` is one)."""

    scaler: FeatureScaler

    def weights(self) -> list[np.ndarray]:
        """The trainable weights every class starts from."""

    def class_recipe(
        self, settings: FitSettings, spec: InputSpec, n_samples: int
    ) -> Recipe:
        """A class's recipe under the backbone's architecture."""


class Source(Protocol):
    """A way of making class generators.

    Attributes
    ----------
    backbone : SavedBackbone or None
        The shared model saved once beside the generators (a fine-tuned
        fit's backbone); ``None`` when there is none to save.
    """

    backbone: SavedBackbone | None

    def build(
        self,
        tasks: Sequence[ClassTask],
        data: tuple,
        settings: FitSettings,
        progress: FitProgress,
    ) -> dict:
        """``{label: ClassGenerator}`` for ``tasks``; ``data`` is ``(X, y,
        spec)``, and each class reports its start and end on ``progress``."""


class PerClass:
    """Each class's own VAE: plan every class, train the jobs together (in one
    call to the trainer), then encode each class's members and rivals.

    Subclasses choose the class's :meth:`recipe` and :meth:`plan`.
    """

    backbone: SavedBackbone | None = None

    def recipe(self, task: ClassTask, spec: InputSpec, settings: FitSettings) -> Recipe:
        """The recipe of ``task``'s class."""
        raise NotImplementedError

    def plan(self, recipe: Recipe, task: ClassTask) -> PlannedClass:
        """``task``'s class scaled, split and made a training job."""
        return planning.plan(recipe, task.rows, task.seed)

    def build(self, tasks, data, settings, progress) -> dict:
        from smrt_keras.models.training import train_jobs

        X, y, spec = data
        planned = [self.plan(self.recipe(t, spec, settings), t) for t in tasks]
        reports = [(t.k, t.label, len(t.rows)) for t in tasks]
        results = train_jobs(
            [p.job for p in planned], JobReporter(progress, reports), settings.n_jobs
        )
        generators = {}
        for task, plan, (vae, history) in zip(tasks, planned, results, strict=True):
            rival = planning.rival_rows(X, y, task.label, task.seed)
            generators[task.label] = planning.trained_generator(
                plan, vae, history, rival
            )
        return generators


class Scratch(PerClass):
    """Each class's VAE trained from a fresh start (``backbone=None``).

    Its tables give awkward numeric columns (few levels, mostly zeros, heavy
    tails) a model of their own (:func:`~smrt_keras.recipe.resolve_column_kinds`),
    decided once over all of ``X``; shared models (a backbone, the conditional
    VAE) scale every class alike, as numbers.
    """

    def build(self, tasks, data, settings, progress) -> dict:
        X, y, spec = data
        spec = resolve_column_kinds(spec, X, settings.likelihood)
        return super().build(tasks, (X, y, spec), settings, progress)

    def recipe(self, task, spec, settings) -> Recipe:
        spans = planning.column_types(spec, task.rows, task.label)
        return build_recipe(settings, spec, len(task.rows), spans)

    def __repr__(self) -> str:
        return "Scratch()"


class FineTune(PerClass):
    """Each class's VAE starts from ``backbone``'s weights, in its scaled
    space, and fine-tunes for ``fine_tune_epochs``.

    Parameters
    ----------
    backbone : Backbone
        The shared VAE, already checked against the data.
    """

    def __init__(self, backbone: SharedBackbone):
        self.backbone = backbone

    def recipe(self, task, spec, settings) -> Recipe:
        return self.backbone.class_recipe(settings, spec, len(task.rows))

    def plan(self, recipe, task) -> PlannedClass:
        start = self.backbone.weights()
        return planning.plan(recipe, task.rows, task.seed, self.backbone.scaler, start)

    def __repr__(self) -> str:
        return f"FineTune({self.backbone!r})"


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
    """One conditional VAE fitted on every class of ``X``; each class's
    generator is its class slice (``backbone="conditional"``).

    A rare class fitted alone has a few dozen rows to learn from. A
    conditional VAE learns one encoder and decoder from every row and is told
    the class of each; the rare classes share everything it learned and
    differ only by their condition. Each class's generator is the model with
    its condition fixed
    (:meth:`smrt_keras.models.cvae.ConditionalVAE.class_vae`, an ordinary
    VAE), so generation modes, ``generate``, ``fit_resample`` and saving work
    as for per-class VAEs. There is no per-class training, so no fine-tuning.

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

    Examples
    --------
    >>> from smrt_keras import Reconstructor
    >>> smrt = Reconstructor(backbone="conditional", random_state=0)  # doctest: +SKIP
    >>> smrt.fit(X, y).generate(100, label=9)  # doctest: +SKIP
    """

    #: Nothing is saved besides the class slices.
    backbone = None

    def __init__(self, model, scaler: FeatureScaler, recipe: Recipe, classes, history):
        self.model = model
        self.scaler = scaler
        self.recipe = recipe
        self.classes = np.asarray(classes)
        self.history = dict(history)

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        spec: InputSpec,
        settings: FitSettings,
        seed: int,
    ) -> Conditional:
        """Fit on every row of ``X`` with its class ``y``, for
        ``backbone_epochs`` epochs (early stopping as for a class). Image
        data is augmented when its rarest class would be alone."""
        from smrt_keras.models.cvae import fit_conditional

        start = time.perf_counter()
        classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
        budget = settings.shared_fit()
        recipe = build_recipe(budget, spec, len(X))
        rarest = build_recipe(budget, spec, int(counts.min()))
        recipe = replace(recipe, augment=rarest.augment)
        if settings.fine_tune_epochs is not None:
            warnings.warn(
                "fine_tune_epochs is not used with backbone='conditional': its "
                "class slices are the generators, with nothing to fine-tune.",
                UserWarning,
                stacklevel=4,
            )
        scaler, x = planning.scale(recipe, X)
        train, val = stratified_split(index, recipe.validation_size, seed)
        job = planning.training_job(recipe, x[train], x[val], seed)
        model, history = fit_conditional(
            job, len(classes), (index[train], index[val]), settings.verbose
        )
        if settings.verbose:
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
        scaler, x = planning.scale_like(self.scaler, X_c, shape)
        rival = None
        if len(x_rival):
            rival = scaler.transform(x_rival).reshape((len(x_rival), *shape))
        vae = self.model.class_vae(int(where[0]))
        return ClassGenerator.from_data(
            vae, scaler, x, self.history, seed, self.recipe, rival
        )

    def build(self, tasks, data, settings, progress) -> dict:
        X, y, _ = data
        generators = {}
        for task in tasks:
            started = time.perf_counter()
            progress.start_class(task.k, task.label)
            rival = planning.rival_rows(X, y, task.label, task.seed)
            generators[task.label] = self.generator(
                task.label, task.rows[:], rival, task.seed
            )
            seconds = time.perf_counter() - started
            progress.end_class(
                task.k, task.label, len(task.rows),
                "sliced from the conditional VAE", seconds,
            )  # fmt: skip
        return generators

    def __repr__(self) -> str:
        epochs = len(self.history.get("loss", []))
        return (
            f"Conditional(classes={self.classes.tolist()!r}, "
            f"input_shape={self.recipe.data_shape}, epochs={epochs})"
        )
