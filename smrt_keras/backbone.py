"""A shared backbone: one VAE fitted on many classes, that each class's
generator fine-tunes from; and the reading of ``Reconstructor(backbone=...)``
into the fit's source of generators (:func:`source_for`).

A VAE fitted on 40 images alone cannot learn much; one fitted on every class
has learned strokes, shapes and scales that the rare classes share
(DeepSMOTE's key step). With ``Reconstructor(backbone=...)`` each class's VAE
starts from the backbone's weights, in the backbone's scaled space, and
fine-tunes for a short schedule instead of training from noise.

A backbone is fitted on the caller's ``X`` (``backbone="fit"``), taken from
the zoo (``backbone="mnist-backbone"``), read from a directory saved with
:meth:`Backbone.save`, or passed as a :class:`Backbone` (another
reconstructor's ``backbone_``).

Examples
--------
>>> from smrt_keras import Reconstructor
>>> from smrt_keras.datasets import load_digits_images
>>> X, y = load_digits_images()  # doctest: +SKIP
>>> smrt = Reconstructor(backbone="fit", random_state=0).fit(X, y)  # doctest: +SKIP
>>> smrt.backbone_.save("digits-backbone")  # doctest: +SKIP
>>> Reconstructor(backbone="digits-backbone").fit(X_few, y_few)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from smrt_keras import persistence, presets
from smrt_keras.fitting import plan as planning
from smrt_keras.fitting.sources import Conditional, FineTune, Scratch, Source
from smrt_keras.persistence import SavedBackbone
from smrt_keras.recipe import Recipe, build_recipe, is_auto
from smrt_keras.settings import AUTO_BACKBONE, CONDITIONAL, FIT_BACKBONE, FitSettings
from smrt_keras.spec import InputSpec

#: A class whose values span less than this share of the range a pretrained
#: backbone was trained on is refused: it is almost surely on another scale
#: (pixels in [0, 1] against a backbone of 0-255 pixels).
MIN_RANGE_SHARE = 0.25


class Backbone(SavedBackbone):
    """A VAE fitted on many classes, with the scaler of the data it saw.

    Parameters
    ----------
    model : VAE or TrainedVAE
        The fitted VAE (or the engine's weights-only result).
    scaler : FeatureScaler
        The scaler fitted on the backbone's training data; classes that
        fine-tune from the backbone are scaled by it too.
    recipe : Recipe
        How the backbone was built and trained (its ``vae_config`` is the
        architecture every fine-tuned class shares).
    history : dict, optional
        The backbone's training curves.
    trained_on : dict, optional
        What it was trained on: ``n_samples``, ``classes`` and free text.
    """

    # ------------------------------------------------------------ fitting
    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        spec: InputSpec,
        settings: FitSettings,
        seed: int,
        classes: list | None = None,
    ) -> Backbone:
        """Fit a backbone on every row of ``X`` (all classes together), for
        ``backbone_epochs`` epochs (early stopping as for a class)."""
        from smrt_keras.models.training import train_jobs

        start = time.perf_counter()
        recipe = build_recipe(settings.shared_fit(), spec, len(X))
        planned = planning.plan(recipe, X, seed)
        ((model, history),) = train_jobs([planned.job])
        trained_on = {
            "n_samples": int(len(X)),
            "classes": [_plain(c) for c in (classes or [])],
            "source": "fit",
        }
        backbone = cls(model, planned.scaler, recipe, history, trained_on)
        if settings.verbose:
            print(
                f"backbone: {len(X)} samples, {len(history.get('loss', []))} "
                f"epochs, {time.perf_counter() - start:.1f}s",
                flush=True,
            )
        return backbone

    # ------------------------------------------------------------ reading
    @property
    def vae_config(self) -> dict:
        """The architecture every class fine-tuned from it shares."""
        return dict(self.recipe.vae_config)

    def weights(self) -> list[np.ndarray]:
        """Trainable weights as numpy, in the VAE's ``trainable_variables``
        order: the starting point of each fine-tuned class."""
        return self.model.trainable_arrays()

    def check_data(self, X: np.ndarray, spec: InputSpec, what: str = "X") -> None:
        """Refuse data the backbone cannot fine-tune on: another sample shape,
        or (for a [0, 1]-scaled backbone) values on another scale."""
        shape = tuple(self.recipe.vae_config["input_shape"])
        expected = spec.sample_shape if len(shape) > 1 else (spec.n_features,)
        if tuple(expected) != shape:
            raise ValueError(
                f"the backbone takes samples of shape {shape}, but {what} has "
                f"samples of shape {spec.sample_shape}."
            )
        if self.scaler.kind != "minmax" or self.scaler.per_feature:
            return
        lo, hi = float(np.min(X)), float(np.max(X))
        b_lo, b_hi = float(self.scaler.min_[0]), float(self.scaler.max_[0])
        span = b_hi - b_lo
        if (
            lo < b_lo - 0.01 * span
            or hi > b_hi + 0.01 * span
            or (hi - lo < MIN_RANGE_SHARE * span)
        ):
            raise ValueError(
                f"{what} has values in [{lo:g}, {hi:g}] but the backbone was "
                f"trained on values in [{b_lo:g}, {b_hi:g}]; scale {what} as "
                "the backbone's data was scaled (a class must span at least "
                f"{MIN_RANGE_SHARE:.0%} of that range)."
            )

    def class_recipe(
        self, settings: FitSettings, spec: InputSpec, n_samples: int
    ) -> Recipe:
        """A class's recipe when it fine-tunes from this backbone: its own
        budget and generation settings, the backbone's architecture."""
        recipe = build_recipe(settings.fine_tune(), spec, n_samples)
        config = self.vae_config
        config["kl_warmup_steps"] = recipe.vae_config.get("kl_warmup_steps", 0)
        if not is_auto(settings.beta):
            config["beta"] = float(settings.beta)
        return replace(
            recipe,
            vae_config=config,
            scaler_kind=self.scaler.kind,
            per_feature=self.scaler.per_feature,
        )

    # ------------------------------------------------------------- saving
    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Save to directory ``path`` (atomically): ``backbone.keras`` and a
        checked manifest. :meth:`load` and ``Reconstructor(backbone=path)``
        read it back."""
        return persistence.save_backbone(self, path, overwrite)

    @classmethod
    def load(cls, path: str | Path) -> Backbone:
        """Load a backbone saved with :meth:`save`, or the backbone inside a
        saved Reconstructor directory (``safe_mode`` loading, checksums
        checked first)."""
        return cls.from_saved(persistence.load_backbone(path))

    def __repr__(self) -> str:
        shape = tuple(self.recipe.vae_config["input_shape"])
        n = self.trained_on.get("n_samples", "?")
        return (
            f"Backbone(encoder={self.recipe.vae_config['encoder']!r}, "
            f"input_shape={shape}, latent_dim={self.recipe.vae_config['latent_dim']}"
            f", trained_on={n} samples)"
        )

    def __deepcopy__(self, memo):
        # Immutable once fitted; sklearn.clone shares it like generators.
        return self


def _plain(label):
    item = getattr(label, "item", None)
    value = item() if item is not None else label
    return value if isinstance(value, (int, str, bool, float)) else str(value)


def resolve_backbone(backbone, spec: InputSpec, classes) -> object:
    """``backbone="auto"`` read for this fit: ``"conditional"`` for images of
    two or more classes (one shared model), ``None`` (each class's own VAE)
    otherwise; any other value as given."""
    if not (isinstance(backbone, str) and backbone == AUTO_BACKBONE):
        return backbone
    return CONDITIONAL if spec.is_image and len(classes) >= 2 else None


def source_for(
    backbone, data: tuple, settings: FitSettings, seed: int | None
) -> Source:
    """The fit's :class:`~smrt_keras.fitting.sources.Source`, from
    ``Reconstructor(backbone=...)``, chosen once.

    ``None``: :class:`~smrt_keras.fitting.sources.Scratch`. ``"conditional"``:
    a :class:`~smrt_keras.fitting.sources.Conditional` fitted on ``X`` and
    ``y``. Otherwise a :class:`~smrt_keras.fitting.sources.FineTune` from a
    :class:`Backbone`: ``"fit"`` fits one on all of ``X``; a zoo name loads
    the zoo's; another string or a path loads a saved directory; a
    ``Backbone`` is used as is. A given backbone is checked against ``X``.
    ``data`` is ``(X, y, spec)``.
    """
    X, y, spec = data
    if backbone is None:
        return Scratch()
    if spec.is_mixed:
        raise ValueError(
            f"backbone={backbone!r} works with numeric tables and images; X has "
            "bool or categorical columns. Use backbone=None (each class's own VAE "
            "models every column kind)."
        )
    if isinstance(backbone, str) and backbone == CONDITIONAL:
        return Conditional.fit(X, y, spec, settings, seed)
    if isinstance(backbone, str) and backbone == FIT_BACKBONE:
        return FineTune(Backbone.fit(X, spec, settings, seed, np.unique(y).tolist()))
    if isinstance(backbone, Backbone):
        found = backbone
    elif isinstance(backbone, (str, Path)):
        found = Backbone.load(presets.backbone_directory(backbone))
    else:
        raise TypeError(
            "backbone must be None, 'fit', 'conditional', a zoo backbone name, "
            "a path to a saved backbone or a Backbone; got "
            f"backbone={backbone!r} of type {type(backbone).__name__}."
        )
    found.check_data(X, spec)
    return FineTune(found)
