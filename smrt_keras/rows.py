"""Rows of a large array, read where they lie.

A class of a few million rows should train without a copy of itself: not a
float64 copy of ``X``, not a copy of the class's rows, not a scaled copy.
:class:`Rows` names some rows of an array (a read-only memmap, say) by their
indices and reads them on access; :class:`ScaledRows` scales and reshapes
what it reads. The trainer gathers each block of minibatches through them,
so the largest thing held at once is a block, not the class.

Views that are pickled (sent to another process) carry only their own rows,
as a compact array, never the whole array they look into.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

#: Rows read at once by the chunked passes (checks, scaler statistics):
#: 65,536 rows of 30 float64 features are 15 MiB.
CHUNK_ROWS = 65_536


class Rows:
    """Rows ``index`` of ``X`` (all of them when ``index`` is ``None``).

    Parameters
    ----------
    X : ndarray
        The array looked into; never written to.
    index : ndarray of int, optional
        Which rows, in order.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> odd = Rows(X, np.array([1, 3, 5]))
    >>> odd.shape
    (3, 2)
    >>> odd[[0, 2]]
    array([[ 2.,  3.],
           [10., 11.]])
    """

    def __init__(self, X: np.ndarray, index: np.ndarray | None = None):
        self.X = X
        self.index = None if index is None else np.asarray(index, dtype=np.intp)

    def __len__(self) -> int:
        return len(self.X) if self.index is None else len(self.index)

    @property
    def shape(self) -> tuple:
        return (len(self), *self.X.shape[1:])

    @property
    def ndim(self) -> int:
        return self.X.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.X.dtype

    def positions(self, key) -> Any:
        """Row numbers in ``X`` of this view's rows ``key``."""
        if isinstance(key, slice):
            return key if self.index is None else self.index[key]
        key = np.asarray(key)
        if not key.size:  # [] is a float array to numpy
            key = key.astype(np.intp)
        if key.dtype == bool:
            key = np.flatnonzero(key)
        return key if self.index is None else self.index[key]

    def __getitem__(self, key) -> np.ndarray:
        return np.asarray(self.X[self.positions(key)])

    def take(self, key) -> Rows:
        """A view of rows ``key`` of this one (no data is read)."""
        where = self.positions(key)
        if isinstance(where, slice):
            where = np.arange(len(self.X))[where]
        return Rows(self.X, where)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return np.asarray(self[:], dtype=dtype)

    def __reduce__(self):
        return (Rows, (np.asarray(self),))

    def __repr__(self) -> str:
        return f"Rows(shape={self.shape}, dtype={self.dtype})"


class ScaledRows:
    """``scaler.transform`` of ``rows``, reshaped to ``data_shape``, as float32,
    computed on access.

    Parameters
    ----------
    rows : Rows
        The unscaled rows.
    scaler : object
        A fitted scaler with ``transform(X) -> float32 array``.
    data_shape : tuple of int
        The shape of one sample as the VAE sees it.
    """

    dtype = np.dtype("float32")

    def __init__(self, rows: Rows, scaler: Any, data_shape: tuple):
        self.rows, self.scaler = rows, scaler
        self.data_shape = tuple(int(s) for s in data_shape)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def shape(self) -> tuple:
        return (len(self), *self.data_shape)

    @property
    def ndim(self) -> int:
        return 1 + len(self.data_shape)

    def __getitem__(self, key) -> np.ndarray:
        raw = self.rows[key]
        if not len(raw):  # scalers reshape by row count, which fails at zero
            return np.zeros((0, *self.data_shape), "float32")
        out = self.scaler.transform(raw).reshape((len(raw), *self.data_shape))
        return out.astype("float32", copy=False)

    def take(self, key) -> ScaledRows:
        """A view of rows ``key`` of this one (no data is read)."""
        return ScaledRows(self.rows.take(key), self.scaler, self.data_shape)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return np.asarray(self[:], dtype=dtype)

    def __repr__(self) -> str:
        return f"ScaledRows(shape={self.shape})"


def class_rows(X: np.ndarray, y: np.ndarray, label) -> Rows:
    """The rows of class ``label`` as a view (no copy of the class)."""
    return Rows(X, np.flatnonzero(y == label))


def chunks(X, size: int = CHUNK_ROWS) -> Iterator[np.ndarray]:
    """``X``'s rows ``size`` at a time, as arrays (all at once when ``X`` is
    an array of at most ``size`` rows, so small inputs take no extra copy)."""
    if isinstance(X, np.ndarray) and len(X) <= size:
        yield X
        return
    for start in range(0, len(X), size):
        yield np.asarray(X[start : start + size])
