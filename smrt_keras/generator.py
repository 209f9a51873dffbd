"""One class's generator and its whole lifecycle.

A :class:`ClassGenerator` is a fitted VAE, the scaler fitted on its class, the
latent codes of the class's real members and the :class:`~smrt_keras.recipe.Recipe`
it was built from. This module plans its training (scale, reshape, split),
builds it from a trained VAE or adopts a prefit one, draws new samples, and
converts it to and from a manifest entry. The Keras side lives in
:mod:`smrt_keras.models` and is imported only when a model is needed, so
``GENERATION_MODES`` stays cheap to import (the command line's ``--help``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from smrt_keras.models import columns, latent
from smrt_keras.params import is_int
from smrt_keras.preprocessing import FeatureScaler, TableCodec, scaler_from_dict
from smrt_keras.progress import FitProgress, JobReporter
from smrt_keras.recipe import Recipe, build_recipe, is_auto, recipe_of_vae
from smrt_keras.rows import Rows, ScaledRows, class_rows
from smrt_keras.settings import DIRECTED_MODES, GENERATION_MODES
from smrt_keras.spec import InputSpec

if TYPE_CHECKING:  # pragma: no cover
    from smrt_keras.models import VAE
    from smrt_keras.models.training import TrainingJob

#: Rows of the other classes encoded per class for the directed kde modes
#: (a random subset when there are more).
MAX_RIVAL_ROWS = 2000

#: Samples decoded per step when generating; bounds the memory of one step.
GENERATE_BATCH = 10_000

#: Latent codes of at most this many real members are kept (a random subset
#: for larger classes): enough to cover the class, small enough to save.
MAX_STORED_CODES = 2000


def check_data_shape(
    vae: VAE,
    spec: InputSpec,
    error: type,
    what: str,
    against: str = "X has",
    scaler: Any = None,
) -> None:
    """Refuse a VAE whose input shape does not fit ``spec``'s samples (as a
    mixed-type table's ``scaler``, a :class:`TableCodec`, encodes them)."""
    expected = spec.sample_shape if vae.encoder_type == "conv" else (spec.n_features,)
    if isinstance(scaler, TableCodec):
        expected = (scaler.width,)
    elif spec.is_mixed:
        raise error(
            f"{what} is a bare VAE, and X is a mixed-type table (categorical or "
            "bool columns), which needs the column encoding a fitted generator "
            "carries; pass another Reconstructor's generators_[label] instead."
        )
    if vae.data_shape != tuple(expected):
        raise error(
            f"{what} takes samples of shape {vae.data_shape}, but {against} "
            f"samples of shape {spec.sample_shape}."
        )


@dataclass
class PlannedClass:
    """A class ready to train: its recipe, fitted scaler, scaled data and job."""

    recipe: Recipe
    scaler: FeatureScaler
    x: ScaledRows
    job: TrainingJob


