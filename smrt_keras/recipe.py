"""One class's recipe: every ``"auto"`` of the estimator resolved, once.

A :class:`Recipe` is built at fit time from the estimator's parameters, the
data's :class:`~smrt_keras.spec.InputSpec` and the class's size. It says which
VAE to build, how to scale and train it, and how to draw from it. It holds only
primitives, is saved in the manifest beside each generator and read back, so a
loaded reconstructor generates as the fitted one did.

Nothing here imports Keras; the trainer in :mod:`smrt_keras.models.training`
turns a recipe's numbers into a fitted VAE.

The measurements behind each default are in ``benchmarks/results/ablation.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from smrt_keras.noise import resolve_noise
from smrt_keras.settings import DIRECTED_MODES, FitSettings, GenerationSettings
from smrt_keras.spec import InputSpec

#: Small classes train on smaller minibatches, down to 8, so that an epoch is
#: at least this many optimiser steps (one step per epoch starves them).
MIN_STEPS_PER_EPOCH = 8
#: A class holds out a validation set for early stopping only when it is at
#: least this big; smaller ones (fewer than ~100 rows at the default 10 %)
#: train on every row and stop on their training loss. Four held-out rows
#: stopped a 35-row class after ~26 of 200 epochs, undertrained.
MIN_VALIDATION_SIZE = 10
#: ... and holds out at most this many rows; the rest of a big class trains.
#: The validation loss is evaluated on every held-out row every 128 steps:
#: uncapped, the 100,000 held-out rows of a 1M-row class took one epoch's fit
#: from 12.3 s to 21.4 s and its peak memory growth from 189 to 367 MiB
#: (benchmarks/results/memory_fit.md), while the mean's standard error at
#: 10,000 rows is already 1 % of the per-row loss's spread.
MAX_VALIDATION_SIZE = 10_000
#: With ``augment="auto"``, image classes smaller than this are augmented.
AUGMENT_BELOW = 1000
#: With ``augment="auto"``, images with a side below this are not augmented:
#: sub-pixel shifts blur the whole of a tiny image.
AUGMENT_MIN_SIDE = 16
#: Under ``likelihood="auto"``, a numeric table column with at most this many
#: distinct values is modelled as levels, not as a Gaussian
#: (:func:`resolve_column_kinds`; codes 0-3, counts 0-5).
FEW_LEVELS = 6
#: ... a column at least this share of zeros as a point mass and a value ...
MOSTLY_ZERO = 0.5
#: ... and one whose absolute skewness is above this with a signed log.
#: Both thresholds are the tabular suite's definitions of such columns
#: (benchmarks/tabular_suite.json, "awkward").
HEAVY_SKEW = 2.0
#: ``beta="auto"``: the KL weight per likelihood. A low weight lets an image
#: VAE reconstruct sharply; tabular data ranked best at 1.
AUTO_BETA = {
    "bernoulli": 0.05,
    "continuous_bernoulli": 0.05,
    "gaussian": 1.0,
    "mixed": 1.0,
}


def is_auto(value: Any) -> bool:
    """True for the string ``"auto"``; ``value == "auto"`` compares arrays
    element-wise."""
    return isinstance(value, str) and value == "auto"


@dataclass(frozen=True)
class Recipe:
    """How one class's generator is built, trained and sampled.

    Attributes
    ----------
    vae_config : dict
        Keyword arguments of :class:`~smrt_keras.VAE` (without ``seed``).
    scaler_kind : {"minmax", "standard"}
        Feature scaling before the VAE (from the likelihood).
    per_feature : bool
        One scale per feature (tables) or one for all pixels (images).
    augment : bool
        Whether training minibatches are augmented.
    batch_size, validation_size, epochs, patience : int
        The training budget for this class (``patience`` may be ``None``).
    learning_rate : float
    generation : str
        Latent sampling mode (:data:`smrt_keras.settings.GENERATION_MODES`).
    temperature : float
    output_noise : bool or str
        The output noise (:mod:`smrt_keras.noise`): ``True`` independent,
        ``False`` none, else ``"residual"`` or ``"covariance"``.
    output_augment : bool
        Randomly transform each decoded image as training minibatches are
        (:data:`smrt_keras.augmentation.AUGMENTATION`).
    prefit : bool
        The generator was adopted, not trained: the training fields are unused.
    column_kinds : tuple of str
        Mixed-type tables only: each column's kind, from which the class's
        :class:`~smrt_keras.preprocessing.TableCodec` is built.
    image : bool
        The data are images (decides ``generation="auto"``).
    """

    vae_config: Mapping[str, Any]
    scaler_kind: str
    per_feature: bool
    generation: str
    temperature: float
    output_noise: bool | str
    image: bool
    augment: bool = False
    batch_size: int = 0
    validation_size: int = 0
    epochs: int = 0
    learning_rate: float = 0.0
    patience: int | None = None
    prefit: bool = False
    output_augment: bool = False
    column_kinds: tuple[str, ...] = ()

    @property
    def likelihood(self) -> str:
        return self.vae_config["likelihood"]

    @property
    def data_shape(self) -> tuple[int, ...]:
        return tuple(self.vae_config["input_shape"])

    def with_generation(
        self, settings: GenerationSettings, has_rival: bool = True
    ) -> Recipe:
        """The same recipe drawing by these (possibly ``"auto"``) settings.

        Generation settings may change after fit (``set_params``); they are
        resolved here by the same rule as at fit. ``has_rival``: whether the
        generator holds other classes' codes (the directed kde modes).
        """
        return replace(
            self,
            **_generation(settings, self.image, self.likelihood, has_rival),
            output_augment=_output_augment(settings.output_augment, self.data_shape),
        )

    def to_dict(self) -> dict:
        """JSON-able form for the manifest."""
        out = asdict(self)
        out["column_kinds"] = list(self.column_kinds)
        out["vae_config"] = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in self.vae_config.items()
        }
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> Recipe:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown recipe field(s) {sorted(unknown)}")
        values = dict(data)
        config = dict(values["vae_config"])
        for key in ("input_shape", "hidden_units", "filters", "strides"):
            if key in config:
                try:
                    config[key] = tuple(int(v) for v in config[key])
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"recipe.vae_config.{key}: {exc}") from None
        values["vae_config"] = config
        values["column_kinds"] = tuple(values.get("column_kinds", ()))
        return cls(**values)


# ------------------------------------------------------------- resolution
def resolve_encoder(encoder: str, spec: InputSpec) -> str:
    """``"auto"`` is conv for image batches, dense otherwise."""
    fits_conv = spec.is_image and len(spec.sample_shape) <= 3
    if encoder == "auto":
        return "conv" if fits_conv else "dense"
    if encoder == "conv" and not fits_conv and len(spec.sample_shape) > 1:
        raise ValueError(
            f"encoder='conv' needs the image path, but X is read as a table "
            f"({spec.input_reason}); pass input_kind='image' to fit it as images."
        )
    if encoder == "conv" and not fits_conv:
        raise ValueError(
            "encoder='conv' needs image batches (N, H, W) or (N, H, W, C); got "
            f"X with sample shape {spec.sample_shape}. Use encoder='dense'."
        )
    return encoder


def resolve_column_kinds(spec: InputSpec, X, likelihood: str) -> InputSpec:
    """The spec the models are fitted by: ``spec`` with its awkward numeric
    table columns (judged over all of ``X``) given a kind of their own, which
    the class's :class:`~smrt_keras.preprocessing.TableCodec` models to fit:

    - ``"levels"``: at most :data:`FEW_LEVELS` distinct values (codes 0-3,
      counts 0-5): a categorical over the values the class shows;
    - ``"zeros"``: at least :data:`MOSTLY_ZERO` of the values are 0: a point
      mass at zero and a (log-scaled) value;
    - ``"skewed"``: heavy-tailed (absolute skewness over :data:`HEAVY_SKEW`):
      a signed log before standardising.

    Only under ``likelihood="auto"``: images, other likelihoods and tables
    without such columns keep ``spec``. The caller's input spec is unchanged,
    since outputs are restored by it.
    """
    if spec.is_image or likelihood != "auto" or len(spec.sample_shape) != 1:
        # Arrays of 3-D or 4-D read as tables (signals) keep one Gaussian span:
        # the table codec encodes the columns of 2-D rows only.
        return spec
    X = np.asarray(X).reshape(len(X), -1)
    kinds = list(spec.column_kinds) or ["numeric"] * X.shape[1]
    if len(X) <= FEW_LEVELS:
        return spec
    new = [_column_kind(X[:, j]) if k == "numeric" else k for j, k in enumerate(kinds)]
    if new == kinds:
        return spec
    return replace(
        spec, column_kinds=new, levels=list(spec.levels) or [None] * len(new)
    )


def _column_kind(column: np.ndarray) -> str:
    """The modelled kind of one numeric column (see :func:`resolve_column_kinds`)."""
    # A first look at 10,000 rows rules most columns of a big X out cheaply;
    # integers past 2**53 are not exact as floats, so they cannot be levels
    # (categorical_features keeps such IDs exact).
    exact = np.abs(column).max() < 2.0**53
    if exact and len(np.unique(column[:10_000])) <= FEW_LEVELS:
        if len(np.unique(column)) <= FEW_LEVELS:
            return "levels"
    if np.mean(column == 0) >= MOSTLY_ZERO:
        return "zeros"
    std = column.std()
    skew = np.mean(((column - column.mean()) / std) ** 3) if std > 0 else 0.0
    return "skewed" if abs(skew) > HEAVY_SKEW else "numeric"


def resolve_likelihood(likelihood: str, spec: InputSpec) -> str:
    """``"auto"`` is Bernoulli for images (scaled to [0, 1]), ``"mixed"`` for
    tables with bool or categorical columns, Gaussian otherwise."""
    if spec.is_mixed:
        if likelihood != "auto":
            raise ValueError(
                f"likelihood={likelihood!r} cannot model X's bool and categorical "
                "columns; use likelihood='auto', which gives each column its own "
                "(Gaussian, Bernoulli or categorical)."
            )
        return "mixed"
    if likelihood == "auto":
        return "bernoulli" if spec.is_image else "gaussian"
    return likelihood


def _or_default(value, default) -> tuple:
    # `()` is a valid choice (no dense layers), so test for None, not falsiness.
    return tuple(default if value is None else value)


def vae_config(
    settings: FitSettings,
    spec: InputSpec,
    encoder: str,
    likelihood: str,
    column_types: list | None = None,
) -> dict:
    """The VAE's architecture from the estimator's parameters and the data
    (``column_types``: a mixed-type class's encoded spans)."""
    config = dict(settings.vae_params or {})
    if encoder == "conv":
        h, w = spec.sample_shape[:2]
        side = min(h, w)
        strides = tuple(settings.strides or ((2, 2) if side >= 4 else (1,)))
        default_filters = (32, 64) if side >= 16 else (16, 32)
        filters = tuple(settings.filters or default_filters[: len(strides)])
        if len(filters) < len(strides):
            filters = filters + (filters[-1],) * (len(strides) - len(filters))
        config.update(
            input_shape=spec.sample_shape,
            encoder="conv",
            filters=filters,
            strides=strides,
            hidden_units=_or_default(settings.hidden_units, (128,)),
            latent_dim=settings.latent_dim or (16 if h * w >= 256 else 8),
        )
    else:
        d = spec.n_features
        if column_types is not None:
            d = sum(width for _, width in column_types)
            config["column_types"] = [list(span) for span in column_types]
        h1 = int(min(max(2 * d, 32), 256))
        config.update(
            input_shape=(d,),
            encoder="dense",
            hidden_units=_or_default(settings.hidden_units, (h1, max(16, h1 // 2))),
            latent_dim=settings.latent_dim or int(min(max(d // 4, 2), 16)),
        )
    beta = settings.beta
    config.update(
        likelihood=likelihood,
        beta=AUTO_BETA[likelihood] if is_auto(beta) else float(beta),
    )
    return config


def _generation(
    settings: GenerationSettings, image: bool, likelihood: str, has_rival: bool = True
) -> dict:
    generation, output_noise = settings.generation, settings.output_noise
    if is_auto(generation):
        # The best of each kind in the ablation: kde steered away from the
        # nearest other class for images, prior for tables. A generator
        # without other-class codes (adopted, or saved before #15) draws the
        # undirected kde; directed modes named by the user explain instead.
        generation = "kde-away" if image else "prior"
        if generation in DIRECTED_MODES and not has_rival:
            generation = "kde"
    return {
        "generation": generation,
        "temperature": float(settings.temperature),
        "output_noise": noise_field(resolve_noise(output_noise, likelihood)),
    }


def noise_field(kind: str) -> str | bool:
    """The recipe's ``output_noise``: ``True``/``False`` for independent and no
    noise (as releases before the noise kinds read it), else the kind."""
    return {"independent": True, "none": False}.get(kind, kind)


def _output_augment(output_augment, shape: tuple) -> bool:
    # Only images (a VAE that sees (H, W[, C])) can be transformed; "auto" is
    # off until the ablation shows it pays (benchmarks/results/ablation.md).
    return bool(output_augment is True and len(shape) >= 2)


def _augment(augment, shape: tuple, n_samples: int) -> bool:
    # Only VAEs that see images (conv) are augmented: a dense VAE gets flat
    # vectors. "auto" also skips large classes and tiny images.
    if len(shape) < 2 or augment is False:
        return False
    if is_auto(augment) and (
        n_samples >= AUGMENT_BELOW or min(shape[:2]) < AUGMENT_MIN_SIDE
    ):
        return False
    return True


def _budget(settings: FitSettings, n_samples: int) -> dict:
    """Validation split, minibatch size and KL warm-up steps for a class."""
    n_val = min(
        int(round(settings.validation_fraction * n_samples)), MAX_VALIDATION_SIZE
    )
    if n_val < MIN_VALIDATION_SIZE or n_samples - n_val < 2:
        n_val = 0
    n_train = n_samples - n_val
    # An epoch is at least MIN_STEPS_PER_EPOCH steps where the class allows.
    batch = min(settings.batch_size, max(8, -(-n_train // MIN_STEPS_PER_EPOCH)))
    batch = min(batch, n_train)
    steps_per_epoch = -(-n_train // batch)
    return {
        "validation_size": n_val,
        "batch_size": batch,
        "kl_warmup_steps": int(settings.kl_warmup_epochs * steps_per_epoch),
    }


def _shared(generation: GenerationSettings, spec: InputSpec, config: dict) -> dict:
    """The fields every recipe derives the same way: scaling and sampling."""
    likelihood = config["likelihood"]
    return {
        "vae_config": config,
        "output_augment": _output_augment(
            generation.output_augment, tuple(config["input_shape"])
        ),
        "scaler_kind": {"gaussian": "standard", "mixed": "table"}.get(
            likelihood, "minmax"
        ),
        "column_kinds": tuple(spec.column_kinds) if spec.is_mixed else (),
        "per_feature": not spec.is_image,
        "image": spec.is_image,
        **_generation(generation, spec.is_image, likelihood),
    }


def build_recipe(
    settings: FitSettings, spec: InputSpec, n_samples: int, column_types=None
) -> Recipe:
    """The recipe of a class of ``n_samples`` to be trained.

    ``column_types`` are a mixed-type class's encoded spans
    (``TableCodec.column_types``).
    """
    encoder = resolve_encoder(settings.encoder, spec)
    likelihood = resolve_likelihood(settings.likelihood, spec)
    config = vae_config(settings, spec, encoder, likelihood, column_types)
    budget = _budget(settings, n_samples)
    config["kl_warmup_steps"] = budget.pop("kl_warmup_steps")
    return Recipe(
        augment=_augment(settings.augment, tuple(config["input_shape"]), n_samples),
        epochs=int(settings.epochs),
        learning_rate=float(settings.learning_rate),
        patience=settings.patience,
        **budget,
        **_shared(settings.generation, spec, config),
    )


def recipe_of_vae(
    generation: GenerationSettings,
    spec: InputSpec,
    config: Mapping,
    prefit: bool = True,
) -> Recipe:
    """The recipe of a VAE built elsewhere, described by its own config.

    Used for adopted (prefit) VAEs and for generators saved in format 1,
    which predates recipes: their training budget is unknown and left empty.
    """
    skip = ("name", "trainable", "dtype", "seed")
    config = {k: v for k, v in config.items() if k not in skip}
    return Recipe(prefit=prefit, **_shared(generation, spec, config))
