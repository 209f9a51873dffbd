"""Reading and writing single VAEs as ``.keras`` files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines
from smrt_keras.models.quiet import silenced

import keras

from smrt_keras.models.vae import VAE


def save_model_file(model: keras.Model, path: str | Path) -> None:
    """Write ``model`` to ``path`` (a ``.keras`` file), without optimizer state.

    An uncompiled copy with the same weights is written: generation needs no
    optimizer, a compiled model's file keeps Adam's moments (three times the
    weights), and it records its backend's optimizer class
    (``keras.src.backend.torch.optimizers...``), which other backends cannot
    import. A later fine-tune compiles afresh.
    """
    if model.compiled:
        copy = type(model).from_config(model.get_config())
        copy.set_weights(model.get_weights())
        model = copy
    with silenced():  # under JAX or torch, saving may start TensorFlow
        model.save(str(path))


def save_vae(vae: VAE, path: str | Path) -> None:
    """Write ``vae`` to ``path`` (:func:`save_model_file`)."""
    save_model_file(vae, path)


def load_model_file(path: str | Path, what: str = "a model") -> keras.Model:
    """Load a ``.keras`` file with ``safe_mode=True`` and no custom objects.

    ``safe_mode`` refuses to deserialise ``Lambda`` layers and other
    arbitrary code, so a shared file cannot run anything on load.

    Raises
    ------
    ValueError
        If the file is not a ``.keras`` archive or cannot be deserialised
        safely (the message names ``what`` was expected).
    """
    if not zipfile.is_zipfile(path):
        # Keras reports a file that is not a zip archive as "File not found".
        raise ValueError(
            f"{str(path)!r} is not a .keras file (a zip archive): it is corrupt "
            "or of another kind."
        )
    try:
        # compile=False: a file that kept its optimizer (as 0.1.0 wrote them)
        # loads on any backend; optimizer state is not needed to generate.
        with silenced():
            return keras.saving.load_model(str(path), compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a bad file
        raise ValueError(f"Could not load {what} from {str(path)!r}: {exc}") from exc


def load_vae(path: str | Path) -> VAE:
    """Load a VAE (:func:`load_model_file`).

    Raises
    ------
    ValueError
        If the file holds something other than a smrt_keras ``VAE`` or cannot
        be deserialised safely.
    """
    model = load_model_file(path, "a VAE")
    if not isinstance(model, VAE):
        raise ValueError(
            f"{str(path)!r} holds a {type(model).__name__}, not a smrt_keras VAE."
        )
    return model


def keras_info() -> dict[str, str]:
    """Keras version and active backend, recorded in saved manifests."""
    return {"keras_version": keras.__version__, "backend": keras.backend.backend()}


def warm_up_backend() -> None:
    """Run one tiny op so the backend's one-time start-up happens now."""
    keras.ops.convert_to_numpy(keras.ops.ones((1,)))