class ClassGenerator:
    """Generate new samples of one class in the user's feature space.

    Parameters
    ----------
    vae : VAE or TrainedVAE
        A fitted VAE whose input is the scaled class data, or the engine's
        weights-only :class:`~smrt_keras.models.trained.TrainedVAE`, which
        builds its Keras model only when :attr:`vae` is read.
    scaler : FeatureScaler
        Scaler fitted on the class's data; inverted on every output.
    z_mean, z_log_var : ndarray of shape (n_members, latent_dim)
        Posterior parameters of the class's real members.
    history : dict, optional
        Per-epoch training curves (empty for prefit generators).
    recipe : Recipe, optional
        How the generator was built; ``None`` for hand-assembled generators.
    z_rival : ndarray of shape (n_members, latent_dim), optional
        For each member, the nearest code of another class's rows under this
        class's encoder: what ``"kde-away"`` and ``"kde-toward"`` steer by.
    """

    def __init__(
        self,
        vae: VAE,
        scaler: FeatureScaler,
        z_mean: np.ndarray,
        z_log_var: np.ndarray,
        history: dict | None = None,
        recipe: Recipe | None = None,
        z_rival: np.ndarray | None = None,
    ):
        self.model = vae
        self.scaler = scaler
        self.z_mean = np.asarray(z_mean, dtype="float32")
        self.z_log_var = np.asarray(z_log_var, dtype="float32")
        self.history = dict(history or {})
        self.recipe = recipe
        self.z_rival = None if z_rival is None else np.asarray(z_rival, "float32")

    @property
    def vae(self) -> VAE:
        """The class's Keras :class:`~smrt_keras.models.vae.VAE`.

        Built from the trained weights the first time it is read; from then
        on the generator draws through it, so changes to it (fine-tuning,
        edited weights) show in what the generator makes.
        """
        materialise = getattr(self.model, "materialise", None)
        if materialise is not None:
            self.model = materialise()
        return self.model

    @vae.setter
    def vae(self, value) -> None:
        self.model = value

    # ------------------------------------------------------------ building
    @staticmethod
    def scale(recipe: Recipe, X_c: np.ndarray) -> tuple[FeatureScaler, np.ndarray]:
        """Fit the recipe's scaler (a :class:`TableCodec` for mixed-type
        tables) on a class; return it and the VAE's input."""
        if recipe.scaler_kind == TableCodec.kind:
            scaler = TableCodec(recipe.column_kinds).fit(X_c)
        else:
            scaler = FeatureScaler(recipe.scaler_kind, recipe.per_feature).fit(X_c)
        return scaler, _scaled(X_c, scaler, recipe.data_shape)

    @staticmethod
    def scale_like(
        shared: FeatureScaler, X_c: np.ndarray, data_shape: tuple
    ) -> tuple[FeatureScaler, np.ndarray]:
        """A class's scaler under a shared model (a backbone's or a
        conditional VAE's) and the class's scaled data: the shared scale, so
        the class lands where the model learned; the class's own range and
        bounds, so outputs are kept to them."""
        scaler = FeatureScaler.from_dict(shared.to_dict())
        own = FeatureScaler(scaler.kind, scaler.per_feature).fit(X_c)
        scaler.min_, scaler.max_ = own.min_, own.max_
        if scaler.per_feature:
            scaler.lower_, scaler.upper_ = own.lower_, own.upper_
        return scaler, _scaled(X_c, scaler, data_shape)

    @classmethod
    def plan(
        cls, recipe: Recipe, X_c: np.ndarray, seed: int, backbone: Any = None
    ) -> PlannedClass:
        """Scale, reshape and split a class into a training job.

        With a ``backbone`` (a :class:`smrt_keras.backbone.Backbone`; this
        module sits below it and only uses its ``scaler`` and ``weights()``),
        the class is scaled by the backbone's scaler and
        its VAE starts from the backbone's weights (fine-tuning).
        """
        if backbone is None:
            scaler, x = cls.scale(recipe, X_c)
        else:
            scaler, x = cls.scale_like(backbone.scaler, X_c, recipe.data_shape)
        order = np.random.default_rng(seed).permutation(len(x))
        n_val = recipe.validation_size
        start = None if backbone is None else backbone.weights()
        # The training rows stay a view: a big class is never copied whole.
        job = training_job(recipe, x.take(order[n_val:]), x[order[:n_val]], seed, start)
        return PlannedClass(recipe, scaler, x, job)

    @classmethod
    def from_data(
        cls,
        vae: VAE,
        scaler: FeatureScaler,
        x_scaled: np.ndarray,
        history=None,
        seed: int | None = 0,
        recipe: Recipe | None = None,
        x_rival: np.ndarray | None = None,
    ) -> ClassGenerator:
        """Build from a fitted VAE and the scaled class data it was fitted on.

        ``x_rival`` (scaled rows of the other classes), if given, is encoded
        too, and each member keeps its nearest rival code (``z_rival``).

        Classes larger than :data:`MAX_STORED_CODES` keep the codes of a random
        subset of members drawn with ``seed``. Only real members' codes are
        stored, never augmented copies (sampling around augmented codes lowered
        precision on MNIST; see ``benchmarks/results/ablation.md``).
        """
        if len(x_scaled) > MAX_STORED_CODES:
            rng = np.random.default_rng(seed)
            x_scaled = x_scaled[subset(len(x_scaled), MAX_STORED_CODES, rng)]
        z_mean, z_log_var = vae.encode(np.asarray(x_scaled))
        z_rival = None
        if x_rival is not None and len(x_rival):
            z_rival = latent.nearest(z_mean, vae.encode(x_rival)[0])
        return cls(vae, scaler, z_mean, z_log_var, history, recipe, z_rival)

    @classmethod
    def from_training(
        cls, planned: PlannedClass, vae: VAE, history: dict, X_rival=None
    ) -> ClassGenerator:
        """The generator of a trained job (``X_rival``: other classes' rows,
        unscaled, for the directed kde modes)."""
        x_rival = None
        if X_rival is not None and len(X_rival):
            shape = (len(X_rival), *planned.recipe.data_shape)
            x_rival = planned.scaler.transform(X_rival).reshape(shape)
        return cls.from_data(
            vae,
            planned.scaler,
            planned.x,
            history,
            planned.job.seed,
            planned.recipe,
            x_rival,
        )

    @classmethod
    def adopt(
        cls, prefit: Any, X_c: np.ndarray, spec: InputSpec, label, params: dict
    ) -> ClassGenerator:
        """Reuse a prefit generator or a bare fitted VAE for a class.

        A :class:`ClassGenerator` is shared as is; a bare VAE gets this class's
        scaler and member codes (the original SMRT's ``prefit_estimators``).
        """
        from smrt_keras.models import VAE

        vae = prefit.vae if isinstance(prefit, ClassGenerator) else prefit
        if not isinstance(vae, VAE):
            raise TypeError(
                f"generators[{label!r}] must be a ClassGenerator (from another "
                f"Reconstructor's generators_) or a fitted VAE; got "
                f"{type(prefit).__name__}."
            )
        check_data_shape(
            vae, spec, ValueError, f"generators[{label!r}]",
            scaler=getattr(prefit, "scaler", None),
        )  # fmt: skip
        recipe = recipe_of_vae(params, spec, vae.get_config())
        if isinstance(prefit, ClassGenerator):
            if prefit.recipe is not None:
                return prefit
            return cls(
                vae,
                prefit.scaler,
                prefit.z_mean,
                prefit.z_log_var,
                prefit.history,
                recipe,
            )
        scaler, x = cls.scale(recipe, X_c)
        return cls.from_data(vae, scaler, x, recipe=recipe)

    # -------------------------------------------------------------- saving
    def to_entry(self) -> dict:
        """The JSON part of this generator's manifest entry (files aside)."""
        return {
            "scaler": self.scaler.to_dict(),
            "history": self.history,
            "recipe": None if self.recipe is None else self.recipe.to_dict(),
        }

    @classmethod
    def from_entry(cls, entry: dict, vae: VAE, codes: tuple) -> ClassGenerator:
        """Inverse of :meth:`to_entry`, given the entry's loaded VAE and codes
        ``(z_mean, z_log_var[, z_rival])``."""
        recipe = entry.get("recipe")
        z_mean, z_log_var, *rival = codes
        return cls(
            vae,
            scaler_from_dict(entry["scaler"]),
            z_mean,
            z_log_var,
            entry.get("history"),
            None if recipe is None else Recipe.from_dict(recipe),
            rival[0] if rival else None,
        )

    # ---------------------------------------------------------- generating
    @property
    def kde_scale(self) -> np.ndarray:
        """Per-dimension kernel width of ``"kde"`` sampling: the members' code
        spread times Scott's factor ``n ** (-1 / (d + 4))``.

        Sampling a random member's code plus this Gaussian noise draws from a
        kernel density estimate of the class in latent space: wider than the
        members' own posteriors (which a low-``beta`` VAE makes tiny, so that
        ``"posterior"`` gives near-copies), so new samples fill the space
        between members the way real class members do.
        """
        return latent.kde_scale(self.z_mean)

    @property
    def n_members(self) -> int:
        """Number of real class members whose codes are stored."""
        return len(self.z_mean)

    def latent(
        self, n: int, rng: np.random.Generator, mode: str, temperature: float
    ) -> np.ndarray:
        """Draw ``n`` latent codes by ``mode`` (see :data:`GENERATION_MODES`)."""
        if mode == "prior" or self.n_members == 0:
            return latent.prior(n, self.model.latent_dim, rng, temperature)
        if mode not in GENERATION_MODES:
            raise ValueError(
                f"generation must be one of {GENERATION_MODES}; got "
                f"generation={mode!r}."
            )
        idx = rng.integers(0, self.n_members, size=n)
        if mode == "posterior":
            return latent.posterior(
                self.z_mean[idx], self.z_log_var[idx], rng, temperature
            )
        if mode == "kde":
            return latent.kde(self.z_mean[idx], self.kde_scale, rng, temperature)
        if mode in DIRECTED_MODES:
            if self.z_rival is None:
                raise ValueError(
                    f"generation={mode!r} needs the codes of other classes, which "
                    "this generator does not have (adopted, or saved by an older "
                    "version); refit it, or use generation='kde'."
                )
            sign = 1.0 if mode == "kde-away" else -1.0
            return latent.kde_directed(
                self.z_mean[idx], self.z_rival[idx], self.kde_scale, rng,
                temperature, sign,
            )  # fmt: skip
        return latent.interpolate(self.z_mean, idx, rng)

    def generate(
        self,
        n: int,
        rng: np.random.Generator,
        mode: str = "prior",
        temperature: float = 1.0,
        noise: bool = False,
        augment: bool = False,
    ) -> np.ndarray:
        """``n`` new samples, float64, flattened to ``(n, n_features)``.

        With ``noise``, samples are drawn from ``p(x | z)`` instead of taking
        its mean: Gaussian noise of the learned per-feature variance, or
        Bernoulli draws (0 or 1 before unscaling). With ``augment`` (images
        only), each decoded image gets a random affine + elastic transform,
        the one training minibatches get.
        """
        decoded = self.model.decode(self.latent(n, rng, mode, temperature))
        if augment and decoded.ndim >= 3:
            from smrt_keras.augmentation import AUGMENTATION, RandomAffine

            decoded = RandomAffine(**AUGMENTATION)(decoded, rng).astype("float32")
        decoded = decoded.reshape(n, -1)  # float32 until the unscaling
        if noise and self.model.likelihood == "gaussian":
            eps = rng.standard_normal(decoded.shape, dtype=np.float32)
            eps *= self.model.output_std().reshape(1, -1)
            decoded += eps
        elif noise and self.model.likelihood == "mixed":
            std = self.model.output_std()
            decoded = columns.mixed_draw(decoded, std, self.model.column_types, rng)
        elif noise and self.model.likelihood == "bernoulli":
            decoded = rng.random(decoded.shape, dtype=np.float32) < decoded
        elif noise:
            raise ValueError(
                "output_noise=True draws from p(x | z), which is implemented "
                "for the bernoulli and gaussian likelihoods; this generator's is "
                f"{self.model.likelihood!r}. Use output_noise=False."
            )
        return self.scaler.inverse_transform(decoded)

    def generate_as(
        self, n: int, rng: np.random.Generator, recipe: Recipe
    ) -> np.ndarray:
        """:meth:`generate` with the generation settings of ``recipe``."""
        return self.generate(
            n,
            rng,
            recipe.generation,
            recipe.temperature,
            recipe.output_noise,
            recipe.output_augment,
        )

    def __deepcopy__(self, memo):
        # Fitted generators are immutable once built; sharing them across
        # sklearn.clone copies avoids duplicating Keras models.
        return self

    def __repr__(self) -> str:
        return (
            f"ClassGenerator(encoder={self.model.encoder_type!r}, "
            f"latent_dim={self.model.latent_dim}, members={self.n_members})"
        )


