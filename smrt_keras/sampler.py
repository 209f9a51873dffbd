"""The imbalanced-learn sampler face of the facade: ``fit_resample`` with
outputs in the caller's types, ``get_feature_names_out`` and the estimator
tags that scikit-learn's and imbalanced-learn's check suites read.

Kept apart from :mod:`smrt_keras.reconstructor` so that the facade holds what
is SMRT's and this module what every sampler shares.
"""

from __future__ import annotations

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from smrt_keras.params import check_params
from smrt_keras.spec import OutputRestorer
from smrt_keras.validation import check_X, check_y, target_name


def _one_vs_all(y) -> bool:
    """Whether ``y`` is a one-vs-all (binarized) 2-D target."""
    shape = np.shape(y)
    return len(shape) == 2 and shape[1] > 1


def _binarized(y_res: np.ndarray, n_columns: int, like):
    """Labels ``0 .. n_columns - 1`` back to one-vs-all columns, in ``like``'s type."""
    out = np.zeros((len(y_res), n_columns), dtype=np.asarray(like).dtype)
    out[np.arange(len(y_res)), y_res.astype(int)] = 1
    if hasattr(like, "columns"):
        import pandas as pd

        return pd.DataFrame(out, columns=like.columns)
    return out


class SamplerMixin:
    """``fit_resample``, feature names and tags of an imbalanced-learn sampler.

    The host class provides ``_fit_arrays(X_arr, spec, y_arr, fit_models)``,
    ``_needs_generators(spec, y_arr)``, ``_fit_resample(X_arr, y_arr)``,
    ``_constraints`` and a
    ``categorical_features`` parameter.
    """

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "generators_")

    def _check_fitted(self, method: str) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This Reconstructor is not fitted yet; call fit(X, y) before "
                f"{method}()."
            )
        if getattr(self, "resample_only_", False) and method != "resample":
            raise NotFittedError(
                f"This Reconstructor has no generators for {method}(): its "
                "fit_resample appended copies of real samples only (augmented "
                "where the images are large enough; synthetic_fraction"
                f"={self.synthetic_fraction!r} resolved to 0), so it fitted "
                f"none. Call fit(X, y) before {method}(), or set "
                "synthetic_fraction above 0 before fit_resample."
            )

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        text = super().__repr__(N_CHAR_MAX)
        if getattr(self, "resample_only_", False):
            text += "  # fitted by fit_resample: copies only, no generators"
        elif self.__sklearn_is_fitted__():
            labels = ", ".join(repr(c) for c in self.generators_)
            text += f"  # fitted: generators for [{labels}]"
        return text

    def fit_resample(self, X, y):
        """Fit, then append the synthetic samples ``sampling_strategy`` asks for.

        Parameters
        ----------
        X : array-like, list, DataFrame or image batch
            Training data, as :meth:`fit` takes it.
        y : array-like, list, Series or DataFrame
            Class labels; a 2-D one-vs-all (binarized) target is taken as the
            column index of each row's 1, as imbalanced-learn does.

        Returns
        -------
        X_resampled : same type as ``X``
            The original samples first, then the synthetic ones (a list for a
            list, a DataFrame with the same columns and dtypes for a DataFrame).
        y_resampled : same type as ``y``
            A Series keeps its name, a DataFrame its columns, a list stays a
            list and a one-vs-all target comes back binarized.
        """
        check_params(self.get_params(deep=False), self._constraints)
        X_arr, spec = check_X(X, "X", self.categorical_features, self.input_kind)
        y_arr = check_y(y, len(X_arr))
        spec.target = target_name(y)
        self._fit_arrays(X_arr, spec, y_arr, self._needs_generators(spec, y_arr))
        X_new, y_new = self._fit_resample(X_arr, y_arr)
        X_res, y_res = OutputRestorer(spec).resampled(X, y_arr, X_new, y_new)
        if _one_vs_all(y):
            y_res = _binarized(np.asarray(y_res), np.shape(y)[1], y)
        elif hasattr(y, "columns"):  # a one-column DataFrame
            import pandas as pd

            y_res = pd.DataFrame({y.columns[0]: y_res}).astype(y.dtypes.iloc[0])
        elif hasattr(y, "to_numpy"):  # a Series keeps its name and dtype
            import pandas as pd

            y_res = pd.Series(y_res, name=y.name, dtype=y.dtype)
        elif isinstance(y, (list, tuple)):
            y_res = y_res.tolist()
        return X_res, y_res

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the resampled output's features: those of the input.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Must match ``feature_names_in_`` when ``X`` was a DataFrame;
            ``None`` gives those names, or ``x0, x1, ...`` for arrays.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "n_features_in_")
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            from imblearn.utils._tags import InputTags, SamplerTags, Tags
        except ImportError:  # without imbalanced-learn: scikit-learn's own tags
            inputs = tags.input_tags
        else:
            tags = Tags(
                estimator_type="sampler",
                target_tags=tags.target_tags,
                sampler_tags=SamplerTags(),
            )
            inputs = tags.input_tags = InputTags()
            inputs.dataframe = True
        tags.target_tags.required = True
        inputs.two_d_array = inputs.three_d_array = inputs.string = True
        # Not "categorical": numbers are modelled as numbers unless
        # categorical_features names them (scikit-learn's checks would
        # otherwise feed integer codes and expect them to be categories).
        inputs.categorical = inputs.sparse = inputs.allow_nan = False
        return tags
