"""The ``Reconstructor`` facade: one VAE per class, generation, resampling and
persistence, following scikit-learn and imbalanced-learn conventions."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from smrt_keras import persistence
from smrt_keras._version import __version__
from smrt_keras.augmentation import AUGMENTATION, RandomAffine
from smrt_keras.generator import GENERATION_MODES, ClassGenerator
from smrt_keras.models import VAE
from smrt_keras.models.io import keras_info, load_vae, save_vae
from smrt_keras.models.training import train_vae
from smrt_keras.preprocessing import FeatureScaler
from smrt_keras.progress import FitProgress
from smrt_keras.strategy import resolve_sampling_strategy
from smrt_keras.validation import (
    InputSpec,
    check_X,
    check_y,
    restore_dtypes,
    restore_labels,
)

_MAX_SEED = 2**31 - 1
#: Small classes train on smaller minibatches, down to 8, so that an epoch is
#: at least this many optimiser steps.
MIN_STEPS_PER_EPOCH = 8
#: With ``augment="auto"``, image classes smaller than this are augmented.
AUGMENT_BELOW = 1000
#: With ``augment="auto"``, images with a side below this are not augmented
#: (on scikit-learn's 8x8 digits it lowered the demo's balanced accuracy from 0.924
#: to 0.908, one seed, 250 test digits).
AUGMENT_MIN_SIDE = 16
#: ``beta="auto"``: the KL weight per likelihood. A low weight lets an image
#: VAE reconstruct sharply (MNIST FID 7 against 80 at beta=1, 40 samples);
#: tabular data ranked best at 1.
AUTO_BETA = {"bernoulli": 0.05, "gaussian": 1.0}
#: Samples decoded per step when generating; bounds the memory of one step.
GENERATE_BATCH = 10_000


def _or_default(value, default) -> tuple:
    # `()` is a valid choice (no dense layers), so test for None, not falsiness.
    return tuple(default if value is None else value)


def _describe(gen: ClassGenerator, prefit: bool) -> str:
    """Summary of one class's fit for the progress line."""
    if prefit:
        return "prefit generator reused"
    losses = gen.history.get("loss", [])
    final = f"{losses[-1]:.4g}" if losses else "n/a"
    return f"{len(losses)} epochs, final loss {final}"


def _is_auto(value) -> bool:
    # `value == "auto"` alone would compare arrays element-wise.
    return isinstance(value, str) and value == "auto"


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


