"""The ``Reconstructor`` facade: the scikit-learn and imbalanced-learn face of
SMRT. It checks parameters and input, freezes them (:mod:`smrt_keras.settings`),
resolves the sampling strategy, and delegates the rest: the source of generators
(:func:`smrt_keras.backbone.source_for`), the fit loop (:mod:`smrt_keras.fitting`),
drawing (:mod:`smrt_keras.generator`), the saved format
(:mod:`smrt_keras.persistence`) and output types (:mod:`smrt_keras.spec`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from smrt_keras import persistence
from smrt_keras.backbone import Backbone, resolve_backbone, source_for
from smrt_keras.fitting import fit_generators
from smrt_keras.generator import (
    GENERATE_BATCH,
    sample_arrays,
    select_labels,
    stream,
)
from smrt_keras.params import Int, check_params
from smrt_keras.persistence import FittedState
from smrt_keras.resampling import ResamplingMixin
from smrt_keras.sampler import SamplerMixin
from smrt_keras.settings import GENERATION, FitSettings, GenerationSettings, constraints
from smrt_keras.spec import OutputRestorer
from smrt_keras.strategy import classes_to_fit, strategy_for
from smrt_keras.validation import check_X, check_y, target_name

_MAX_SEED = 2**31 - 1


class Reconstructor(ResamplingMixin, SamplerMixin, BaseEstimator):
    """Balance classes with per-class variational autoencoders (SMRT).

    ``fit`` trains one VAE on each class that needs synthetic samples (or on
    the classes you name); ``generate`` draws new samples from them;
    ``fit_resample`` appends the synthetic samples that ``sampling_strategy``
    asks for, so the object drops into an ``imblearn.pipeline.Pipeline``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        Samples to make per class, as imbalanced-learn's over-samplers take it
        (:func:`~smrt_keras.strategy.resolve_sampling_strategy`). For multiclass
        targets a float keeps the original SMRT ``balance_ratio`` meaning.
    encoder : {"auto", "dense", "conv"}, default="auto"
        VAE architecture. ``"auto"`` is dense for 2-D data, conv for images.
    input_kind : {"auto", "image", "table"}, default="auto"
        How a 3-D or 4-D ``X`` is read: ``"auto"`` takes integer arrays and
        floats in [0, 1] or [0, 255] as images, other floats (multichannel
        series, say) as ``H*W[*C]`` Gaussian features returned in ``X``'s shape
        (:func:`~smrt_keras.validation.input_kind_of`); ``verbose`` says which.
    hidden_units : sequence of int or None, default=None
        Encoder dense widths (mirrored by the decoder); ``None`` derives them.
    filters, strides : sequence of int or None, default=None
        Conv filters and strides per stage (conv only); ``None`` derives them.
    latent_dim : int or None, default=None
        Latent dimension; ``None`` derives it from the data.
    epochs : int, default=200
        Maximum training epochs per class (early stopping usually ends sooner).
    batch_size : int, default=64
        Largest minibatch size. Small classes use smaller ones (down to 8) so
        that an epoch is :data:`~smrt_keras.recipe.MIN_STEPS_PER_EPOCH` steps.
    learning_rate : float, default=1e-3
        Adam learning rate.
    likelihood : {"auto", "bernoulli", "continuous_bernoulli", "gaussian"}, \
            default="auto"
        ``"auto"``: Bernoulli for images, Gaussian for tables (per column for
        mixed ones; per-class fits model numeric columns of <= 6 values as levels).
    beta : float or "auto", default="auto"
        KL weight (beta-VAE); ``"auto"`` is 0.05 for Bernoulli (images decode
        sharply), 1.0 for Gaussian (:data:`~smrt_keras.recipe.AUTO_BETA`).
    kl_warmup_epochs : int, default=0
        Epochs over which the KL weight rises linearly from 0 to ``beta``.
    generation : {"auto", "prior", "posterior", "interpolate", "kde", \
            "kde-away", "kde-toward", "gmm"}, default="auto"
        The latent density (:mod:`~smrt_keras.densities`): the prior (SMRT's
        ``generate``), around members (``generate_from_sample``), between
        neighbouring members' codes (latent SMOTE), a kde over the members'
        codes, optionally steered away from or toward each member's nearest
        other-class code, or a Gaussian mixture fitted to them. ``"auto"``
        is ``"kde-away"`` for images and ``"prior"`` for tables, the best of each in
        ``benchmarks/results/ablation.md``. May be changed after fit.
    temperature : float, default=1.0
        Scale of the latent noise when generating (the kernel width for kde).
    synthetic_fraction : float in [0, 1] or "auto", default="auto"
        Share of each class's new ``fit_resample`` slots that are synthetic;
        the rest copy real members. Images get the affine + elastic transform
        on both (so 0 is ROS+aug). ``"auto"``: 0 for images (no share has yet
        beaten ROS+aug), 1 for tables (:mod:`smrt_keras.resampling`). At 0,
        ``fit_resample`` fits no generator (``resample_only_``).
    filter_samples : "auto" or bool, default="auto"
        ``fit_resample`` redraws images a CNN misreads or near-copies
        (:mod:`smrt_keras.filtering`), rows with other-class neighbours
        (:mod:`smrt_keras.table_filter`); ``"auto"``: images of 2+ classes.
        ``generate`` filters after :meth:`fit_filter` (``False``: never).
    output_augment : bool, default=False
        Give each generated image the random affine + elastic transform that
        ``augment`` gives training images. Images only; may be changed after fit.
    output_noise : {"auto", "independent", "residual", "covariance", "none"} or bool
        Added to decoded means (:mod:`~smrt_keras.noise`): ``"residual"``,
        real members' reconstruction residuals (``"auto"`` for tables);
        ``"covariance"``, their shrunk covariance; ``"independent"`` (``True``),
        draws of the learned variance; none (``False``, ``"auto"`` for images).
    augment : {"auto"} or bool, default="auto"
        Randomly shift, rotate, rescale and elastically distort each training
        minibatch of a conv VAE (:class:`~smrt_keras.augmentation.RandomAffine`),
        so a VAE fitted on a few dozen images learns how members vary.
        ``"auto"`` augments image classes under ``recipe.AUGMENT_BELOW``
        samples with sides of at least ``recipe.AUGMENT_MIN_SIDE`` pixels.
    validation_fraction : float in [0, 1), default=0.1
        Share of each class held out for early stopping, at most
        ``recipe.MAX_VALIDATION_SIZE`` rows; none if under
        ``recipe.MIN_VALIDATION_SIZE`` rows (then training loss is watched).
    patience : int or None, default=20
        Early-stopping patience in epochs (checked every 128 optimizer
        steps); ``None`` trains all ``epochs``.
    random_state : int, RandomState or None, default=None
        Makes fit, generate and fit_resample repeatable on a backend and machine.
    verbose : int, default=0
        0 silent; 1 one line per class; 2 also a line per epoch.
    generators : dict or None, default=None
        Prefit generators to reuse, ``{label: generator}``: another
        reconstructor's ``generators_[label]`` or a fitted :class:`~smrt_keras.VAE`
        (the original SMRT's ``prefit_estimators``).
    classes : None, "all" or list, default=None
        Classes that get a generator besides those the strategy needs;
        ``"all"`` fits every class, so that any can be generated.
    vae_params : dict or None, default=None
        Extra :class:`~smrt_keras.VAE` arguments (``activation``, ``dropout``,
        ``l2``, ``kernel_size``, ``output_variance``).
    backbone : "auto", None, "fit", "conditional", str, Path or Backbone, \
            default="auto"
        ``"auto"``: ``"conditional"`` for images of 2+ classes, else ``None``
        (each class's own VAE). ``"conditional"``: one conditional VAE on all
        of ``X`` whose class slices are the generators. ``"fit"``, a zoo name
        (``"mnist-backbone"``), a saved directory or a ``Backbone``: a shared
        VAE that each class's VAE fine-tunes from (:mod:`smrt_keras.backbone`).
    backbone_epochs : int, default=12
        Epochs of the shared fit (``"fit"`` or ``"conditional"``), on
        minibatches of at least :data:`~smrt_keras.settings.SHARED_BATCH`.
    fine_tune_epochs : int or None, default=None
        Epochs of each class's fine-tuning (``None``: ``epochs``); no backbone, no use.
    categorical_features : None, "auto" or array-like, default=None
        Categorical columns of a 2-D ``X``, as indices, names or a boolean mask
        (as imbalanced-learn's ``SMOTENC`` takes them), besides a DataFrame's
        category, string and object columns, which always are (``None``: only
        those). Each is modelled by a softmax over the levels its class shows
        (:mod:`smrt_keras.tables`, at most ``tables.MAX_LEVELS`` levels).
    n_jobs : int or None, default=None
        joblib workers that train classes in parallel (``-1``: all); ``None``
        is 1 unless a ``joblib.parallel_config`` (loky, threads, Dask, Ray)
        says otherwise. Any backend gives the same result for the same
        ``n_jobs`` (:mod:`smrt_keras.models.parallel`).

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
    backbone_ : Backbone or None
        The backbone the classes fine-tuned from (``None`` without one).
    resample_info_ : dict
        ``{label: what fit_resample appended}``, with the filter's dropped
        share; also in ``generators_[label].info["resample"]``.
    resample_only_ : bool
        ``True`` after a ``fit_resample`` at share 0: copies only, no generators.
    sample_filter_ : SampleFilter or None
        The classifier :meth:`fit_filter` fitted for ``generate`` (saved).
    input_kind_, input_kind_reason_ : str
        The path ``X`` took, ``"image"`` or ``"table"``, and why, in words.

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
        input_kind: str = "auto",
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
        output_augment: bool = False,
        synthetic_fraction: float | str = "auto",
        filter_samples: str | bool = "auto",
        augment: str | bool = "auto",
        validation_fraction: float = 0.1,
        patience: int | None = 20,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        generators: Mapping | None = None,
        classes: str | Sequence | None = None,
        vae_params: Mapping | None = None,
        backbone="auto",
        backbone_epochs: int = 12,
        fine_tune_epochs: int | None = None,
        categorical_features=None,
        n_jobs: int | None = None,
    ):
        self.sampling_strategy, self.encoder = sampling_strategy, encoder
        self.input_kind, self.hidden_units = input_kind, hidden_units
        self.filters, self.strides = filters, strides
        self.latent_dim, self.epochs, self.batch_size = latent_dim, epochs, batch_size
        self.learning_rate, self.likelihood, self.beta = learning_rate, likelihood, beta
        self.kl_warmup_epochs, self.generation = kl_warmup_epochs, generation
        self.temperature, self.backbone = temperature, backbone
        self.output_noise, self.output_augment = output_noise, output_augment
        self.synthetic_fraction = synthetic_fraction
        self.filter_samples = filter_samples
        self.augment, self.validation_fraction = augment, validation_fraction
        self.patience, self.random_state = patience, random_state
        self.verbose, self.generators = verbose, generators
        self.classes, self.vae_params = classes, vae_params
        self.backbone_epochs, self.fine_tune_epochs = backbone_epochs, fine_tune_epochs
        self.categorical_features, self.n_jobs = categorical_features, n_jobs

    #: What each checked parameter accepts (``sampling_strategy`` and
    #: ``classes`` depend on ``y`` and are checked in ``fit``).
    _constraints = constraints(Backbone)

    # -------------------------------------------------------------- fit
    def fit(self, X, y) -> Reconstructor:
        """Fit one generator per class that needs synthetic samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), DataFrame, or image
            batch of shape (n_samples, H, W) or (n_samples, H, W, C)
            Training data: finite numbers, bools or categories.
        y : array-like of shape (n_samples,)
            Class labels (int, str or bool).

        Returns
        -------
        self : Reconstructor
            The fitted reconstructor.
        """
        check_params(self.get_params(deep=False), self._constraints)
        X_arr, spec = check_X(X, "X", self.categorical_features, self.input_kind)
        y_arr = check_y(y, len(X_arr))
        spec.target = target_name(y)
        return self._fit_arrays(X_arr, spec, y_arr)

    def _fit_arrays(self, X_arr, spec, y_arr, fit_models: bool = True):
        """Fit on checked arrays (``fit_models=False``: same seeds, no models)."""
        strategy = strategy_for(self.sampling_strategy, y_arr)
        classes, counts = np.unique(y_arr, return_counts=True)
        prefit = dict(self.generators or {})
        to_fit = classes_to_fit(classes, strategy, self.classes, prefit, counts)
        rs = check_random_state(self.random_state)
        seeds = {label: int(rs.randint(_MAX_SEED)) for label in to_fit}
        settings = FitSettings.from_params(self.get_params(deep=False))
        # Everything is built in locals first, so that an error or Ctrl-C
        # mid-fit leaves the estimator exactly as it was.
        backbone = resolve_backbone(self.backbone, spec, classes)
        seed = None if backbone is None else int(rs.randint(_MAX_SEED))
        data = (X_arr, y_arr, spec)
        source = source_for(backbone, data, settings, seed) if fit_models else None
        generators = fit_generators(data, seeds, prefit, settings, source)
        shared = getattr(source, "backbone", None)  # no source: no models at all
        self._set_fitted(
            FittedState(classes, strategy, generators, spec, backbone=shared),
            np.random.default_rng(int(rs.randint(_MAX_SEED))),
        )
        self.resample_only_ = not fit_models
        return self

    def _set_fitted(self, state: FittedState, rng: np.random.Generator) -> None:
        """Set every fitted attribute; shared by :meth:`fit` and :meth:`load`."""
        spec = state.spec
        self.classes_ = state.classes
        self.sampling_strategy_ = state.strategy
        self.generators_ = state.generators
        self.history_ = {label: g.history for label, g in state.generators.items()}
        self.backbone_ = state.backbone
        self.input_spec_ = spec
        self.input_shape_, self.n_features_in_ = spec.sample_shape, spec.n_features
        self.input_kind_ = "image" if spec.is_image else "table"
        self.input_kind_reason_ = spec.input_reason or "saved before it was recorded"
        if spec.kind == "dataframe":
            self.feature_names_in_ = np.asarray(spec.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._rng, self.resample_only_ = rng, False
        self.sample_filter_ = state.sample_filter

    # -------------------------------------------------------- generate
    def _draws(self, counts: Mapping, rng, batch_size: int = GENERATE_BATCH):
        # Generation settings may be changed after fit, so they are checked here.
        params = {k: getattr(self, k) for k in GENERATION}
        check_params(params, {k: self._constraints[k] for k in GENERATION})
        settings = GenerationSettings.from_params(params)
        return self._sample_draws(counts, rng, batch_size, settings)

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
        iter_generate : the same samples in batches, for very large ``n``: an
            output too big for memory raises ``OutputTooLargeError`` at once.
        """
        self._check_fitted("generate")
        targets = select_labels(self.generators_, n, label, self.classes_)
        rng = stream(random_state, self._rng)
        counts, dtype = {t: n for t in targets}, self.classes_.dtype
        batches = self._draws(counts, rng)
        X_new, y_new = sample_arrays(batches, counts, self.n_features_in_, dtype)
        return OutputRestorer(self.input_spec_).samples(X_new), y_new

    def iter_generate(
        self, n: int, label=None, batch_size: int = 10_000, random_state=None
    ):
        """Yield ``(X_batch, y_batch)`` until ``n`` samples per class are made.

        Memory stays bounded by one batch. With ``batch_size=10_000`` (the
        internal batch) the batches join to :meth:`generate`'s output.

        Examples
        --------
        >>> for Xb, yb in smrt.iter_generate(10**7, label=1):  # doctest: +SKIP
        ...     writer.write(Xb)
        """
        self._check_fitted("iter_generate")
        targets = select_labels(self.generators_, n, label, self.classes_)
        check_params({"batch_size": batch_size}, {"batch_size": [Int(1)]})
        rng = stream(random_state, self._rng)
        restorer = OutputRestorer(self.input_spec_)
        for X, y in self._draws({t: n for t in targets}, rng, batch_size):
            yield restorer.samples(X), y

    # ------------------------------------------------------------ save/load
    def save(
        self,
        path: str | Path,
        overwrite: bool = False,
        include_optimizer=None,
        packed: bool = False,
        member_data: bool | str = "auto",
    ) -> Path:
        """Save the fitted generators to directory ``path`` (atomically): each
        class's ``.keras`` model (no optimizer state: any backend loads it),
        codes, scaler and recipe, the backbone (once) and the stream's state
        (a loaded reconstructor's ``generate()`` continues this one's).

        Parameters
        ----------
        path : str or Path
            Target directory; if it exists, refused unless ``overwrite=True``.
        overwrite : bool, default=False
            Replace an existing save (only a save: docs/reliability.md).
        include_optimizer : None
            Deprecated and ignored (a ``FutureWarning``); removed in 0.3.
        packed : bool, default=False
            All weights in one file and all codes in another (format 3, for
            many classes; 0.2 cannot read it); no Keras model is built on load.
        member_data : "auto" or bool, default="auto"
            Keep the classes' reconstruction residuals (member data, drawn by
            ``output_noise="residual"``; the manifest says so per class):
            ``"auto"``, those that draw them; without, they draw "covariance".

        Returns
        -------
        Path
            The directory written.
        """
        self._check_fitted("save")
        persistence.warn_include_optimizer(include_optimizer)
        state = persistence.state_of(self, self._rng.bit_generator.state)
        return persistence.save(path, state, overwrite, bool(packed), member_data)

    @classmethod
    def load(cls, path: str | Path) -> Reconstructor:
        """Load a reconstructor saved with :meth:`save` (any format version).

        Everything is checked before use: format version, file names, checksums
        and each manifest field against its files. Keras loads in ``safe_mode``.

        Raises
        ------
        FileNotFoundError
            If ``path`` is not a directory.
        smrt_keras.persistence.InvalidSaveError
            (a ``ValueError``) for anything missing, tampered with or unknown.
        """
        state = persistence.load(path)
        obj = cls(**persistence.loadable_params(state.params, cls(), cls._constraints))
        if state.backbone is not None:
            state.backbone = Backbone.from_saved(state.backbone)
            if obj.backbone is None:  # it was given as a Backbone object
                obj.backbone = state.backbone
        seed = obj.random_state if isinstance(obj.random_state, int) else None
        obj._set_fitted(state, persistence.stream_from_state(state.rng_state, seed))
        return obj
