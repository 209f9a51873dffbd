"""Checks of a loaded manifest against the files it describes.

The checksums in ``manifest.json`` prove that the model and code files are
the ones saved, but nothing signs the manifest itself: an edit to it (or a
damaged copy) could claim ``10**12`` features for a model of 30, a latent
size the codes do not have, or a temperature of ``"x"``. Every field a
generator draws by is checked here against the loaded model, codes and input
description, and a mismatch raises :class:`~smrt_keras.files.InvalidSaveError`
naming the field as ``generators[i].recipe.vae_config.latent_dim``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from smrt_keras.files import InvalidSaveError
from smrt_keras.generator import ClassGenerator
from smrt_keras.noise import gaussian_columns
from smrt_keras.params import is_int
from smrt_keras.preprocessing import GAUSSIAN_KINDS, LEVEL_KINDS, TableCodec
from smrt_keras.recipe import Recipe
from smrt_keras.settings import GENERATION_MODES
from smrt_keras.spec import InputSpec

_RECIPE_FLAGS = ("per_feature", "image", "augment", "prefit")
_RECIPE_COUNTS = ("batch_size", "validation_size", "epochs")
_SCALER_KINDS = ("minmax", "standard", "table")
_COLUMN_KINDS = (*GAUSSIAN_KINDS, *LEVEL_KINDS)
_INPUT_COLUMN_KINDS = ("numeric", "bool", "categorical")


def invalid(field: str, value: Any, expected: str) -> InvalidSaveError:
    """The error for manifest field ``field`` holding ``value``."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidSaveError(
        f"the manifest's {field} is {shown}, but {expected}; the manifest was "
        "edited or damaged after saving."
    )


def _count(value: Any) -> bool:
    return is_int(value) and value >= 0


