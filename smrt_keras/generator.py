"""One class's generator, and drawing from many.

A :class:`ClassGenerator` is a fitted VAE, the scaler fitted on its class, the
latent codes of the class's real members and the :class:`~smrt_keras.recipe.Recipe`
it was built from. This module builds it from a fitted VAE and the class's
scaled data, draws new samples, converts it to and from a manifest entry, and
draws batches across classes for ``generate``. How a generator is fitted is
:mod:`smrt_keras.fitting`'s; the Keras side lives in :mod:`smrt_keras.models`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from smrt_keras.densities import density_for
from smrt_keras.models import latent
from smrt_keras.noise import (
    NoiseState,
    OutputNoise,
    gaussian_columns,
    noise_class,
    resolve_noise,
)
from smrt_keras.params import check_seed, is_int
from smrt_keras.preprocessing import FeatureScaler, TableCodec, scaler_from_dict
from smrt_keras.recipe import Recipe
from smrt_keras.settings import (
    GenerationSettings,
)
from smrt_keras.spec import InputSpec

if TYPE_CHECKING:  # pragma: no cover
    from smrt_keras.models.vae import VAE

#: Samples decoded per step when generating; bounds the memory of one step.
GENERATE_BATCH = 10_000

#: ``generate`` refuses an output estimated above this share of the memory
#: available (:func:`available_memory`); ``iter_generate`` has no such bound.
MEMORY_SHARE = 0.8


class OutputTooLargeError(MemoryError):
    """``generate`` was asked for more samples than fit in memory.

    Raised before anything is drawn or allocated; its message gives the
    estimated size and the memory available. Draw in batches with
    :meth:`~smrt_keras.Reconstructor.iter_generate` instead.
    """


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
    info : dict, optional
        What the last ``fit_resample`` made of the class (``"resample"``:
        synthetic samples, copies and the filter's dropped share); saved.
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
        info: dict | None = None,
    ):
        self.model = vae
        self.scaler = scaler
        self.z_mean = np.asarray(z_mean, dtype="float32")
        self.z_log_var = np.asarray(z_log_var, dtype="float32")
        self.history = dict(history or {})
        self.recipe = recipe
        self.z_rival = None if z_rival is None else np.asarray(z_rival, "float32")
        self.info = dict(info or {})
        #: The residuals and covariance of the residual and covariance noises
        #: (:class:`~smrt_keras.noise.NoiseState`); None for images and saves
        #: made before them.
        self.noise_state: NoiseState | None = None

    @property
    def vae(self) -> VAE:
        """The class's Keras :class:`~smrt_keras.models.vae.VAE`.

        Built from the trained weights the first time it is read; from then
        on the generator draws through it, so changes to it (fine-tuning,
        edited weights) show in what the generator makes.
        """
        self.model = self.model.materialise()
        return self.model

    @vae.setter
    def vae(self, value) -> None:
        self.model = value

    # ------------------------------------------------------------ building
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
        gen = cls(vae, scaler, z_mean, z_log_var, history, recipe, z_rival)
        if vae.likelihood in ("gaussian", "mixed"):
            flat = np.asarray(x_scaled, dtype="float32").reshape(len(z_mean), -1)
            decoded = vae.decode(z_mean).reshape(len(z_mean), -1)
            gaussian = gaussian_columns(vae.likelihood, vae.column_types, flat.shape[1])
            gen.noise_state = NoiseState.from_members(flat, decoded, gaussian)
        return gen

    # -------------------------------------------------------------- saving
    def to_entry(self) -> dict:
        """The JSON part of this generator's manifest entry (files aside)."""
        return {
            "scaler": self.scaler.to_dict(),
            "history": self.history,
            "recipe": None if self.recipe is None else self.recipe.to_dict(),
            "info": self.info,
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
            entry.get("info"),
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
        """Draw ``n`` latent codes by ``mode``, a latent density of
        :mod:`smrt_keras.densities` (:data:`~smrt_keras.settings.GENERATION_MODES`)."""
        return density_for(mode).draw(self, n, rng, temperature)

    @property
    def latent_dim(self) -> int:
        return self.model.latent_dim

    def generate(
        self,
        n: int,
        rng: np.random.Generator,
        mode: str = "prior",
        temperature: float = 1.0,
        noise: bool | str = False,
        augment: bool = False,
    ) -> np.ndarray:
        """``n`` new samples, float64, flattened to ``(n, n_features)``.

        ``noise`` is the output noise (a kind of :mod:`smrt_keras.noise`, or
        ``True`` for independent draws from ``p(x | z)``: Gaussian noise of the
        learned per-feature variance, or Bernoulli draws, 0 or 1 before
        unscaling; ``False`` for the mean). With ``augment`` (images
        only), each decoded image gets a random affine + elastic transform,
        the one training minibatches get.
        """
        decoded = self.model.decode(self.latent(n, rng, mode, temperature))
        if augment and decoded.ndim >= 3:
            from smrt_keras.augmentation import AUGMENTATION, RandomAffine

            decoded = RandomAffine(**AUGMENTATION)(decoded, rng).astype("float32")
        decoded = decoded.reshape(n, -1)  # float32 until the unscaling
        decoded = self.noise(noise)(decoded, rng, self.model)
        return self.scaler.inverse_transform(decoded)

    def noise(self, kind: str | bool) -> OutputNoise:
        """The output noise this generator draws by for an ``output_noise``
        (a kind, a bool or ``"auto"``): :func:`smrt_keras.noise.noise_class`."""
        return noise_class(resolve_noise(kind, self.model.likelihood), self.noise_state)

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
    settings: GenerationSettings,
    dtype=None,
):
    """Yield raw float64 rows ``(b, n_features)`` and labels, batch by batch.

    ``settings`` are the estimator's generation settings; they may change
    after fit (``set_params``), so each generator's recipe resolves them, by
    the same rule as at fit (:meth:`~smrt_keras.recipe.Recipe.with_generation`).
    """
    for label, n in counts.items():
        if n <= 0:
            continue
        gen = generators[label]
        recipe = gen.recipe.with_generation(settings, gen.z_rival is not None)
        for start in range(0, int(n), batch_size):
            b = min(batch_size, int(n) - start)
            yield gen.generate_as(b, rng, recipe), np.full(b, label, dtype=dtype)


