"""A shared backbone: one VAE fitted on many classes, that each class's
generator fine-tunes from.

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
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from smrt_keras import files
from smrt_keras.conditional import CONDITIONAL, Conditional
from smrt_keras.preprocessing import FeatureScaler
from smrt_keras.recipe import Recipe, build_recipe, is_auto
from smrt_keras.spec import InputSpec

FORMAT_NAME = "smrt-keras-backbone"
FORMAT_VERSION = 1
#: The backbone's model file, in its own directory and in a Reconstructor's.
BACKBONE_FILE = "backbone.keras"
#: A saved Reconstructor's format (``persistence.FORMAT_NAME``), which may
#: hold a backbone too.
RECONSTRUCTOR_FORMAT = "smrt-keras-generators"
#: A class whose values span less than this share of the range a pretrained
#: backbone was trained on is refused: it is almost surely on another scale
#: (pixels in [0, 1] against a backbone of 0-255 pixels).
MIN_RANGE_SHARE = 0.25


class Backbone:
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

    def __init__(
        self,
        model,
        scaler: FeatureScaler,
        recipe: Recipe,
        history: Mapping | None = None,
        trained_on: Mapping | None = None,
    ):
        self.model = model
        self.scaler = scaler
        self.recipe = recipe
        self.history = dict(history or {})
        self.trained_on = dict(trained_on or {})

    # ------------------------------------------------------------ fitting
    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        spec: InputSpec,
        params: Mapping,
        seed: int,
        classes: list | None = None,
    ) -> Backbone:
        """Fit a backbone on every row of ``X`` (all classes together).

        ``params`` are the estimator's; ``params["backbone_epochs"]`` is the
        training budget (early stopping as for a class).
        """
        from smrt_keras.generator import ClassGenerator
        from smrt_keras.models.training import train_jobs

        start = time.perf_counter()
        budget = dict(params, epochs=params["backbone_epochs"])
        recipe = build_recipe(budget, spec, len(X))
        planned = ClassGenerator.plan(recipe, X, seed)
        ((model, history),) = train_jobs([planned.job])
        trained_on = {
            "n_samples": int(len(X)),
            "classes": [_plain(c) for c in (classes or [])],
            "source": "fit",
        }
        backbone = cls(model, planned.scaler, recipe, history, trained_on)
        if params.get("verbose"):
            print(
                f"backbone: {len(X)} samples, {len(history.get('loss', []))} "
                f"epochs, {time.perf_counter() - start:.1f}s",
                flush=True,
            )
        return backbone

    # ------------------------------------------------------------ reading
    @property
    def vae(self):
        """The backbone's Keras :class:`~smrt_keras.models.vae.VAE`."""
        materialise = getattr(self.model, "materialise", None)
        if materialise is not None:
            self.model = materialise()
        return self.model

    @property
    def vae_config(self) -> dict:
        """The architecture every class fine-tuned from it shares."""
        return dict(self.recipe.vae_config)

    def weights(self) -> list[np.ndarray]:
        """Trainable weights as numpy, in the VAE's ``trainable_variables``
        order: the starting point of each fine-tuned class."""
        trainable = getattr(self.model, "trainable", None)
        if isinstance(trainable, list):
            return [np.asarray(w) for w in trainable]
        return [np.asarray(v.numpy()) for v in self.model.trainable_variables]

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

    def class_recipe(self, params: Mapping, spec: InputSpec, n_samples: int) -> Recipe:
        """A class's recipe when it fine-tunes from this backbone: its own
        budget and generation settings, the backbone's architecture."""
        epochs = params.get("fine_tune_epochs") or params["epochs"]
        recipe = build_recipe(dict(params, epochs=epochs), spec, n_samples)
        config = self.vae_config
        config["kl_warmup_steps"] = recipe.vae_config.get("kl_warmup_steps", 0)
        if not is_auto(params.get("beta", "auto")):
            config["beta"] = float(params["beta"])
        return replace(
            recipe,
            vae_config=config,
            scaler_kind=self.scaler.kind,
            per_feature=self.scaler.per_feature,
        )

    # ------------------------------------------------------------- saving
    def to_entry(self) -> dict:
        """The JSON part of the backbone's manifest entry."""
        return {
            "scaler": self.scaler.to_dict(),
            "recipe": self.recipe.to_dict(),
            "history": self.history,
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_entry(cls, entry: Mapping, vae) -> Backbone:
        """Inverse of :meth:`to_entry`, given the entry's loaded VAE."""
        return cls(
            vae,
            FeatureScaler.from_dict(entry["scaler"]),
            Recipe.from_dict(entry["recipe"]),
            entry.get("history"),
            entry.get("trained_on"),
        )

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Save to directory ``path`` (atomically): ``backbone.keras`` and a
        checked manifest. :meth:`load` and ``Reconstructor(backbone=path)``
        read it back."""
        from smrt_keras.models.io import keras_info

        with files.atomic_directory(path, overwrite) as tmp:
            manifest = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                **keras_info(),
                "backbone": self.write_into(tmp),
            }
            files.write_manifest(tmp, manifest)
        return Path(path)

    def write_into(self, directory: Path) -> dict:
        """Write ``backbone.keras`` into ``directory`` (its own save or a
        Reconstructor's); return the manifest entry that describes it."""
        from smrt_keras.models.io import save_vae

        save_vae(self.vae, directory / BACKBONE_FILE)
        return {"model": BACKBONE_FILE, **self.to_entry()}

    @classmethod
    def load(cls, path: str | Path) -> Backbone:
        """Load a backbone saved with :meth:`save`, or the backbone inside a
        saved Reconstructor directory (``safe_mode`` loading, checksums
        checked first)."""
        # A Reconstructor's saves up to format 3 (packed) hold the same entry.
        formats = {FORMAT_NAME: FORMAT_VERSION, RECONSTRUCTOR_FORMAT: 3}
        directory, manifest = files.read_manifest(path, formats)
        entry = manifest.get("backbone")
        if entry is None:
            raise files.InvalidSaveError(
                f"{str(path)!r} holds no backbone (it was fitted without one)."
            )
        return backbone_from_entry(directory, entry)

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


def resolve(backbone, X: np.ndarray, spec: InputSpec, params: Mapping, seed, y=None):
    """The :class:`Backbone` that ``Reconstructor(backbone=...)`` asks for, or
    ``None``.

    ``None``: none. ``"fit"``: fitted on all of ``X``. ``"conditional"``: a
    :class:`~smrt_keras.conditional.Conditional` fitted on ``X`` and ``y``,
    whose class slices are the generators. A zoo name: the zoo's
    pretrained backbone. Another string or a path: a saved directory. A
    :class:`Backbone`: used as is. The result is checked against ``X``.
    """
    if backbone is None:
        return None
    if spec.is_mixed:
        raise ValueError(
            f"backbone={backbone!r} works with numeric tables and images; X has "
            "bool or categorical columns. Use backbone=None (each class's own VAE "
            "models every column kind)."
        )
    if isinstance(backbone, str) and backbone == CONDITIONAL:
        return Conditional.fit(X, y, spec, params, seed)
    if isinstance(backbone, str) and backbone == "fit":
        classes = None if y is None else np.unique(y).tolist()
        return Backbone.fit(X, spec, params, seed, classes)
    if isinstance(backbone, Backbone):
        found = backbone
    elif isinstance(backbone, (str, Path)):
        found = _from_name_or_path(backbone)
    else:
        raise TypeError(
            "backbone must be None, 'fit', 'conditional', a zoo backbone name, "
            "a path to a saved backbone or a Backbone; got "
            f"backbone={backbone!r} of type {type(backbone).__name__}."
        )
    found.check_data(X, spec)
    return found


def _from_name_or_path(name: str | Path) -> Backbone:
    from smrt_keras import presets

    known = sorted(
        n for n, meta in presets.PRESETS.items() if meta.get("kind") == "backbone"
    )
    if isinstance(name, str) and name in presets.PRESETS:
        if presets.PRESETS[name].get("kind") != "backbone":
            raise ValueError(
                f"backbone={name!r} is a zoo set of generators, not a backbone; "
                f"the zoo's backbones are {known}."
            )
        return Backbone.load(presets.path(name))
    path = Path(name)
    if not str(name).strip() or not path.is_dir():
        raise ValueError(
            f"backbone={str(name)!r} is neither 'fit', 'conditional', a zoo "
            f"backbone {known} nor a saved backbone directory."
        )
    return Backbone.load(path)


def backbone_from_entry(directory: Path, entry) -> Backbone:
    """The :class:`Backbone` of a manifest ``entry`` in ``directory`` (its
    model loaded with ``safe_mode``)."""
    from smrt_keras.models.io import load_vae

    if not isinstance(entry, dict):
        raise files.InvalidSaveError(
            f"the manifest's backbone entry is not a table: {entry!r}"
        )
    vae = load_vae(files.check_file(directory, entry.get("model")))
    try:
        backbone = Backbone.from_entry(entry, vae)
        shape = tuple(backbone.recipe.vae_config["input_shape"])
    except (KeyError, TypeError, ValueError) as exc:
        raise files.InvalidSaveError(f"the backbone entry is malformed: {exc}") from exc
    if shape != vae.data_shape:
        raise files.InvalidSaveError(
            f"the backbone's recipe takes samples of shape {shape}, its model "
            f"{vae.data_shape}."
        )
    return backbone