def _real(value: Any) -> bool:
    return (
        isinstance(value, Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


# ------------------------------------------------------------------ input
def check_spec(spec: InputSpec) -> None:
    """The saved input description is whole: shape, dtype and per-column lists
    that agree with each other."""
    if spec.kind not in ("array", "dataframe"):
        raise invalid("input.kind", spec.kind, "it must be 'array' or 'dataframe'")
    if not spec.sample_shape or any(s < 1 for s in spec.sample_shape):
        raise invalid(
            "input.sample_shape", list(spec.sample_shape), "sizes must be >= 1"
        )
    try:
        np.dtype(spec.dtype)
    except TypeError:
        raise invalid("input.dtype", spec.dtype, "it is no numpy dtype") from None
    n = spec.n_features
    lists = {
        "columns": spec.columns,
        "column_dtypes": spec.column_dtypes,
        "column_kinds": spec.column_kinds,
        "levels": spec.levels,
    }
    for name, values in lists.items():
        if len(values) not in (0, n):
            raise invalid(f"input.{name}", values, f"the samples have {n} feature(s)")
    if spec.kind == "dataframe" and len(spec.columns) != n:
        raise invalid("input.columns", spec.columns, f"a table of {n} columns")
    if len(set(map(str, spec.columns))) != len(spec.columns):
        raise invalid("input.columns", spec.columns, "column names must be unique")
    if spec.is_mixed and len(spec.levels) != n:
        raise invalid("input.levels", spec.levels, f"a mixed table of {n} columns")
    unknown = set(spec.column_kinds) - set(_INPUT_COLUMN_KINDS)
    if unknown:
        raise invalid(
            "input.column_kinds", spec.column_kinds, f"{_INPUT_COLUMN_KINDS} only"
        )


def check_strategy(pairs: list) -> None:
    """``sampling_strategy_`` pairs ``[label index, count]`` with counts >= 0
    (the indices are checked where they are read)."""
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list) or len(pair) != 2 or not _count(pair[1]):
            raise invalid(
                f"sampling_strategy_[{i}]", pair, "it must be [label index, count >= 0]"
            )


def check_unique_labels(classes: np.ndarray) -> None:
    """Each label once: two equal labels would make one generator unreachable."""
    if len(np.unique(classes)) != len(classes):
        raise invalid("labels.values", classes.tolist(), "labels must be unique")


# ------------------------------------------------------------- generators
def check_entry_files(entry: Mapping, where: str) -> None:
    """A per-class entry names the files of its own label index."""
    index = entry.get("label_index")
    for key, name in (("model", "class_{}.keras"), ("codes", "class_{}_codes.npz")):
        if key in entry and entry[key] != name.format(index):
            raise invalid(
                f"{where}.label_index",
                index,
                f"its {key} file is {entry[key]!r}, saved for another label",
            )


def check_generator(gen: ClassGenerator, spec: InputSpec, where: str) -> None:
    """A loaded generator's recipe, scaler, codes and history agree with its
    model and with the save's input description."""
    config = _model_config(gen.model)
    if gen.recipe is not None:
        check_recipe(gen.recipe, config, f"{where}.recipe")
    _check_scaler(gen, spec, where)
    _check_codes(gen, int(config["latent_dim"]), where)
    _check_noise(gen, where)
    if not isinstance(gen.history, dict) or not all(
        isinstance(v, list) and all(_real(x) for x in v) for v in gen.history.values()
    ):
        raise invalid(f"{where}.history", gen.history, "it must map names to numbers")


def _model_config(model) -> dict:
    # A weights-only TrainedVAE keeps its configuration without building Keras.
    config = getattr(model, "config", None)
    return dict(config) if isinstance(config, Mapping) else model.get_config()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if _real(a) and _real(b):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def check_recipe(recipe: Recipe, config: Mapping, where: str) -> None:
    """Every recipe field in range, and its VAE configuration the model's."""
    for name in _RECIPE_FLAGS + ("output_augment",):
        if not isinstance(getattr(recipe, name), bool):
            raise invalid(f"{where}.{name}", getattr(recipe, name), "it must be bool")
    for name in _RECIPE_COUNTS:
        if not _count(getattr(recipe, name)):
            raise invalid(f"{where}.{name}", getattr(recipe, name), "an int >= 0")
    if recipe.patience is not None and not _count(recipe.patience):
        raise invalid(f"{where}.patience", recipe.patience, "None or an int >= 0")
    if not _real(recipe.learning_rate) or recipe.learning_rate < 0:
        raise invalid(
            f"{where}.learning_rate", recipe.learning_rate, "a finite float >= 0"
        )
    if not _real(recipe.temperature) or recipe.temperature <= 0:
        raise invalid(f"{where}.temperature", recipe.temperature, "a finite float > 0")
    noise = recipe.output_noise
    if not isinstance(noise, bool) and noise not in ("residual", "covariance"):
        raise invalid(
            f"{where}.output_noise", noise, "True, False, 'residual' or 'covariance'"
        )
    if recipe.generation not in GENERATION_MODES:
        raise invalid(f"{where}.generation", recipe.generation, f"{GENERATION_MODES}")
    if recipe.scaler_kind not in _SCALER_KINDS:
        raise invalid(f"{where}.scaler_kind", recipe.scaler_kind, f"{_SCALER_KINDS}")
    if set(recipe.column_kinds) - set(_COLUMN_KINDS):
        raise invalid(
            f"{where}.column_kinds", list(recipe.column_kinds), f"{_COLUMN_KINDS}"
        )
    missing = {"input_shape", "latent_dim", "likelihood"} - set(recipe.vae_config)
    if missing:
        raise invalid(f"{where}.vae_config", sorted(missing), "those keys are needed")
    for key, value in recipe.vae_config.items():
        if key not in config or not _same(value, config[key]):
            raise invalid(
                f"{where}.vae_config.{key}",
                value,
                f"the saved model has {key}={config.get(key)!r}",
            )


def _check_scaler(gen: ClassGenerator, spec: InputSpec, where: str) -> None:
    scaler, recipe = gen.scaler, gen.recipe
    if recipe is not None and recipe.scaler_kind != scaler.kind:
        raise invalid(
            f"{where}.recipe.scaler_kind",
            recipe.scaler_kind,
            f"its scaler is of kind {scaler.kind!r}",
        )
    if not isinstance(scaler, TableCodec):
        width = spec.n_features if scaler.per_feature else 1
        _check_scale_arrays(scaler, width, f"{where}.scaler")
        return
    if len(scaler.kinds) != spec.n_features:
        raise invalid(
            f"{where}.scaler.kinds",
            list(scaler.kinds),
            f"the samples have {spec.n_features} column(s)",
        )
    if recipe is not None and tuple(recipe.column_kinds) != tuple(scaler.kinds):
        raise invalid(
            f"{where}.recipe.column_kinds",
            list(recipe.column_kinds),
            f"its scaler's columns are {list(scaler.kinds)}",
        )
    gaussian = sum(k in GAUSSIAN_KINDS for k in scaler.kinds)
    if (scaler.scaler_ is None) != (gaussian == 0):
        raise invalid(
            f"{where}.scaler.numeric", scaler.scaler_, f"{gaussian} numeric column(s)"
        )
    if scaler.scaler_ is not None:
        _check_scale_arrays(scaler.scaler_, gaussian, f"{where}.scaler.numeric")


def _check_scale_arrays(scaler, width: int, where: str) -> None:
    for key in ("min", "max", "offset", "scale", "lower", "upper"):
        values = getattr(scaler, f"{key}_", None)
        if values is not None and values.shape != (width,):
            raise invalid(
                f"{where}.{key}", values.tolist(), f"{width} value(s) are needed"
            )
    if not np.all(scaler.scale_ > 0):
        raise invalid(f"{where}.scale", scaler.scale_.tolist(), "scales must be > 0")
    lower, upper = getattr(scaler, "lower_", None), getattr(scaler, "upper_", None)
    if lower is not None and upper is not None and not np.all(lower <= upper):
        raise invalid(f"{where}.upper", upper.tolist(), "bounds must be >= lower")


def _check_codes(gen: ClassGenerator, latent_dim: int, where: str) -> None:
    expected = f"(members, {latent_dim}) with members >= 1"
    shape = gen.z_mean.shape
    if len(shape) != 2 or shape[0] < 1 or shape[1] != latent_dim:
        raise invalid(
            f"{where}.codes z_mean shape", shape, f"the model needs {expected}"
        )
    for name in ("z_log_var", "z_rival"):
        value = getattr(gen, name)
        if value is not None and value.shape != shape:
            raise invalid(f"{where}.codes {name} shape", value.shape, f"{shape}")
    for name in ("z_mean", "z_log_var", "z_rival"):
        value = getattr(gen, name)
        if value is not None and not np.all(np.isfinite(value)):
            raise invalid(f"{where}.codes {name}", "non-finite values", "finite")


def _check_noise(gen: ClassGenerator, where: str) -> None:
    """The noise state's residuals and covariance fit the model's numeric
    columns (the names in the codes file, ``noise_*``)."""
    state = gen.noise_state
    if state is None:
        return
    model = gen.model
    width = int(np.prod(model.data_shape))
    g = len(gaussian_columns(model.likelihood, model.column_types, width))
    if state.covariance.shape != (g, g) or not np.all(np.isfinite(state.covariance)):
        raise invalid(
            f"{where}.codes noise_covariance shape",
            state.covariance.shape,
            f"the model has {g} numeric output(s)",
        )
    residuals = state.residuals
    if residuals is not None and (
        residuals.ndim != 2 or residuals.shape[1] != g or len(residuals) < 1
    ):
        raise invalid(
            f"{where}.codes noise_residuals shape",
            residuals.shape,
            f"(members, {g}) is needed",
        )