def iter_samples(
    generators: Mapping,
    counts: Mapping,
    rng,
    batch_size: int,
    settings: Mapping,
    dtype=None,
):
    """Yield raw float64 rows ``(b, n_features)`` and labels, batch by batch.

    ``settings`` are the estimator's ``generation``, ``temperature``,
    ``output_noise`` and ``output_augment`` (a dict); they may change after
    fit (``set_params``), so each generator's recipe resolves them, by the
    same rule as at fit.
    """
    for label, n in counts.items():
        if n <= 0:
            continue
        gen = generators[label]
        recipe = gen.recipe.with_generation(**settings)
        auto = is_auto(settings.get("generation"))
        if auto and recipe.generation in DIRECTED_MODES and gen.z_rival is None:
            # A generator without other-class codes (adopted, or saved before
            # #15) draws the undirected kde; named directed modes explain.
            recipe = replace(recipe, generation="kde")
        for start in range(0, int(n), batch_size):
            b = min(batch_size, int(n) - start)
            yield gen.generate_as(b, rng, recipe), np.full(b, label, dtype=dtype)


def sample_arrays(
    batches, counts: Mapping, n_features: int, dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Gather :func:`iter_samples` ``batches`` for ``counts`` into raw float64
    rows ``(n, n_features)`` and labels of ``dtype``.

    Filled in place batch by batch, so peak memory is the output plus one
    batch, whatever ``n`` is.
    """
    total = int(sum(max(int(n), 0) for n in counts.values()))
    X_out = np.empty((total, n_features))
    y_out = np.empty(total, dtype=dtype)
    pos = 0
    for X, y in batches:
        X_out[pos : pos + len(X)] = X
        y_out[pos : pos + len(X)] = y
        pos += len(X)
    return X_out, y_out


def stream(random_state, default: np.random.Generator) -> np.random.Generator:
    """The random stream of one draw: ``default`` (the estimator's own) for
    ``None``, else a new one seeded by ``random_state``."""
    if random_state is None:
        return default
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "random_state must be an int >= 0, a numpy Generator or None; got "
            f"random_state={random_state!r} ({exc})."
        ) from None


def select_labels(generators: Mapping, n, label) -> list:
    """The labels a ``generate(n, label)`` call draws from, after checking both."""
    if not is_int(n) or n <= 0:
        raise ValueError(f"n must be a positive int; got n={n!r}.")
    if label is None:
        if not generators:
            raise ValueError(
                "This Reconstructor has no generators (no class needed "
                "samples); refit with classes='all' to generate any class."
            )
        return list(generators)
    if label not in generators:
        raise ValueError(
            f"label={label!r} has no generator; available labels: "
            f"{list(generators)}. Fit with classes='all' (or list it "
            "in classes) to generate it."
        )
    return [label]


def training_job(
    recipe: Recipe,
    x_train: np.ndarray,
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


def _scaled(X_c, scaler, data_shape: tuple) -> ScaledRows:
    """``X_c`` scaled on access (a view, whatever its size)."""
    return ScaledRows(X_c if isinstance(X_c, Rows) else Rows(X_c), scaler, data_shape)


def rival_rows(X: np.ndarray, y: np.ndarray, label, seed: int) -> np.ndarray:
    """Up to :data:`MAX_RIVAL_ROWS` rows of ``X`` not of class ``label``."""
    others = np.flatnonzero(y != label)
    rng = np.random.default_rng([seed, 2])
    return X[others[subset(len(others), MAX_RIVAL_ROWS, rng)]]


def column_types(spec: InputSpec, X_c: np.ndarray, label) -> list | None:
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


def subset(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``size`` of ``n`` rows drawn without replacement with
    ``rng``; all ``n`` (and no draw) when ``n <= size``."""
    if n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size, replace=False))