class Reconstructor(BaseEstimator):
    """Balance classes with per-class variational autoencoders (SMRT).

    ``fit`` trains one VAE on each class that needs synthetic samples (or on
    the classes you name); ``generate`` draws new samples from them;
    ``fit_resample`` appends the synthetic samples that ``sampling_strategy``
    asks for, so the object drops into an ``imblearn.pipeline.Pipeline``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        How many samples to make per class, as in imbalanced-learn's
        over-samplers: ``"auto"``/``"not majority"``, ``"minority"``,
        ``"not minority"``, ``"all"``, a dict ``{label: wanted count}``, a
        callable ``f(y) -> dict``, or a float ratio ``n_minority / n_majority``.
        For multiclass targets a float keeps the original SMRT
        ``balance_ratio`` meaning: every class below ``ratio * n_majority`` is
        raised to that count.
    encoder : {"auto", "dense", "conv"}, default="auto"
        VAE architecture. ``"auto"`` is dense for 2-D data, conv for images.
    hidden_units : sequence of int or None, default=None
        Dense widths of the encoder (mirrored by the decoder). ``None`` derives
        them from the number of features at fit time.
    filters, strides : sequence of int or None, default=None
        Conv filters and strides per stage (conv only); ``None`` derives them.
    latent_dim : int or None, default=None
        Latent dimension; ``None`` derives it from the data.
    epochs : int, default=200
        Maximum training epochs per class (early stopping usually ends
        training sooner).
    batch_size : int, default=64
        Largest minibatch size. Small classes use smaller minibatches (no
        smaller than 8), so that an epoch takes :data:`MIN_STEPS_PER_EPOCH`
        optimiser steps where the class allows.
    learning_rate : float, default=1e-3
        Adam learning rate.
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        ``"auto"`` is Bernoulli for images (scaled to [0, 1]) and Gaussian for
        tabular data (standardised per feature).
    beta : float or "auto", default="auto"
        KL weight (beta-VAE). ``"auto"`` is 0.05 for the Bernoulli likelihood
        (images decode sharply) and 1.0 for the Gaussian one
        (:data:`AUTO_BETA`).
    kl_warmup_epochs : int, default=0
        Epochs over which the KL weight rises linearly from 0 to ``beta``.
    generation : {"auto", "prior", "posterior", "interpolate", "kde"}, \
            default="auto"
        How new samples are drawn. ``"auto"`` is ``"kde"`` for images and
        ``"prior"`` for tabular data, the best of each in the benchmarks
        (``benchmarks/results/ablation.md``). Otherwise: from the prior (the
        original SMRT ``generate``); around encoded real members (the
        original ``generate_from_sample``); between neighbouring members'
        latent codes; or from a kernel density estimate over the members'
        codes (``"kde"``: a random member's code plus Gaussian noise as wide
        as the class's code spread times Scott's factor, see
        :attr:`ClassGenerator.kde_scale`).
    temperature : float, default=1.0
        Scale of the latent noise when generating (the kernel width for
        ``"kde"``).
    output_noise : {"auto"} or bool, default="auto"
        Draw samples from the decoder's distribution ``p(x | z)`` rather than
        returning its mean. ``"auto"`` does so for the Gaussian likelihood
        (tabular data: the learned per-feature variance restores the spread
        that decoding means alone shrinks away) and returns means for the
        Bernoulli likelihood (images: draws would be speckled 0/1 pixels).
    augment : {"auto"} or bool, default="auto"
        Randomly shift, rotate, rescale and elastically distort each training
        minibatch of image classes
        (:class:`~smrt_keras.augmentation.RandomAffine`), so that a VAE
        fitted on a few dozen images learns how members vary instead of
        memorising them. ``"auto"`` augments image classes with fewer than
        :data:`AUGMENT_BELOW` samples and sides of at least
        :data:`AUGMENT_MIN_SIDE` pixels. Only convolutional VAEs are augmented
        (tabular data and images given to ``encoder="dense"`` never are).
    validation_fraction : float in [0, 1), default=0.1
        Share of each class held out for early stopping (skipped for classes
        too small to split).
    patience : int or None, default=20
        Early-stopping patience in epochs; ``None`` trains all ``epochs``.
    random_state : int, RandomState or None, default=None
        Makes ``fit``, ``generate`` and ``fit_resample`` repeatable on a given
        backend and machine.
    verbose : int, default=0
        0 silent; 1 one line per class; 2 also Keras's per-epoch output.
    generators : dict or None, default=None
        Prefit generators to reuse instead of training, ``{label: generator}``
        where a generator is another reconstructor's ``generators_[label]`` or a
        fitted :class:`~smrt_keras.VAE` trained on data scaled as
        ``likelihood`` implies (the original SMRT's ``prefit_estimators``).
    classes : None, "all" or list, default=None
        Classes that get a generator: always those the strategy needs, plus
        the listed labels; ``"all"`` fits every class so that any can be
        generated.
    vae_params : dict or None, default=None
        Extra :class:`~smrt_keras.VAE` arguments (``activation``, ``dropout``,
        ``l2``, ``kernel_size``, ``output_variance``).

    Attributes
    ----------
    classes_ : ndarray
        Labels seen in ``fit``, sorted.
    generators_ : dict
        ``{label: ClassGenerator}`` for every class that has a generator.
    sampling_strategy_ : OrderedDict
        ``{label: number of samples to make}`` resolved from the strategy.
    n_features_in_ : int
        Number of scalar features in one sample.
    input_shape_ : tuple
        Shape of one sample, e.g. ``(30,)`` or ``(28, 28)``.
    history_ : dict
        ``{label: {"loss": [...], ...}}`` training curves per fitted class.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from smrt_keras import Reconstructor
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> smrt = Reconstructor(epochs=5, random_state=0)
    >>> X_res, y_res = smrt.fit_resample(X, y)
    >>> int((y_res == 1).sum()) == int((y_res == 0).sum())
    True
    >>> X_new, y_new = smrt.generate(10, label=1)
    >>> X_new.shape
    (10, 20)
    """

    def __init__(
        self,
        *,
        sampling_strategy: float | str | Mapping | Callable = "auto",
        encoder: str = "auto",
        hidden_units: Sequence[int] | None = None,
        filters: Sequence[int] | None = None,
        strides: Sequence[int] | None = None,
        latent_dim: int | None = None,
        epochs: int = 200,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        likelihood: str = "auto",
        beta: float | str = "auto",
        kl_warmup_epochs: int = 0,
        generation: str = "auto",
        temperature: float = 1.0,
        output_noise: str | bool = "auto",
        augment: str | bool = "auto",
        validation_fraction: float = 0.1,
        patience: int | None = 20,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        generators: Mapping | None = None,
        classes: str | Sequence | None = None,
        vae_params: Mapping | None = None,
    ):
        self.sampling_strategy = sampling_strategy
        self.encoder = encoder
        self.hidden_units = hidden_units
        self.filters = filters
        self.strides = strides
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.likelihood = likelihood
        self.beta = beta
        self.kl_warmup_epochs = kl_warmup_epochs
        self.generation = generation
        self.temperature = temperature
        self.output_noise = output_noise
        self.augment = augment
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose
        self.generators = generators
        self.classes = classes
        self.vae_params = vae_params

    # ------------------------------------------------------------ checks
    def _check_params(self) -> None:
        def bad(name, expected):
            value = getattr(self, name)
            return ValueError(f"{name} must be {expected}; got {name}={value!r}.")

        if self.encoder not in ("auto", "dense", "conv"):
            raise bad("encoder", "'auto', 'dense' or 'conv'")
        if self.likelihood not in ("auto", "bernoulli", "gaussian"):
            raise bad("likelihood", "'auto', 'bernoulli' or 'gaussian'")
        if self.generation != "auto" and self.generation not in GENERATION_MODES:
            raise bad("generation", f"'auto' or one of {GENERATION_MODES}")
        for name in ("augment", "output_noise"):
            value = getattr(self, name)
            if not (isinstance(value, bool) or _is_auto(value)):
                raise bad(name, "'auto', True or False")
        for name in ("epochs", "batch_size"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                raise bad(name, "a positive int")
        if not _is_int(self.kl_warmup_epochs) or self.kl_warmup_epochs < 0:
            raise bad("kl_warmup_epochs", "an int >= 0")
        if self.latent_dim is not None and (
            not _is_int(self.latent_dim) or self.latent_dim < 1
        ):
            raise bad("latent_dim", "a positive int or None")
        if self.patience is not None and (
            not _is_int(self.patience) or self.patience < 0
        ):
            raise bad("patience", "an int >= 0 or None")
        for name, low in (("learning_rate", 0.0), ("temperature", 0.0)):
            value = getattr(self, name)
            if not isinstance(value, Real) or not np.isfinite(value) or value <= low:
                raise bad(name, "a finite float > 0")
        if not _is_auto(self.beta) and (
            not isinstance(self.beta, Real)
            or not np.isfinite(self.beta)
            or (self.beta < 0)
        ):
            raise bad("beta", "'auto' or a finite float >= 0")
        if not isinstance(self.validation_fraction, Real) or not (
            0.0 <= self.validation_fraction < 1.0
        ):
            raise bad("validation_fraction", "a float in [0, 1)")
        if not _is_int(self.verbose) or self.verbose < 0:
            raise bad("verbose", "an int >= 0")
        if self.generators is not None and not isinstance(self.generators, Mapping):
            raise bad("generators", "a dict {label: generator} or None")
        if self.vae_params is not None and not isinstance(self.vae_params, Mapping):
            raise bad("vae_params", "a dict or None")
        for name in ("hidden_units", "filters", "strides"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, (str, bytes))
                or not all(_is_int(v) and v > 0 for v in value)
            ):
                raise bad(name, "a sequence of positive ints or None")

    # -------------------------------------------------- architecture
    def _resolve_encoder(self, spec: InputSpec) -> str:
        if self.encoder == "auto":
            return "conv" if spec.is_image and len(spec.sample_shape) <= 3 else "dense"
        if self.encoder == "conv" and not (
            spec.is_image and len(spec.sample_shape) <= 3
        ):
            raise ValueError(
                "encoder='conv' needs image batches (N, H, W) or (N, H, W, C); got "
                f"X with sample shape {spec.sample_shape}. Use encoder='dense'."
            )
        return self.encoder

    def _resolve_likelihood(self, spec: InputSpec) -> str:
        if self.likelihood == "auto":
            return "bernoulli" if spec.is_image else "gaussian"
        return self.likelihood

    def _vae_config(self, spec: InputSpec, encoder: str, likelihood: str) -> dict:
        d = spec.n_features
        config = dict(self.vae_params or {})
        if encoder == "conv":
            h, w = spec.sample_shape[:2]
            side = min(h, w)
            default_strides = (2, 2) if side >= 4 else (1,)
            strides = tuple(self.strides or default_strides)
            default_filters = (32, 64) if side >= 16 else (16, 32)
            filters = tuple(self.filters or default_filters[: len(strides)])
            if len(filters) < len(strides):
                filters = filters + (filters[-1],) * (len(strides) - len(filters))
            config.update(
                input_shape=spec.sample_shape,
                encoder="conv",
                filters=filters,
                strides=strides,
                hidden_units=_or_default(self.hidden_units, (128,)),
                latent_dim=self.latent_dim or (16 if h * w >= 256 else 8),
            )
        else:
            h1 = int(np.clip(2 * d, 32, 256))
            config.update(
                input_shape=(d,),
                encoder="dense",
                hidden_units=_or_default(self.hidden_units, (h1, max(16, h1 // 2))),
                latent_dim=self.latent_dim or int(np.clip(d // 4, 2, 16)),
            )
        beta = AUTO_BETA[likelihood] if _is_auto(self.beta) else float(self.beta)
        config.update(likelihood=likelihood, beta=beta)
        return config

    # -------------------------------------------------------------- fit
    def _classes_to_fit(self, y_classes: np.ndarray, strategy: Mapping) -> list:
        prefit = dict(self.generators or {})
        # The classes the strategy needs always get a generator, so that
        # fit_resample can make their samples; `classes` adds to them.
        wanted = [c for c, n in strategy.items() if n > 0]
        if isinstance(self.classes, str):
            if self.classes != "all":
                raise ValueError(
                    f"classes must be None, 'all' or a list of labels; got "
                    f"classes={self.classes!r}."
                )
            wanted = list(y_classes)
        elif self.classes is not None:
            wanted += list(self.classes)
        known = set(y_classes.tolist())
        for label in list(wanted) + list(prefit):
            if label not in known:
                raise ValueError(
                    f"label {label!r} (from classes or generators) is not in y; "
                    f"y holds {sorted(known, key=str)}."
                )
        wanted_set = set(wanted) | set(prefit)
        return [c for c in y_classes.tolist() if c in wanted_set]

    def fit(self, X, y) -> Reconstructor:
        """Fit one generator per class that needs synthetic samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), DataFrame, or image
            batch of shape (n_samples, H, W) or (n_samples, H, W, C)
            Training data; numeric or bool, finite.
        y : array-like of shape (n_samples,)
            Class labels (int, str or bool).

        Returns
        -------
        self : Reconstructor
            The fitted reconstructor.
        """
        self._check_params()
        X_arr, spec = check_X(X)
        return self._fit_arrays(X_arr, spec, check_y(y, len(X_arr)))

    def _fit_arrays(self, X_arr, spec: InputSpec, y_arr) -> Reconstructor:
        classes, counts = np.unique(y_arr, return_counts=True)
        if len(classes) < 2:
            raise ValueError(
                f"y has a single class {classes.tolist()[0]!r}; resampling needs at "
                "least 2 classes."
            )
        try:
            strategy = resolve_sampling_strategy(self.sampling_strategy, y_arr)
        except (ValueError, TypeError) as exc:
            # Name the argument: imbalanced-learn's messages (kept verbatim in
            # strategy.py) do not always say which one is wrong.
            raise type(exc)(
                f"sampling_strategy={self.sampling_strategy!r} does not fit y: {exc}"
            ) from exc
        to_fit = self._classes_to_fit(classes, strategy)
        count_of = dict(zip(classes.tolist(), counts.tolist(), strict=True))
        prefit = dict(self.generators or {})
        for label in to_fit:
            if label not in prefit and count_of[label] < 2:
                raise ValueError(
                    f"class {label!r} has {count_of[label]} sample(s); SMRT needs at "
                    "least 2 samples of a class to fit its generator."
                )
        encoder = self._resolve_encoder(spec)
        likelihood = self._resolve_likelihood(spec)
        rs = check_random_state(self.random_state)

        # Build everything in locals, so that an error or Ctrl-C mid-fit leaves
        # the estimator exactly as it was.
        generators, history = {}, {}
        with FitProgress(len(to_fit), self.epochs, self.verbose) as progress:
            for k, label in enumerate(to_fit, start=1):
                seed = int(rs.randint(_MAX_SEED))
                X_c = X_arr[y_arr == label]
                start = time.perf_counter()
                progress.start_class(k, label)
                if label in prefit:
                    gen = self._adopt(prefit[label], X_c, spec, label)
                else:
                    gen = self._fit_class(
                        X_c, spec, encoder, likelihood, seed, progress.epoch
                    )
                generators[label] = gen
                history[label] = gen.history
                progress.end_class(
                    k,
                    label,
                    len(X_c),
                    _describe(gen, label in prefit),
                    time.perf_counter() - start,
                )

        self.classes_ = classes
        self.sampling_strategy_ = strategy
        self.generators_ = generators
        self.history_ = history
        self.input_spec_ = spec
        self.input_shape_ = spec.sample_shape
        self.n_features_in_ = spec.n_features
        if spec.kind == "dataframe":
            self.feature_names_in_ = np.asarray(spec.columns, dtype=object)
        self._rng = np.random.default_rng(int(rs.randint(_MAX_SEED)))
        return self

    def _scaler_for(self, likelihood: str, spec: InputSpec) -> FeatureScaler:
        kind = "minmax" if likelihood == "bernoulli" else "standard"
        return FeatureScaler(kind, per_feature=not spec.is_image)

    def _fit_class(
        self, X_c, spec, encoder, likelihood, seed, on_epoch_end=None
    ) -> ClassGenerator:
        config = self._vae_config(spec, encoder, likelihood)
        scaler = self._scaler_for(likelihood, spec).fit(X_c)
        x = scaler.transform(X_c).reshape((len(X_c), *config["input_shape"]))
        order = np.random.default_rng(seed).permutation(len(x))
        n_val = int(round(self.validation_fraction * len(x)))
        if n_val < 1 or len(x) - n_val < 2:
            n_val = 0
        x_val, x_train = x[order[:n_val]], x[order[n_val:]]
        # Small classes get smaller minibatches, so an epoch is at least
        # MIN_STEPS_PER_EPOCH optimiser steps: with one step per epoch a
        # 40-sample class would see only `epochs` updates in all.
        batch_size = min(
            self.batch_size, max(8, -(-len(x_train) // MIN_STEPS_PER_EPOCH))
        )
        batch_size = min(batch_size, len(x_train))
        steps_per_epoch = -(-len(x_train) // batch_size)
        config["kl_warmup_steps"] = int(self.kl_warmup_epochs * steps_per_epoch)
        vae = VAE(**config, seed=seed)
        augment = self._augmentation(config["input_shape"], len(X_c))
        history = train_vae(
            vae,
            x_train,
            x_val=x_val if n_val else None,
            epochs=self.epochs,
            batch_size=batch_size,
            learning_rate=self.learning_rate,
            patience=self.patience,
            seed=seed,
            verbose=1 if self.verbose >= 2 else 0,
            on_epoch_end=on_epoch_end,
            augment=augment,
        )
        return ClassGenerator.from_data(vae, scaler, x, history, seed=seed)

    def _augmentation(self, shape: tuple, n_samples: int) -> RandomAffine | None:
        """The minibatch transform for a class, or None.

        Only VAEs that see images (conv) are augmented: a dense VAE on images
        gets flat vectors. "auto" also skips large classes and images smaller
        than AUGMENT_MIN_SIDE, where sub-pixel shifts blur the whole digit.
        """
        if len(shape) < 2 or self.augment is False:
            return None
        if _is_auto(self.augment) and (
            n_samples >= AUGMENT_BELOW or min(shape[:2]) < AUGMENT_MIN_SIDE
        ):
            return None
        return RandomAffine(**AUGMENTATION)

    def _adopt(self, prefit, X_c, spec, label) -> ClassGenerator:
        if isinstance(prefit, ClassGenerator):
            vae = prefit.vae
        elif isinstance(prefit, VAE):
            vae = prefit
        else:
            raise TypeError(
                f"generators[{label!r}] must be a ClassGenerator (from another "
                f"Reconstructor's generators_) or a fitted VAE; got "
                f"{type(prefit).__name__}."
            )
        expected = (
            spec.sample_shape if vae.encoder_type == "conv" else (spec.n_features,)
        )
        if vae.data_shape != tuple(expected):
            raise ValueError(
                f"generators[{label!r}] takes samples of shape {vae.data_shape}, but "
                f"X has samples of shape {spec.sample_shape}."
            )
        if isinstance(prefit, ClassGenerator):
            return prefit
        scaler = self._scaler_for(vae.likelihood, spec).fit(X_c)
        x = scaler.transform(X_c).reshape((len(X_c), *vae.data_shape))
        return ClassGenerator.from_data(vae, scaler, x)

    # -------------------------------------------------------- generate
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "generators_")

    def _check_fitted(self, method: str) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This Reconstructor is not fitted yet; call fit(X, y) before "
                f"{method}()."
            )

    def _generation_mode(self) -> str:
        if _is_auto(self.generation):
            return "kde" if self.input_spec_.is_image else "prior"
        return self.generation

    def _output_noise(self, gen: ClassGenerator) -> bool:
        if _is_auto(self.output_noise):
            return gen.vae.likelihood == "gaussian"
        return bool(self.output_noise)

    def _iter_arrays(self, counts: Mapping, rng, batch_size: int):
        """Yield raw float64 rows ``(b, n_features)`` and labels, batch by batch."""
        for label, n in counts.items():
            gen = self.generators_[label] if n > 0 else None
            for start in range(0, int(n), batch_size):
                b = min(batch_size, int(n) - start)
                X = gen.generate(
                    b,
                    rng,
                    self._generation_mode(),
                    float(self.temperature),
                    self._output_noise(gen),
                )
                yield X, np.full(b, label, dtype=self.classes_.dtype)

    def _generate_arrays(self, counts: Mapping, rng) -> tuple[np.ndarray, np.ndarray]:
        """Raw float64 rows ``(n, n_features)`` and labels for ``counts``.

        Filled in place batch by batch, so peak memory is the output plus one
        batch, whatever ``n`` is.
        """
        total = int(sum(max(int(n), 0) for n in counts.values()))
        X_out = np.empty((total, self.n_features_in_))
        y_out = np.empty(total, dtype=self.classes_.dtype)
        pos = 0
        for X, y in self._iter_arrays(counts, rng, GENERATE_BATCH):
            X_out[pos : pos + len(X)] = X
            y_out[pos : pos + len(X)] = y
            pos += len(X)
        return X_out, y_out

    def _targets(self, n, label, method: str) -> list:
        self._check_fitted(method)
        if not _is_int(n) or n <= 0:
            raise ValueError(f"n must be a positive int; got n={n!r}.")
        if label is None:
            if not self.generators_:
                raise ValueError(
                    "This Reconstructor has no generators (no class needed "
                    "samples); refit with classes='all' to generate any class."
                )
            return list(self.generators_)
        if label not in self.generators_:
            raise ValueError(
                f"label={label!r} has no generator; available labels: "
                f"{list(self.generators_)}. Fit with classes='all' (or list it "
                "in classes) to generate it."
            )
        return [label]

    def _stream(self, random_state):
        if random_state is None:
            return self._rng
        return np.random.default_rng(random_state)

    def generate(self, n: int, label=None, random_state=None):
        """Draw ``n`` new samples of ``label``, or ``n`` of every generator's class.

        Parameters
        ----------
        n : int > 0
            Samples per class.
        label : label or None
            A label from ``generators_``; ``None`` means every one of them.
        random_state : int, Generator or None
            Seed for this draw. ``None`` continues the reconstructor's own
            stream (seeded by ``random_state`` at fit).

        Returns
        -------
        X_new : ndarray or DataFrame
            In the user's feature space, container, shape and dtypes.
        y_new : ndarray of shape (n * n_classes,)

        See Also
        --------
        iter_generate : the same samples in batches, for very large ``n``.
        """
        targets = self._targets(n, label, "generate")
        X_new, y_new = self._generate_arrays(
            {t: n for t in targets}, self._stream(random_state)
        )
        return restore_dtypes(X_new, self.input_spec_), y_new

    def iter_generate(
        self, n: int, label=None, batch_size: int = 10_000, random_state=None
    ):
        """Yield ``(X_batch, y_batch)`` until ``n`` samples per class are made.

        Memory stays bounded by one batch, so ``n`` can exceed what fits in
        memory at once. With ``batch_size`` equal to the internal batch size
        (10,000) the concatenated batches equal :meth:`generate`'s output for
        the same ``random_state``.

        Examples
        --------
        >>> for Xb, yb in smrt.iter_generate(10**7, label=1):  # doctest: +SKIP
        ...     writer.write(Xb)
        """
        targets = self._targets(n, label, "iter_generate")
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(
                f"batch_size must be a positive int; got batch_size={batch_size!r}."
            )
        rng = self._stream(random_state)
        for X, y in self._iter_arrays({t: n for t in targets}, rng, batch_size):
            yield restore_dtypes(X, self.input_spec_), y

    def fit_resample(self, X, y):
        """Fit, then append the synthetic samples ``sampling_strategy`` asks for.

        Returns
        -------
        X_resampled : same container as ``X``
            The original samples first, then the synthetic ones.
        y_resampled : same container as ``y``
        """
        self._check_params()
        X_arr, spec = check_X(X)
        y_arr = check_y(y, len(X_arr))
        self._fit_arrays(X_arr, spec, y_arr)
        X_new, y_new = self._fit_resample(X_arr, y_arr)
        return self._wrap_outputs(X, y, X_new, y_new)

    def _fit_resample(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """The synthetic part only, as raw arrays (imblearn's split)."""
        return self._generate_arrays(self.sampling_strategy_, self._rng)

    def _wrap_outputs(self, X, y, X_new, y_new):
        spec = self.input_spec_
        synthetic = restore_dtypes(X_new, spec)
        if spec.kind == "dataframe":
            import pandas as pd

            X_res = pd.concat([X.reset_index(drop=True), synthetic], ignore_index=True)
        else:
            X_res = np.concatenate([np.asarray(X), synthetic])
        y_orig = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
        y_orig = y_orig.reshape(-1)
        y_res = np.concatenate([y_orig, y_new.astype(y_orig.dtype, copy=False)])
        return X_res, restore_labels(y_res, y)

    # ------------------------------------------------------------ save/load
    def _json_params(self) -> dict:
        params = {}
        for key, value in self.get_params(deep=False).items():
            if key == "generators":
                continue
            try:
                json.dumps(value)
                params[key] = value
            except TypeError:
                params[key] = repr(value)  # callables, RandomState: for the record
        return params

    def save(
        self,
        path: str | Path,
        overwrite: bool = False,
        include_optimizer: bool = True,
    ) -> Path:
        """Save the fitted generators to directory ``path`` (atomically).

        Parameters
        ----------
        path : str or Path
            Target directory; created. Refused if it exists, unless
            ``overwrite=True``.
        overwrite : bool, default=False
            Replace an existing save.
        include_optimizer : bool, default=True
            Keep each VAE's optimizer state, to resume training exactly.
            ``False`` makes the files about three times smaller; loaded models
            can still train, with a fresh optimizer.

        Returns
        -------
        Path
            The directory written.
        """
        self._check_fitted("save")
        labels = persistence.encode_labels(self.classes_)
        index_of = {c: i for i, c in enumerate(self.classes_.tolist())}
        with persistence.atomic_directory(path, overwrite) as tmp:
            entries = []
            for label, gen in self.generators_.items():
                i = index_of[label]
                model_file, codes_file = f"class_{i}.keras", f"class_{i}_codes.npz"
                save_vae(gen.vae, tmp / model_file, include_optimizer)
                persistence.save_codes(tmp / codes_file, gen.z_mean, gen.z_log_var)
                entries.append(
                    {
                        "label_index": i,
                        "model": model_file,
                        "codes": codes_file,
                        "scaler": gen.scaler.to_dict(),
                        "history": gen.history,
                    }
                )
            manifest = {
                "format": persistence.FORMAT_NAME,
                "format_version": persistence.FORMAT_VERSION,
                "smrt_keras_version": __version__,
                **keras_info(),
                "labels": labels,
                "input": self.input_spec_.to_dict(),
                "sampling_strategy_": [
                    [index_of[c], int(n)] for c, n in self.sampling_strategy_.items()
                ],
                "params": self._json_params(),
                "generators": entries,
            }
            persistence.write_manifest(tmp, manifest)
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> Reconstructor:
        """Load a reconstructor saved with :meth:`save`.

        Everything is checked before use: format version, file names,
        checksums, labels and shapes. Models load with Keras's ``safe_mode``.

        Raises
        ------
        FileNotFoundError
            If ``path`` is not a directory.
        smrt_keras.persistence.InvalidSaveError
            (a ``ValueError``) for anything missing, tampered with or unknown.
        """
        directory, manifest = persistence.read_manifest(path)
        try:
            classes = persistence.decode_labels(manifest["labels"])
            spec = InputSpec.from_dict(manifest["input"])
            params = dict(manifest["params"])
            entries = list(manifest["generators"])
            strategy_pairs = list(manifest["sampling_strategy_"])
        except (KeyError, TypeError, ValueError) as exc:
            raise persistence.InvalidSaveError(
                f"manifest of {str(path)!r} is missing or has a malformed field: {exc}"
            ) from exc
        valid = set(cls().get_params())
        kwargs = {k: v for k, v in params.items() if k in valid}
        if not isinstance(kwargs.get("random_state"), (int, type(None))):
            kwargs["random_state"] = None
        if not isinstance(kwargs.get("sampling_strategy"), (int, float, str, dict)):
            kwargs["sampling_strategy"] = "auto"
        obj = cls(**kwargs)

        def label_at(i):
            if not _is_int(i) or not 0 <= i < len(classes):
                raise persistence.InvalidSaveError(
                    f"label index {i!r} is out of range for {len(classes)} labels."
                )
            return classes[i]

        generators = OrderedDict()
        for entry in entries:
            label = label_at(entry.get("label_index"))
            vae = load_vae(persistence.check_file(directory, entry.get("model")))
            expected = (
                spec.sample_shape if vae.encoder_type == "conv" else (spec.n_features,)
            )
            if vae.data_shape != tuple(expected):
                raise persistence.InvalidSaveError(
                    f"{entry['model']!r} takes samples of shape {vae.data_shape} but "
                    f"the manifest says {spec.sample_shape}."
                )
            z_mean, z_log_var = persistence.load_codes(
                persistence.check_file(directory, entry.get("codes"))
            )
            scaler = FeatureScaler.from_dict(entry["scaler"])
            generators[label] = ClassGenerator(
                vae, scaler, z_mean, z_log_var, entry.get("history")
            )
        obj.classes_ = classes
        obj.sampling_strategy_ = OrderedDict(
            (label_at(i), int(n)) for i, n in strategy_pairs
        )
        obj.generators_ = generators
        obj.history_ = {label: g.history for label, g in generators.items()}
        obj.input_spec_ = spec
        obj.input_shape_ = spec.sample_shape
        obj.n_features_in_ = spec.n_features
        if spec.kind == "dataframe":
            obj.feature_names_in_ = np.asarray(spec.columns, dtype=object)
        obj._rng = np.random.default_rng(
            obj.random_state if isinstance(obj.random_state, int) else None
        )
        return obj

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        text = super().__repr__(N_CHAR_MAX)
        if self.__sklearn_is_fitted__():
            labels = ", ".join(repr(c) for c in self.generators_)
            text += f"  # fitted: generators for [{labels}]"
        return text