def sample_arrays(
    batches, counts: Mapping, n_features: int, dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Gather :func:`iter_samples` ``batches`` for ``counts`` into raw float64
    rows ``(n, n_features)`` and labels of ``dtype``.

    Filled in place batch by batch, so peak memory is the output plus one
    batch, whatever ``n`` is; an output that would not fit in memory is
    refused first (:func:`check_output_size`).
    """
    total = int(sum(max(int(n), 0) for n in counts.values()))
    check_output_size(total, n_features, dtype)
    X_out = np.empty((total, n_features))
    y_out = np.empty(total, dtype=dtype)
    pos = 0
    for X, y in batches:
        X_out[pos : pos + len(X)] = X
        y_out[pos : pos + len(X)] = y
        pos += len(X)
    return X_out, y_out


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation: psutil's estimate when
    installed, else Linux's ``MemAvailable``, else the free pages
    ``os.sysconf`` reports; ``None`` where none of them can be read."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:,.1f} GiB"


def check_output_size(rows: int, n_features: int, label_dtype=None) -> None:
    """Refuse, before anything is drawn, an output of ``rows`` samples that
    would not fit in memory.

    The estimate is what ``generate`` holds at its peak: the float64 rows,
    their copy in the caller's types, and the labels. Above
    :data:`MEMORY_SHARE` of :func:`available_memory` it raises
    :class:`OutputTooLargeError`.
    """
    label_bytes = np.dtype(label_dtype).itemsize if label_dtype is not None else 8
    estimate = rows * (2 * 8 * n_features + label_bytes)
    available = available_memory()
    if available is None or estimate <= MEMORY_SHARE * available:
        return
    raise OutputTooLargeError(
        f"{rows:,} samples of {n_features:,} features would take about "
        f"{_gib(estimate)} in memory, more than {MEMORY_SHARE:.0%} of the "
        f"{_gib(available)} available. Draw them in batches with "
        "iter_generate(n, label, batch_size=10_000), which holds one batch at a "
        "time (the command line's generate streams to its file this way)."
    )


def stream(random_state, default: np.random.Generator) -> np.random.Generator:
    """The random stream of one draw: ``default`` (the estimator's own) for
    ``None``, else a new one seeded by ``random_state``."""
    if random_state is None:
        return default
    check_seed(random_state)  # the bound fit has, for the same message
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "random_state must be an int >= 0, a numpy Generator or None; got "
            f"random_state={random_state!r} ({exc})."
        ) from None


def select_labels(generators: Mapping, n, label, classes=None) -> list:
    """The labels a ``generate(n, label)`` call draws from, after checking both
    (``classes``: every label seen in fit, for the hint of a missing one)."""
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
        raise ValueError(_missing_label(label, list(generators), classes))
    return [label]


def _plain(label):
    """A label as the user typed it: numpy scalars as Python ones."""
    return label.item() if isinstance(label, np.generic) else label


def _missing_label(label, labels: list, classes) -> str:
    """Why ``label`` has no generator, and what to do about it."""
    from smrt_keras.validation import label_kind

    shown = [_plain(k) for k in labels]
    text = f"label={label!r} has no generator"
    same_text = [k for k in shown if str(k) == str(label)]
    if same_text and label_kind(same_text[0]) != label_kind(label):
        kind = label_kind(same_text[0])
        return f"{text}: labels are {kind}; did you mean {same_text[0]!r}?"
    seen = [_plain(c) for c in (labels if classes is None else list(classes))]
    if all(c in shown for c in seen):  # every class has one: refitting won't help
        return f"{text}; available labels: {shown}."
    if not any(c == label and label_kind(c) == label_kind(label) for c in seen):
        return (
            f"{text}; available labels: {shown} (it is not a class seen in fit, "
            f"whose classes are {seen})."
        )
    return (
        f"{text}; available labels: {shown}. Fit with classes='all' (or list it "
        "in classes) to generate it."
    )


def subset(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``size`` of ``n`` rows drawn without replacement with
    ``rng``; all ``n`` (and no draw) when ``n <= size``."""
    if n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size, replace=False))