def build_generators(
    data: tuple,
    seeds: Mapping,
    prefit: Mapping,
    params: dict,
    backbone: Any = None,
) -> dict:
    """``{label: ClassGenerator}`` for every label of ``seeds``, in its order.

    ``data`` is ``(X, y, spec)``: the checked arrays and their input spec.

    Prefit classes are adopted; the others get a recipe and a training plan
    (fine-tuning ``backbone`` if given), and train together in one call to
    the trainer. ``params`` are the estimator's; its ``epochs`` and
    ``verbose`` drive the progress report. Each trained generator also gets
    its rival codes from the other classes' rows (:func:`rival_rows`).
    """
    from smrt_keras.models.training import train_jobs

    if hasattr(backbone, "build_generators"):  # a conditional VAE's slices
        return backbone.build_generators(data, seeds, prefit, params)
    X, y, spec = data
    members = {label: class_rows(X, y, label) for label in seeds}
    generators, planned, reports = {}, [], []
    with FitProgress(len(members), params["epochs"], params["verbose"]) as progress:
        for k, (label, X_c) in enumerate(members.items(), start=1):
            if label not in prefit:
                recipe = (
                    build_recipe(params, spec, len(X_c), column_types(spec, X_c, label))
                    if backbone is None
                    else backbone.class_recipe(params, spec, len(X_c))
                )
                plan = ClassGenerator.plan(recipe, X_c, seeds[label], backbone)
                planned.append((label, plan))
                reports.append((k, label, len(X_c)))
                continue
            start = time.perf_counter()
            progress.start_class(k, label)
            generators[label] = ClassGenerator.adopt(
                prefit[label], X_c, spec, label, params
            )
            seconds = time.perf_counter() - start
            progress.end_class(k, label, len(X_c), "prefit generator reused", seconds)
        results = train_jobs(
            [plan.job for _, plan in planned],
            JobReporter(progress, reports),
            params.get("n_jobs"),
        )
    for (label, plan), (vae, history) in zip(planned, results, strict=True):
        rival = rival_rows(X, y, label, seeds[label])
        generators[label] = ClassGenerator.from_training(plan, vae, history, rival)
    return {label: generators[label] for label in members}
