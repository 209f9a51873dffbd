"""What a diverged fit raises and tells the user (both trainers share it)."""

from __future__ import annotations

from smrt_keras.models.likelihoods import UNIT_INTERVAL


class TrainingDivergedError(ValueError, FloatingPointError):
    """Raised when the training loss stops being finite.

    It is a :class:`ValueError` because the usual cause is the data or the
    hyperparameters handed in, and a :class:`FloatingPointError` because that is
    what happened numerically.
    """


def divergence_message(loss: float, epoch: int, batch: int, likelihood: str) -> str:
    """What a diverged fit tells the user: where, and the likely causes."""
    return (
        f"Training diverged: the loss became {loss} at epoch {epoch}, batch "
        f"{batch}. Likely causes: "
        + (
            "inputs outside [0, 1] with likelihood='bernoulli' (scale "
            "them first, e.g. divide 8-bit images by 255); "
            if likelihood in UNIT_INTERVAL
            else "unscaled or extreme inputs with likelihood='gaussian' "
            "(standardise them first); "
        )
        + "or a learning rate that is too high (try one 10x lower)."
    )
