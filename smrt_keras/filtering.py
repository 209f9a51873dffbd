"""Filtering synthetic images: keep the candidates a classifier fitted on the
real training data reads as their class, and drop near-copies of real members.

A generator's worst samples hurt a downstream classifier more than its good
ones help: a 9 that reads as a 4 teaches the wrong boundary, and a near-copy
of a training image adds nothing an augmented copy would not. ``fit_resample``
(:mod:`smrt_keras.resampling`) therefore draws candidates, drops those that
:class:`SampleFilter` refuses and draws again; after
``Reconstructor.fit_filter``, ``generate`` does the same with the misread test
(:func:`filtered_samples`), and ``save`` keeps the filter.

Two tests, both on the candidate as decoded (before any augmentation):

- **misread**: a small CNN (:func:`smrt_keras.models.classifier.build_image_classifier`)
  fitted on the real images, each class topped up to :data:`FILTER_ROWS` rows
  with augmented copies so that a rare class is not drowned by the common ones,
  gives the candidate's own class a probability under :data:`CONFIDENCE`;
- **near-copy**: the candidate is closer to a real member of its class than
  :data:`NEAR_COPY_QUANTILE` of the members are to their nearest other member
  (leave-one-out: how far a new real image would lie from the training ones).

Examples
--------
>>> from smrt_keras.filtering import SampleFilter
>>> f = SampleFilter.fit(X_images, y, seed=0)  # doctest: +SKIP
>>> keep, why = f.check(candidates, label=9, members=X_images[y == 9])  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from smrt_keras.augmentation import AUGMENTATION, RandomAffine

#: Smallest probability the filter's classifier must give a candidate's own
#: class. 0.9 is the threshold of the independent evaluation that first moved
#: ACSA (benchmarks/results/ablation.md, "Filtering").
CONFIDENCE = 0.9
#: Real rows per class the classifier trains on: larger classes are
#: subsampled, smaller ones topped up with augmented copies (ROS+aug).
FILTER_ROWS = 300
#: Epochs of the classifier (about 15 s for ten 28 x 28 classes on 2 cores).
FILTER_EPOCHS = 5
#: Fewest optimizer steps (minibatches) the classifier takes: what ten
#: classes get in FILTER_EPOCHS. Three classes got 40 steps, and on scikit-learn's
#: 8x8 digits that filter passed none of the real 1s (ablation.md, "fit_filter").
FILTER_MIN_STEPS = 120
#: A candidate closer to a member than this quantile of the members'
#: leave-one-out nearest-member distances is a near-copy.
NEAR_COPY_QUANTILE = 0.05
#: Pairwise distances are computed this many rows at a time.
_CHUNK = 512
#: Rounds of drawing and filtering before the slots still open are given up
#: (``fit_resample``: to copies of real members; ``generate``: to the
#: candidates the classifier rated most likely, with a warning).
MAX_ROUNDS = 6
#: ``generate`` draws at most this many candidates per wanted sample in one
#: round, which bounds memory when the filter keeps almost nothing.
_MAX_DRAW_FACTOR = 10


class SampleFilter:
    """A classifier fitted on real images, and the scale of their pixels.

    Parameters
    ----------
    model : keras.Model
        The fitted classifier (softmax over ``classes``).
    classes : ndarray
        Its labels, in the order of its outputs.
    scale : float
        Pixels are divided by it before the classifier sees them.
    confidence : float, default=CONFIDENCE
        Smallest own-class probability a candidate may have.
    """

    def __init__(self, model, classes, scale: float, confidence: float = CONFIDENCE):
        self.model = model
        self.classes = np.asarray(classes)
        self.scale = float(scale)
        self.confidence = float(confidence)

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, seed: int = 0) -> SampleFilter:
        """Fit the classifier on images ``X`` ``(n, H, W[, C])`` of classes ``y``."""
        from smrt_keras.models.classifier import BATCH_SIZE, fit_filter_classifier

        classes, index = np.unique(y, return_inverse=True)
        top = float(np.max(X))
        scale = top if top > 1 else 1.0  # 0-255 (or 16-bit) pixels, or [0, 1]
        rng = np.random.default_rng(seed)
        x, labels = balanced_rows(np.asarray(X, "float32") / scale, index, rng)
        steps = -(-len(x) // BATCH_SIZE)  # minibatches per epoch
        epochs = max(FILTER_EPOCHS, -(-FILTER_MIN_STEPS // steps))
        model = fit_filter_classifier(x, labels, len(classes), epochs, seed)
        return cls(model, classes, scale)

    def own_probability(self, candidates: np.ndarray, label) -> np.ndarray:
        """Probability the classifier gives ``label`` for each candidate."""
        from smrt_keras.models.classifier import class_probabilities

        where = np.flatnonzero(self.classes == label)
        if len(where) != 1:
            raise ValueError(
                f"label {label!r} is not among the filter's classes "
                f"{self.classes.tolist()}."
            )
        x = np.asarray(candidates, "float32") / self.scale
        return class_probabilities(self.model, x)[:, where[0]]

    def pass_rates(self, X: np.ndarray, y: np.ndarray) -> dict:
        """``{label: share of its images in X the misread test passes}``, for
        the filter's classes present in ``y``: how strict it is on real data."""
        out = {}
        for label in self.classes:
            rows = X[y == label]
            if len(rows):
                own = self.own_probability(rows, label)
                shown = label.item() if hasattr(label, "item") else label
                out[shown] = float(np.mean(own >= self.confidence))
        return out

    def check(
        self, candidates: np.ndarray, label, members: np.ndarray | None = None
    ) -> tuple[np.ndarray, dict]:
        """``(keep, counts)``: a mask of the candidates that pass both tests,
        and how many failed each (``"misread"``, ``"near_copy"``).

        ``candidates`` and ``members`` (the class's real images) share a
        shape ``(n, H, W[, C])`` and the caller's pixel scale. Without
        ``members`` (``generate`` keeps no training images) only the
        misread test runs.
        """
        misread = self.own_probability(candidates, label) < self.confidence
        if members is None:
            return ~misread, {"misread": int(misread.sum())}
        near = near_copies(candidates / self.scale, members / self.scale)
        keep = ~misread & ~near
        counts = {
            "misread": int(misread.sum()),
            "near_copy": int((near & ~misread).sum()),
        }
        return keep, counts

    def save(self, path) -> dict:
        """Write the classifier to ``path`` (a ``.keras`` file); return the
        rest, JSON-ready, for the saving manifest (labels as given)."""
        from smrt_keras.models.classifier import save_classifier

        save_classifier(self.model, path)
        return {"scale": self.scale, "confidence": self.confidence}

    @classmethod
    def load(cls, path, classes, scale: float, confidence: float) -> SampleFilter:
        """Read a filter written by :meth:`save` (``safe_mode=True``)."""
        from smrt_keras.models.classifier import load_classifier

        scale, confidence = float(scale), float(confidence)
        if not (np.isfinite(scale) and scale > 0 and 0 <= confidence <= 1):
            raise ValueError(
                f"a filter needs a positive pixel scale and a confidence in [0, "
                f"1]; got scale={scale!r}, confidence={confidence!r}."
            )
        model = load_classifier(path)
        if model.outputs[0].shape[-1] != len(classes):
            raise ValueError(
                f"the filter classifier in {str(path)!r} has "
                f"{model.outputs[0].shape[-1]} outputs for {len(classes)} classes."
            )
        return cls(model, classes, float(scale), float(confidence))

    def __repr__(self) -> str:
        return (
            f"SampleFilter(classes={self.classes.tolist()!r}, "
            f"confidence={self.confidence})"
        )


