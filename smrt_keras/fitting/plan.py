"""Per-class planning: scale a class, split it, and turn it into a training
job; adopt prefit generators; the other classes' rows the directed modes
steer by.

Every source of generators (:mod:`smrt_keras.fitting.sources`) plans its
classes with these functions, so a class is scaled, split and seeded the
same way whichever way its generator is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from smrt_keras.generator import ClassGenerator, check_data_shape, subset
from smrt_keras.preprocessing import FeatureScaler, TableCodec
from smrt_keras.recipe import Recipe, recipe_of_vae
from smrt_keras.rows import Rows, ScaledRows
from smrt_keras.settings import GenerationSettings
from smrt_keras.spec import InputSpec

if TYPE_CHECKING:  # pragma: no cover
    from smrt_keras.models.training import TrainingJob

#: Rows of the other classes encoded per class for the directed kde modes
#: (a random subset when there are more).
MAX_RIVAL_ROWS = 2000


@dataclass(frozen=True)
class ClassTask:
    """One class to give a generator: its place in the progress report
    (``k``, 1-based), label, rows (a view of ``X``) and seed."""

    k: int
    label: Any
    rows: Rows
    seed: int


@dataclass
class PlannedClass:
    """A class ready to train: its recipe, fitted scaler, scaled data and job."""

    recipe: Recipe
    scaler: FeatureScaler
    x: ScaledRows
    job: TrainingJob


def scale(recipe: Recipe, X_c) -> tuple[FeatureScaler, ScaledRows]:
    """Fit the recipe's scaler (a :class:`TableCodec` for mixed-type tables)
    on a class; return it and the VAE's input."""
    if recipe.scaler_kind == TableCodec.kind:
        scaler = TableCodec(recipe.column_kinds).fit(X_c)
    else:
        scaler = FeatureScaler(recipe.scaler_kind, recipe.per_feature).fit(X_c)
    return scaler, _scaled(X_c, scaler, recipe.data_shape)


def scale_like(
    shared: FeatureScaler, X_c, data_shape: tuple
) -> tuple[FeatureScaler, ScaledRows]:
    """A class's scaler under a shared model (a backbone's or a conditional
    VAE's) and the class's scaled data: the shared scale, so the class lands
    where the model learned; the class's own range and bounds, so outputs
    are kept to them."""
    scaler = FeatureScaler.from_dict(shared.to_dict())
    own = FeatureScaler(scaler.kind, scaler.per_feature).fit(X_c)
    scaler.min_, scaler.max_ = own.min_, own.max_
    if scaler.per_feature:
        scaler.lower_, scaler.upper_ = own.lower_, own.upper_
    return scaler, _scaled(X_c, scaler, data_shape)


def plan(
    recipe: Recipe,
    X_c,
    seed: int,
    shared: FeatureScaler | None = None,
    start: list | None = None,
) -> PlannedClass:
    """Scale, reshape and split a class into a training job.

    With a ``shared`` scaler (a backbone's), the class is scaled by it;
    ``start`` are the trainable weights its VAE starts from (fine-tuning).
    """
    if shared is None:
        scaler, x = scale(recipe, X_c)
    else:
        scaler, x = scale_like(shared, X_c, recipe.data_shape)
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = recipe.validation_size
    # The training rows stay a view: a big class is never copied whole.
    job = training_job(recipe, x.take(order[n_val:]), x[order[:n_val]], seed, start)
    return PlannedClass(recipe, scaler, x, job)


def training_job(
    recipe: Recipe,
    x_train,
    x_val: np.ndarray,
    seed: int,
    initial_weights: list | None = None,
) -> TrainingJob:
    """The trainer's job for ``recipe``'s architecture and budget on these
    rows (no validation when ``x_val`` is empty; augmented if the recipe
    says so)."""
    from smrt_keras.augmentation import AUGMENTATION, RandomAffine
    from smrt_keras.models.training import TrainingJob

    return TrainingJob(
        config=dict(recipe.vae_config),
        x_train=x_train,
        x_val=x_val if len(x_val) else None,
        seed=seed,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        learning_rate=recipe.learning_rate,
        patience=recipe.patience,
        augment=RandomAffine(**AUGMENTATION) if recipe.augment else None,
        initial_weights=initial_weights,
    )


def trained_generator(
    planned: PlannedClass, vae, history: dict, X_rival=None
) -> ClassGenerator:
    """The generator of a trained job (``X_rival``: other classes' rows,
    unscaled, for the directed kde modes)."""
    x_rival = None
    if X_rival is not None and len(X_rival):
        shape = (len(X_rival), *planned.recipe.data_shape)
        x_rival = planned.scaler.transform(X_rival).reshape(shape)
    return ClassGenerator.from_data(
        vae,
        planned.scaler,
        planned.x,
        history,
        planned.job.seed,
        planned.recipe,
        x_rival,
    )


def adopt(
    prefit: Any, X_c, spec: InputSpec, label, generation: GenerationSettings
) -> ClassGenerator:
    """Reuse a prefit generator or a bare fitted VAE for a class.

    A :class:`ClassGenerator` is shared as is; a bare VAE gets this class's
    scaler and member codes (the original SMRT's ``prefit_estimators``).
    """
    from smrt_keras.models import VAE

    generator = prefit if isinstance(prefit, ClassGenerator) else None
    vae = prefit if generator is None else generator.vae
    if not isinstance(vae, VAE):
        raise TypeError(
            f"generators[{label!r}] must be a ClassGenerator (from another "
            f"Reconstructor's generators_) or a fitted VAE; got "
            f"{type(prefit).__name__}."
        )
    check_data_shape(
        vae, spec, ValueError, f"generators[{label!r}]",
        scaler=None if generator is None else generator.scaler,
    )  # fmt: skip
    recipe = recipe_of_vae(generation, spec, vae.get_config())
    if generator is not None:
        if generator.recipe is not None:
            return generator
        return ClassGenerator(
            vae,
            generator.scaler,
            generator.z_mean,
            generator.z_log_var,
            generator.history,
            recipe,
        )
    scaler, x = scale(recipe, X_c)
    return ClassGenerator.from_data(vae, scaler, x, recipe=recipe)


def rival_rows(X: np.ndarray, y: np.ndarray, label, seed: int) -> np.ndarray:
    """Up to :data:`MAX_RIVAL_ROWS` rows of ``X`` not of class ``label``."""
    others = np.flatnonzero(y != label)
    rng = np.random.default_rng([seed, 2])
    return X[others[subset(len(others), MAX_RIVAL_ROWS, rng)]]


def column_types(spec: InputSpec, X_c, label) -> list | None:
    """The VAE's encoded spans for class ``label`` of a mixed-type table
    (``None`` for other data)."""
    if not spec.is_mixed:
        return None
    spans = TableCodec(spec.column_kinds).fit(X_c).column_types
    if not spans:
        raise ValueError(
            f"class {label!r} has a single level in every column of X (all its "
            "columns are categorical and constant within it): there is nothing "
            "for a generator to learn. Add numeric columns or leave the class "
            "out of sampling_strategy."
        )
    return spans


def _scaled(X_c, scaler, data_shape: tuple) -> ScaledRows:
    """``X_c`` scaled on access (a view, whatever its size)."""
    return ScaledRows(X_c if isinstance(X_c, Rows) else Rows(X_c), scaler, data_shape)
