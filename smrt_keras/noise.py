"""Output noise: what turns a decoded mean into a sample, one small class per
way, chosen once per class (``Reconstructor(output_noise=...)``, resolved by
the recipe) and saved with it.

A table row is the decoder's mean at a latent code plus noise on its
Gaussian (numeric) columns; bool and categorical columns are always drawn
from their own likelihood. The kinds (:data:`~smrt_keras.settings.NOISE_KINDS`):

- ``"independent"``: each numeric column gets Gaussian noise of the decoder's
  learned variance, independently (the default before #44; it loses the
  correlations between columns and sprays rows beyond the class);
- ``"residual"``: the reconstruction residual ``x_j - decode(z_j)`` of a
  random real member ``j`` (keeps the class's joint spread; the tables'
  default, :data:`AUTO_TABLE_NOISE`; the residuals are member data, saved
  only for the classes that draw them, or with ``save(..., member_data=True)``);
- ``"covariance"``: a Gaussian with the residuals' Ledoit-Wolf shrunk
  covariance (a ``d x d`` matrix, no member rows);
- ``"none"``: the decoded mean itself.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x, mean = rng.normal(size=(50, 3)), np.zeros((50, 3))
>>> state = NoiseState.from_members(x, mean, np.arange(3))
>>> state.residuals.shape, state.covariance.shape
((50, 3), (3, 3))
>>> noise_class("residual", state).name
'residual'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from smrt_keras.models import columns
from smrt_keras.settings import NOISE_KINDS


def gaussian_columns(likelihood: str, column_types, width: int) -> np.ndarray:
    """Indices of the numeric (Gaussian) features of a model's output."""
    if likelihood == "gaussian":
        return np.arange(width)
    if likelihood == "mixed":
        return columns.gaussian_features(column_types)
    return np.arange(0)


@dataclass
class NoiseState:
    """What a class's residual and covariance noises draw from: the members'
    reconstruction residuals on the Gaussian columns (member data; ``None``
    once dropped) and their shrunk covariance."""

    residuals: np.ndarray | None
    covariance: np.ndarray

    @classmethod
    def from_members(
        cls, x_scaled: np.ndarray, decoded: np.ndarray, gaussian: np.ndarray
    ) -> NoiseState:
        """From the members' scaled rows and their decoded means (flat)."""
        from sklearn.covariance import LedoitWolf

        residuals = (x_scaled[:, gaussian] - decoded[:, gaussian]).astype("float32")
        if len(residuals) >= 2 and residuals.shape[1]:
            covariance = LedoitWolf().fit(residuals).covariance_
        else:  # one member: no spread to estimate
            covariance = np.zeros((residuals.shape[1],) * 2)
        return cls(residuals, np.asarray(covariance, dtype="float64"))

    @property
    def covariance_root(self) -> np.ndarray:
        """``R`` with ``R @ R.T == covariance``, computed once (every batch of
        covariance noise draws through it)."""
        if getattr(self, "_root", None) is None:
            # eigh, not cholesky: a shrunk covariance is PSD but may be singular.
            values, vectors = np.linalg.eigh(self.covariance)
            self._root = vectors * np.sqrt(np.clip(values, 0.0, None))
        return self._root

    @property
    def holds_member_data(self) -> bool:
        return self.residuals is not None

    def without_member_data(self) -> NoiseState:
        return NoiseState(None, self.covariance)

    def arrays(self) -> dict:
        """Named arrays for a save (residuals only while held)."""
        out = {"noise_covariance": self.covariance}
        if self.residuals is not None:
            out["noise_residuals"] = self.residuals
        return out

    @classmethod
    def from_arrays(cls, arrays) -> NoiseState | None:
        """Inverse of :meth:`arrays`; None where a save holds no noise state."""
        if "noise_covariance" not in arrays:
            return None
        residuals = arrays["noise_residuals"] if "noise_residuals" in arrays else None
        return cls(residuals, np.asarray(arrays["noise_covariance"], "float64"))


