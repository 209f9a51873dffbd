"""What ``fit_resample`` appends: for each class, a mix of synthetic samples
and (augmented) copies of real members.

Random oversampling with augmented copies (ROS+aug) is the strongest simple
baseline for images; a generator is worth its cost only where its samples
add to it. So each class's new slots are split: ``synthetic_fraction`` of
them are the generator's samples, the rest are copies of random real members.
For images both get the random affine + elastic transform
(:data:`~smrt_keras.augmentation.AUGMENTATION`; ``augment="auto"``: where
the sides are at least ``recipe.AUGMENT_MIN_SIDE`` pixels),
and the synthetic candidates are first filtered
(:class:`~smrt_keras.filtering.SampleFilter`): those misread by a classifier
fitted on the real images, or too close to a real member, are dropped and
drawn again. A share of 0 is ROS+aug exactly.

``"auto"`` resolves by the measurements in ``benchmarks/results/ablation.md``
(:data:`AUTO_SYNTHETIC_FRACTION`): tables keep every slot synthetic; images
get none, because no synthetic share has yet beaten ROS+aug on the tuning
seed of the DeepSMOTE protocol; a share is a parameter away.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from sklearn.exceptions import NotFittedError

from smrt_keras.augmentation import AUGMENTATION, RandomAffine
from smrt_keras.filtering import MAX_ROUNDS, filtered_samples
from smrt_keras.generator import GENERATE_BATCH, check_output_size, iter_samples
from smrt_keras.params import check_params, is_int
from smrt_keras.recipe import AUGMENT_MIN_SIDE
from smrt_keras.settings import GENERATION, RESAMPLING, GenerationSettings
from smrt_keras.spec import InputSpec, OutputRestorer
from smrt_keras.validation import check_X, check_y

#: ``synthetic_fraction="auto"`` by the kind of input. Images: 0, ROS+aug,
#: because on the tuning seed of the DeepSMOTE protocol every synthetic share
#: tried lost to it (ACSA 98.2 at 0.5 and 96.8 at 1.0, filtered, against
#: ROS+aug's 98.6; ablation.md, "Synthetic share"). Tables: all synthetic.
AUTO_SYNTHETIC_FRACTION = {"image": 0.0, "table": 1.0}
#: ``filter_samples="auto"`` by the kind of input (where the share is above
#: 0 and there are two or more classes). Images: the CNN filter
#: (:class:`~smrt_keras.filtering.SampleFilter`), on. Tables: the
#: neighbour-density filter (:class:`~smrt_keras.table_filter.NeighbourFilter`),
#: off: on the tuning half of the tabular suite it lifted F1 (.405 -> .423)
#: and AUC but put SMRT's G-mean rank behind SMOTE's (2.05 against 1.82;
#: without it 1.89 against 1.95) (ablation.md, "Tables on the tuning half").
AUTO_FILTER = {"image": True, "table": False}
#: ``fit_filter`` warns where its filter passes less than this share of a
#: class's own real images: before ``FILTER_MIN_STEPS`` a filter of three 8x8
#: digit classes passed none of the real 1s (ablation.md, "fit_filter"); the
#: zoo's passes 74-97 % of each MNIST digit.
MIN_REAL_PASS = 0.5
#: ``fit_filter`` warns where a class has fewer real images than this: the
#: pass rate it reports is measured on the images the filter was fitted on,
#: and with 1 or 3 MNIST digits a class it was 100 % on them but 1-35 % on the
#: worst digit's test images; with 10, 62-66 %; with 30, 72-75 %
#: (ablation.md, "fit_filter: how many images").
MIN_FILTER_IMAGES = 10


@dataclass(frozen=True)
class ResampleSettings:
    """The resolved ``synthetic_fraction``, filtering and augmentation."""

    synthetic_fraction: float
    filter_samples: bool
    augment: bool

    @classmethod
    def resolve(cls, params: Mapping, spec: InputSpec, n_classes: int):
        """Resolve the ``"auto"`` values for data of ``spec`` with ``n_classes``."""
        kind = "image" if spec.is_image else "table"
        fraction = params["synthetic_fraction"]
        if fraction == "auto":
            fraction = AUTO_SYNTHETIC_FRACTION[kind]
        filtering = params["filter_samples"]
        if filtering == "auto":
            filtering = AUTO_FILTER[kind] and n_classes >= 2 and fraction > 0
        if filtering and n_classes < 2:
            raise ValueError(
                "filter_samples=True needs two or more classes (it drops the "
                f"samples another class claims); y has {n_classes}. Use "
                "filter_samples='auto' or False."
            )
        # "auto" follows the training rule: images with sides under
        # AUGMENT_MIN_SIDE are not transformed (it lowered the 8x8 digits demo).
        wide = kind == "image" and min(spec.sample_shape[:2]) >= AUGMENT_MIN_SIDE
        augment = kind == "image" and (params["augment"] is True or (
            params["augment"] == "auto" and wide))  # fmt: skip
        return cls(float(fraction), bool(filtering), augment)


def report_filter(sample_filter, X: np.ndarray, y: np.ndarray, verbose: int) -> None:
    """What :meth:`ResamplingMixin.fit_filter` says about a new filter: the
    share of each class's real images it passes (``verbose``), and warnings
    where that share is under :data:`MIN_REAL_PASS` or rests on fewer than
    :data:`MIN_FILTER_IMAGES` images."""
    passes = sample_filter.pass_rates(X, y)
    if verbose:
        shown = ", ".join(f"{c!r}: {r:.0%}" for c, r in passes.items())
        print(f"fit_filter: it passes these shares of the real images: {shown}")
    if strict := {c: r for c, r in passes.items() if r < MIN_REAL_PASS}:
        shown = ", ".join(f"{c!r}: {r:.0%}" for c, r in strict.items())
        warnings.warn(
            f"the sample filter passes few of the real images of some classes "
            f"({shown}), so it will drop most generated samples of them too. "
            "Fit it on more images per class, or set filter_samples=False.",
            UserWarning,
            stacklevel=3,
        )
    labels, counts = np.unique(y, return_counts=True)
    sizes = {c.item(): int(n) for c, n in zip(labels, counts, strict=True)}
    if few := {c: n for c, n in sizes.items() if n < MIN_FILTER_IMAGES}:
        shown = ", ".join(f"{c!r}: {n}" for c, n in few.items())
        warnings.warn(
            f"the sample filter saw fewer than {MIN_FILTER_IMAGES} real images of "
            f"some classes ({shown}). Its pass rates are measured on those same "
            "images, so they say little about new ones: a filter fitted on 3 "
            "images a digit passed 35 % of one digit's new images. Check it on "
            "held-out images with sample_filter_.pass_rates(X, y).",
            UserWarning,
            stacklevel=3,
        )


class ResamplingMixin:
    """``fit_resample``'s second half and :meth:`resample`, for the facade
    (:class:`~smrt_keras.Reconstructor`), which provides the fitted
    ``generators_``, ``sampling_strategy_``, ``input_spec_`` and ``_rng``."""

    def _needs_generators(self, spec: InputSpec, y: np.ndarray) -> bool:
        """Whether ``fit_resample`` must fit generators: not where every new
        slot is a copy (``synthetic_fraction`` resolved to 0, no ``generators``
        given), so that ROS+aug costs what ROS+aug costs."""
        params = self.get_params(deep=False)
        how = ResampleSettings.resolve(params, spec, len(np.unique(y)))
        return how.synthetic_fraction > 0 or bool(params["generators"])

    def _fit_resample(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """The new part only, as raw arrays (imblearn's split): synthetic
        samples and copies mixed by ``synthetic_fraction``
        (:func:`smrt_keras.resampling.resample`)."""
        params = self.get_params(deep=False)
        names = (*GENERATION, *RESAMPLING)
        check_params(
            {k: params[k] for k in names}, {k: self._constraints[k] for k in names}
        )
        spec = self.input_spec_
        how = ResampleSettings.resolve(params, spec, len(self.classes_))
        if self.resample_only_ and how.synthetic_fraction > 0:
            raise NotFittedError(
                f"synthetic_fraction={params['synthetic_fraction']!r} needs "
                "generators, and this Reconstructor's fit_resample fitted none "
                "(its share was 0). Call fit(X, y) first."
            )
        # Only the image filter's classifier draws a seed.
        image_filter = how.filter_samples and spec.is_image
        seed = int(self._rng.integers(2**31 - 1)) if image_filter else 0
        X_new, y_new, info = resample(
            self.generators_, (X, y, spec), self.sampling_strategy_, self._rng,
            GenerationSettings.from_params(params), how, seed,
        )  # fmt: skip
        self.resample_info_ = info
        for label, what in info.items():
            if label in self.generators_:
                self.generators_[label].info["resample"] = what
            if self.verbose:
                print(describe(label, what), flush=True)
        warn_unfilled(info, how.synthetic_fraction)
        return X_new, y_new

    def fit_filter(self, X, y, random_state=None):
        """Fit a sample filter on real images for :meth:`generate`: from then
        on, generated samples the filter's classifier does not read as their
        class (own-class probability under ``filtering.CONFIDENCE``) are
        dropped and drawn again. ``save`` keeps it; ``filter_samples=False``
        turns it off. ``fit_resample`` fits its own filter, as before.

        Parameters
        ----------
        X, y : images and labels
            Real images of the fitted sample shape, of every class that has a
            generator and at least one other (the pretrained zoo ships one).
        random_state : int or None
            Seeds the classifier (``None``: the reconstructor's stream).

        Returns
        -------
        self : Reconstructor

        Warns
        -----
        UserWarning
            Where the filter passes under ``MIN_REAL_PASS`` of a class's real
            images in ``X``, or a class has fewer than ``MIN_FILTER_IMAGES``
            of them (then that share is measured on the images the filter
            learnt and says little).

        Examples
        --------
        >>> smrt = Reconstructor(generation="kde").fit(X, y)  # doctest: +SKIP
        >>> smrt.fit_filter(X, y).generate(100, label=9)  # doctest: +SKIP
        >>> smrt.generators_[9].info["generate_filter"]  # doctest: +SKIP
        {'drawn': 118, 'misread': 9, 'unfiltered': 0, 'dropped_share': 0.0763}
        """
        from smrt_keras.filtering import SampleFilter

        self._check_fitted("fit_filter")
        X_arr, y_arr = self._filter_data(X, y, random_state)
        seed = self._rng.integers(2**31 - 1) if random_state is None else random_state
        sample_filter = SampleFilter.fit(X_arr, y_arr, seed=int(seed))
        report_filter(sample_filter, X_arr, y_arr, self.verbose)
        self.sample_filter_ = sample_filter
        return self

    def _filter_data(self, X, y, random_state) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`fit_filter`'s checked images and labels; its seed checked."""
        X_arr, spec = check_X(X, "X", self.categorical_features, self.input_kind)
        y_arr = check_y(y, len(X_arr))
        if not self.input_spec_.is_image:
            raise ValueError(
                "fit_filter needs images: the filter is a CNN over images, and "
                "this Reconstructor was fitted on table input."
            )
        if not spec.is_image:
            raise ValueError(
                f"X was read as a table ({spec.input_reason or spec.kind}); "
                "fit_filter needs the images this Reconstructor was fitted on, "
                f"an array of shape (n, {', '.join(map(str, self.input_shape_))})."
            )
        classes = np.unique(y_arr)
        seen = set(self.classes_.tolist())
        if unseen := sorted(set(classes.tolist()) - seen, key=repr):
            hint = ""
            if y_arr.dtype.kind != self.classes_.dtype.kind:  # '0' is not 0
                held = "str" if y_arr.dtype.kind == "U" else y_arr.dtype
                hint = f"; y holds {held} labels, fit saw {self.classes_.dtype} ones"
            raise ValueError(
                f"y has classes {unseen} that fit did not see "
                f"(classes_ = {self.classes_.tolist()}{hint})."
            )
        self._check_like_fit(spec, y_arr, self.generators_, "generated classes")
        if len(classes) < 2:
            raise ValueError(
                f"fit_filter needs two or more classes in y; it has {len(classes)}."
            )
        if random_state is not None and not is_int(random_state):
            raise TypeError(
                f"random_state must be an int or None; got {random_state!r}."
            )
        if random_state is not None and not 0 <= random_state < 2**31:
            raise ValueError(
                f"random_state must be in [0, 2**31); got {random_state!r}."
            )
        return X_arr, y_arr

    def _check_like_fit(self, spec, y_arr, labels, what: str) -> None:
        """Refuse data whose samples are not of the fitted shape, or ``y``
        without rows of each of ``labels`` (named ``what`` in the message)."""
        if tuple(spec.sample_shape) != tuple(self.input_shape_):
            raise ValueError(
                f"X has samples of shape {spec.sample_shape}; this Reconstructor "
                f"was fitted on samples of shape {self.input_shape_}."
            )
        if missing := sorted(set(labels) - set(np.unique(y_arr).tolist())):
            raise ValueError(f"y has no rows of the {what} {missing}.")

    def _sample_draws(self, counts: Mapping, rng, batch_size: int, settings):
        """``generate``'s batches: filtered after :meth:`fit_filter`, unless
        ``filter_samples`` is ``False``."""
        # filter_samples may change after fit, so it is checked here too.
        name = "filter_samples"
        check_params({name: self.filter_samples}, {name: self._constraints[name]})
        gens, dtype = self.generators_, self.classes_.dtype
        only = getattr(self, "sample_filter_", None)
        if only is None or self.filter_samples is False:
            for label in counts:  # no report of an earlier, filtered call
                gens[label].info.pop("generate_filter", None)
            return iter_samples(gens, counts, rng, batch_size, settings, dtype)
        draws = (gens, counts, rng, batch_size, settings, dtype, only)
        return filtered_samples(*draws, self.input_shape_, self.verbose)

    def resample(self, X, y):
        """Append new samples to ``(X, y)`` with the fitted generators, without
        refitting: ``fit_resample``'s second half, so that a changed
        ``synthetic_fraction`` or ``filter_samples`` can be tried on one fit.

        Parameters
        ----------
        X, y : as :meth:`fit` takes them
            Data with the classes and sample shape seen in ``fit``.

        Returns
        -------
        X_resampled, y_resampled : ``X`` and ``y`` followed by the new samples.

        Examples
        --------
        >>> smrt.fit(X, y)  # doctest: +SKIP
        >>> smrt.set_params(synthetic_fraction=0.25)  # doctest: +SKIP
        >>> X_res, y_res = smrt.resample(X, y)  # doctest: +SKIP
        """
        self._check_fitted("resample")
        X_arr, spec = check_X(X, "X", self.categorical_features, self.input_kind)
        y_arr = check_y(y, len(X_arr))
        self._check_like_fit(
            spec, y_arr, self.sampling_strategy_, "classes to resample"
        )
        X_new, y_new = self._fit_resample(X_arr, y_arr)
        return OutputRestorer(self.input_spec_).resampled(X, y_arr, X_new, y_new)


def resample(
    generators: Mapping,
    data: tuple,
    strategy: Mapping,
    rng: np.random.Generator,
    generation: GenerationSettings,
    settings: ResampleSettings,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(X_new, y_new, info)``: float64 rows ``(n, n_features)`` and labels
    for every class of ``strategy``, and per class what was made.

    ``data`` is ``(X, y, spec)``, the checked arrays.
    """
    X, y, spec = data
    total = int(sum(max(int(n), 0) for n in strategy.values()))
    check_output_size(total, spec.n_features, y.dtype)
    sample_filter = fit_filter(X, y, spec, seed) if settings.filter_samples else None
    # Candidates are drawn un-augmented: the filter judges what was decoded.
    generation = replace(generation, output_augment=False)
    parts, labels, info = [], [], {}
    for label, n in strategy.items():
        if n <= 0:
            continue
        members = np.asarray(X[y == label])
        n_syn = int(round(settings.synthetic_fraction * n))
        gen = generators[label] if n_syn else None
        synthetic, info[label] = _synthetic(
            gen, n_syn, members, rng, generation, (sample_filter, label)
        )
        copies = members[rng.integers(0, len(members), n - len(synthetic))]
        new = np.concatenate([synthetic.reshape(-1, *spec.sample_shape), copies])
        if settings.augment:
            new = RandomAffine(**AUGMENTATION)(new.astype("float64"), rng)
        info[label].update(n_new=int(n), copies=int(len(copies)))
        parts.append(new.reshape(len(new), -1).astype("float64"))
        labels.append(np.full(len(new), label, dtype=y.dtype))
    if not parts:
        return np.zeros((0, spec.n_features)), np.zeros(0, y.dtype), info
    return np.concatenate(parts), np.concatenate(labels), info


def fit_filter(X: np.ndarray, y: np.ndarray, spec: InputSpec, seed: int):
    """The sample filter for data of ``spec``: a CNN for images, the
    neighbour-density test for tables."""
    if spec.is_image:
        from smrt_keras.filtering import SampleFilter

        return SampleFilter.fit(X, y, seed)
    from smrt_keras.table_filter import NeighbourFilter

    return NeighbourFilter.fit(X, y, spec.column_kinds)


def _synthetic(gen, n: int, members: np.ndarray, rng, generation, filtering):
    """Up to ``n`` samples of ``gen`` (flattened rows) that pass the filter,
    and what the filter did: drawn, kept, dropped share and why."""
    sample_filter, label = filtering
    if n == 0:
        return np.zeros((0, members[0].size)), {"synthetic": 0, "filter": None}
    recipe = gen.recipe.with_generation(generation, gen.z_rival is not None)
    if sample_filter is None:
        sizes = [min(GENERATE_BATCH, n - i) for i in range(0, n, GENERATE_BATCH)]
        rows = [gen.generate_as(b, rng, recipe) for b in sizes]
        rows = np.concatenate(rows) if rows else np.zeros((0, members[0].size))
        return rows, {"synthetic": int(len(rows)), "filter": None}
    kept, drawn, why = [], 0, {}
    have, keep_rate = 0, 1.0
    for _ in range(MAX_ROUNDS):
        # Draw what the last round's keep rate says fills the gap, plus a margin.
        want = int(np.ceil((n - have) / max(keep_rate, 0.05) * 1.1)) + 8
        candidates = gen.generate_as(want, rng, recipe)
        keep, counts = sample_filter.check(
            candidates.reshape(len(candidates), *members.shape[1:]), label, members
        )
        drawn += want
        for k, v in counts.items():
            why[k] = why.get(k, 0) + v
        kept.append(candidates[keep][: n - have])
        have += len(kept[-1])
        keep_rate = float(keep.mean())
        if have >= n or (keep_rate == 0 and drawn > 4 * n):
            break  # filled, or the generator makes nothing the filter keeps
    rows = np.concatenate(kept)
    report = {"drawn": drawn, "dropped_share": round(sum(why.values()) / drawn, 4)}
    return rows, {"synthetic": int(len(rows)), "filter": {**report, **why}}


def warn_unfilled(info: Mapping, fraction: float) -> None:
    """Warn, naming the classes, where the filter kept fewer synthetic samples
    than ``fraction`` asked for (augmented copies took their slots)."""
    short = {
        (label.item() if hasattr(label, "item") else label): (
            what["synthetic"],
            int(round(fraction * what["n_new"])),
        )
        for label, what in info.items()
        if what.get("filter") and what["synthetic"] < round(fraction * what["n_new"])
    }
    if short:
        shown = ", ".join(f"{c!r}: {k} of {m}" for c, (k, m) in short.items())
        warnings.warn(
            f"the sample filter kept fewer synthetic samples than "
            f"synthetic_fraction={fraction} asks for ({shown}); copies of real "
            "members (augmented for images) took the other slots. The "
            "generator's samples are mostly misread, near-copies or claimed by "
            "another class: fit longer (epochs, "
            "backbone_epochs), or set filter_samples=False to keep them unfiltered.",
            UserWarning,
            stacklevel=3,
        )


def describe(label, info: dict) -> str:
    """One progress line for a class's resampling ``info``."""
    shown = label.item() if hasattr(label, "item") else label
    text = f"class {shown!r}: {info['n_new']} new = {info['synthetic']} synthetic"
    text += f" + {info['copies']} copies"
    if (report := info.get("filter")) is not None:
        why = ", ".join(
            f"{report[k]} {name}" for k, name in FILTER_REASONS.items() if k in report
        )
        text += (
            f"; the filter dropped {report['dropped_share']:.0%} of "
            f"{report['drawn']} drawn ({why})"
        )
    return text


#: Why the filters drop a candidate (their ``check`` counts), in words.
FILTER_REASONS = {
    "misread": "misread",
    "near_copy": "near-copies",
    "claimed": "claimed by another class",
}
