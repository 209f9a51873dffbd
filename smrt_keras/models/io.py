"""Reading and writing single VAEs as ``.keras`` files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines
from smrt_keras.models.quiet import silenced

import keras

from smrt_keras.models.vae import VAE


def save_vae(vae: VAE, path: str | Path) -> None:
    """Write ``vae`` to ``path`` (a ``.keras`` file), without optimizer state.

    An uncompiled copy with the same weights is written: generation needs no
    optimizer, and a compiled model records its backend's optimizer class
    (``keras.src.backend.torch.optimizers...``), which other backends cannot
    import. A later fine-tune compiles afresh.
    """
    if vae.compiled:
        copy = VAE.from_config(vae.get_config())
        copy.set_weights(vae.get_weights())
        vae = copy
    with silenced():  # under JAX or torch, saving may start TensorFlow
        vae.save(str(path))


def load_vae(path: str | Path) -> VAE:
    """Load a VAE with ``safe_mode=True`` and no custom objects.

    ``safe_mode`` refuses to deserialise ``Lambda`` layers and other
    arbitrary code, so a shared file cannot run anything on load.

    Raises
    ------
    ValueError
        If the file holds something other than a smrt_keras ``VAE`` or cannot
        be deserialised safely.
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
            model = keras.saving.load_model(str(path), compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a bad file
        raise ValueError(f"Could not load a VAE from {str(path)!r}: {exc}") from exc
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