class OutputNoise:
    """One way to turn decoded means into samples (see the module text)."""

    name: ClassVar[str]

    def __init__(self, state: NoiseState | None = None):
        self.state = state

    def __call__(self, decoded: np.ndarray, rng, model) -> np.ndarray:
        """Samples from ``decoded`` means ``(n, features)`` (float32)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NoNoise(OutputNoise):
    name = "none"

    def __call__(self, decoded, rng, model):
        return decoded


class IndependentNoise(OutputNoise):
    name = "independent"

    def __call__(self, decoded, rng, model):
        likelihood = model.likelihood
        if likelihood == "gaussian":
            eps = rng.standard_normal(decoded.shape, dtype=np.float32)
            eps *= model.output_std().reshape(1, -1)
            return decoded + eps
        if likelihood == "mixed":
            std = model.output_std()
            return columns.mixed_draw(decoded, std, model.column_types, rng)
        if likelihood == "bernoulli":
            return rng.random(decoded.shape, dtype=np.float32) < decoded
        raise ValueError(
            "output_noise draws from p(x | z), which is implemented for the "
            f"bernoulli, gaussian and mixed likelihoods; this generator's is "
            f"{likelihood!r}. Use output_noise=False."
        )


class _JointNoise(OutputNoise):
    """Bool and categorical columns drawn from their likelihood, the numeric
    ones given :meth:`joint` noise, correlated across columns."""

    def __call__(self, decoded, rng, model):
        out = decoded
        if model.likelihood == "mixed":
            zero = np.zeros(decoded.shape[1], dtype="float32")
            out = columns.mixed_draw(decoded, zero, model.column_types, rng)
        gaussian = gaussian_columns(model.likelihood, model.column_types, out.shape[1])
        out = np.array(out, dtype="float32", copy=True)
        out[:, gaussian] += self.joint(len(out), rng).astype("float32")
        return out

    def joint(self, n: int, rng) -> np.ndarray:
        raise NotImplementedError


class ResidualNoise(_JointNoise):
    name = "residual"

    def joint(self, n, rng):
        residuals = self.state.residuals
        return residuals[rng.integers(0, len(residuals), size=n)]


class CovarianceNoise(_JointNoise):
    name = "covariance"

    def joint(self, n, rng):
        root = self.state.covariance_root
        return rng.standard_normal((n, len(root))) @ root.T


NOISES = {
    c.name: c for c in (IndependentNoise, ResidualNoise, CovarianceNoise, NoNoise)
}
assert tuple(NOISES) == NOISE_KINDS  # one list of kinds, in settings


def noise_class(kind: str, state: NoiseState | None) -> OutputNoise:
    """The noise a generator draws by for the recipe's ``kind``. A generator
    without the residuals (saved with ``member_data=False``) falls back to
    the covariance; one without any noise state (fitted before #44, or an
    image model) to independent noise, as it drew then."""
    if kind == "residual" and (state is None or not state.holds_member_data):
        kind = "covariance"
    if kind == "covariance" and state is None:
        kind = "independent"
    return NOISES[kind](state)


#: ``output_noise="auto"`` for the Gaussian and mixed likelihoods (tables):
#: chosen on the tabular suite's tuning half by the rule written before the
#: run finished (``benchmarks/results/ablation.md``, #44: DCR ratio 0.99 and
#: the best G-mean and F1 ranks of the three kinds; ``noise_tuning.md``).
AUTO_TABLE_NOISE = "residual"


def resolve_noise(output_noise, likelihood: str) -> str:
    """The kind of ``Reconstructor(output_noise=...)`` for a likelihood:
    ``"auto"`` is :data:`AUTO_TABLE_NOISE` for the Gaussian and mixed
    likelihoods (independent noise erased the correlations between columns
    and sprayed rows beyond the class) and Bernoulli means for images (draws
    would be speckled 0/1 pixels); ``True`` is independent noise and
    ``False`` none."""
    if isinstance(output_noise, bool):
        return "independent" if output_noise else "none"
    if output_noise == "auto":
        if likelihood in ("gaussian", "mixed"):
            return AUTO_TABLE_NOISE
        return "none"
    if output_noise in ("residual", "covariance") and likelihood not in (
        "gaussian",
        "mixed",
    ):
        raise ValueError(
            f"output_noise={output_noise!r} adds noise to numeric columns, which a "
            f"{likelihood!r} likelihood has none of; use 'independent' or 'none'."
        )
    return output_noise