def balanced_rows(x: np.ndarray, index: np.ndarray, rng: np.random.Generator):
    """:data:`FILTER_ROWS` rows of every class: a random subset of a larger
    class, all of a smaller one plus augmented copies of its rows."""
    augment = RandomAffine(**AUGMENTATION)
    xs, ys = [], []
    for c in np.unique(index):
        rows = np.flatnonzero(index == c)
        if len(rows) >= FILTER_ROWS:
            xs.append(x[rng.choice(rows, FILTER_ROWS, replace=False)])
        else:
            extra = rng.choice(rows, FILTER_ROWS - len(rows))
            xs += [x[rows], augment(x[extra], rng)]
        ys.append(np.full(FILTER_ROWS, c))
    return np.concatenate(xs), np.concatenate(ys)


def nearest_distances(a: np.ndarray, b: np.ndarray, exclude_self: bool = False):
    """Euclidean distance from each row of ``a`` to its nearest row of ``b``
    (with ``exclude_self``, ``a is b`` and a row's own distance is skipped)."""
    a = a.reshape(len(a), -1).astype("float32")
    b = b.reshape(len(b), -1).astype("float32")
    b_sq = np.einsum("ij,ij->i", b, b)
    out = np.empty(len(a), "float32")
    for start in range(0, len(a), _CHUNK):
        part = a[start : start + _CHUNK]
        d2 = np.einsum("ij,ij->i", part, part)[:, None] + b_sq[None] - 2 * part @ b.T
        if exclude_self:
            rows = np.arange(len(part))
            d2[rows, start + rows] = np.inf
        out[start : start + _CHUNK] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out


def near_copies(candidates: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Mask of candidates closer to a member than :data:`NEAR_COPY_QUANTILE`
    of the members are to each other (none for a class of one member)."""
    if len(members) < 2:
        return np.zeros(len(candidates), bool)
    loo = nearest_distances(members, members, exclude_self=True)
    return nearest_distances(candidates, members) < np.quantile(loo, NEAR_COPY_QUANTILE)


def filtered_samples(
    generators,
    counts,
    rng,
    batch_size: int,
    settings,
    dtype,
    sample_filter,
    shape,
    verbose: int = 0,
):
    """:func:`~smrt_keras.generator.iter_samples` for ``generate`` with a
    fitted :class:`SampleFilter`: each batch holds candidates the classifier
    reads as their class; the misread ones are drawn again.

    ``shape`` is one sample's shape; ``verbose`` prints a line per class.
    Per class, ``generators[label].info["generate_filter"]`` records what was
    drawn, the dropped share and how many slots no round filled (those get
    the candidates rated most likely, and a ``UserWarning`` names the class).
    """
    for label, n in counts.items():
        if n <= 0:
            continue
        gen = generators[label]
        recipe = gen.recipe.with_generation(settings, gen.z_rival is not None)
        tally = {"drawn": 0, "misread": 0, "unfiltered": 0}
        for start in range(0, int(n), batch_size):
            b = min(batch_size, int(n) - start)
            draw = partial(gen.generate_as, rng=rng, recipe=recipe)
            rows = kept_rows(draw, b, sample_filter, label, shape, tally)
            yield rows, np.full(b, label, dtype=dtype)
        share = tally["misread"] / max(tally["drawn"], 1)
        gen.info["generate_filter"] = {**tally, "dropped_share": round(share, 4)}
        shown = label.item() if hasattr(label, "item") else label
        if verbose:
            print(
                f"class {shown!r}: {n} generated; the filter dropped {share:.0%} "
                f"of {tally['drawn']} drawn ({tally['misread']} misread)",
                flush=True,
            )
        if tally["unfiltered"]:
            warnings.warn(
                f"the sample filter kept too few samples of class {shown!r}: "
                f"{tally['unfiltered']} of {n} are candidates it misread (those "
                "it rated most likely). Set filter_samples=False to draw "
                "unfiltered, or fit the generator longer.",
                UserWarning,
                stacklevel=4,
            )


def kept_rows(draw, n: int, sample_filter, label, shape, tally: dict) -> np.ndarray:
    """``n`` rows of ``draw(k)`` (flattened candidates) that ``sample_filter``
    keeps, drawn in up to :data:`MAX_ROUNDS` rounds; ``tally`` counts them."""
    kept, have, keep_rate = [], 0, 1.0
    best_p, best_rows = np.zeros(0), None  # the likeliest rejects, at most n - have
    for _ in range(MAX_ROUNDS):
        # Draw what the last round's keep rate says fills the gap, plus a margin.
        want = int(np.ceil((n - have) / max(keep_rate, 0.05) * 1.1)) + 8
        candidates = draw(min(want, _MAX_DRAW_FACTOR * n + 8))
        probability = sample_filter.own_probability(
            candidates.reshape(len(candidates), *shape), label
        )
        keep = probability >= sample_filter.confidence
        tally["drawn"] += len(candidates)
        tally["misread"] += int((~keep).sum())
        kept.append(candidates[keep][: n - have])
        have += len(kept[-1])
        keep_rate = float(keep.mean())
        if have >= n:
            return np.concatenate(kept)
        # Only as many rejects as slots are open are kept, so memory stays
        # bounded by the request whatever the rounds draw.
        pool = [candidates[~keep]] + ([] if best_rows is None else [best_rows])
        best_p = np.concatenate([probability[~keep], best_p])
        top = np.argsort(-best_p, kind="stable")[: n - have]
        best_p, best_rows = best_p[top], np.concatenate(pool)[top]
    tally["unfiltered"] += len(best_rows)
    return np.concatenate([*kept, best_rows])
