"""The original SMRT demo: MNIST zeros against ones at about 1:100.

    python benchmarks/mnist_zeros.py [--seeds 3] [--variants JSON]
        [--pretrain-digits 2-9] [--smrt-params '{...}']

Writes ``mnist_zeros.md/.json/.png`` (the plot: rows of real and synthetic zeros, as
the original demo showed); the method is in benchmarks/README.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402
from deepsmote_mnist import SMRT_MODES  # noqa: E402

N_NEW = 1000
#: The SMRT row the summary compares: ``generation="auto"`` is kde-away for
#: images (#15).
DEFAULT_ROW = "SMRT-kde-away"
METRICS = (  # key, column, scale, digits, higher is better
    ("recognisability", "recognisability %", 100, 1, True),
    ("fid", "FID", 1, 2, False),
    ("precision", "precision", 1, 3, True),
    ("recall", "recall", 1, 3, True),
    ("dcr", "DCR ratio", 1, 3, None),
)


def synthesize(x, y, seed, variants, n_new):
    """``{sampler: n_new synthetic zeros}`` and each row's SMRT fit seconds.
    ``variants`` maps a name to ``Reconstructor`` parameters; each is fitted
    once and generates with every mode (rows ``<name>-<mode>``) and with the
    default mode augmented (``<name>-kde+aug``)."""
    from smrt_keras import Reconstructor

    n_zero, out, seconds = int((y == 0).sum()), {}, {}
    for name in ("SMOTE", "ROS+aug"):
        xs, _ = common.resample_baseline(
            name, x, y, sampling_strategy={0: n_zero + n_new}, random_state=seed
        )
        out[name] = xs[len(x) :]
    for variant, params in variants.items():
        with common.Timer() as t:
            smrt = Reconstructor(random_state=seed, **params).fit(x, y)
        rows = {f"{variant}-{m}": {"generation": m} for m in SMRT_MODES}
        # The default mode with each sample augmented as ROS+aug's copies are.
        rows[f"{variant}-kde+aug"] = {"generation": "kde", "output_augment": True}
        for row, settings in rows.items():
            smrt.set_params(**settings)
            out[row] = smrt.generate(n_new, label=0, random_state=seed)[0]
        seconds.update({k: t.seconds for k in out if k.startswith(f"{variant}-")})
    return out, seconds


def score(judge, real, train_zeros, fake) -> dict:
    """Fidelity of synthetic zeros ``fake`` in the judge's feature space against
    the ``real`` test zeros' (features, pixels), and their DCR ratio in pixel
    space."""
    from smrt_keras import evaluation as ev

    (real_feats, real_zeros), (feats, labels) = real, judge.features(fake)
    precision, recall = ev.knn_precision_recall(real_feats, feats, k=3)
    dcr = ev.dcr_ratio(train_zeros / 255.0, real_zeros, fake / 255.0)
    return {"recognisability": float(np.mean(labels == 0)),
            "fid": ev.frechet_distance(real_feats, feats), "precision": precision,
            "recall": recall, "dcr": dcr}  # fmt: skip


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--judge-epochs", type=int, default=3)
    p.add_argument("--pretrain-digits", default="", help="e.g. 2-9: fit a backbone "
                   "on these MNIST training digits (none is in the demo's data) and "
                   "fine-tune SMRT's classes from it")  # fmt: skip
    p.add_argument("--pretrain-epochs", type=int, default=10)
    p.add_argument("--variants", default='{"SMRT": {}}', help="JSON {name: "
                   'Reconstructor params over --smrt-params}; "backbone": '
                   '"pretrained" uses the --pretrain-digits backbone')  # fmt: skip
    common.smrt_options(p)
    args, smrt_params, _ = common.parse_smrt(p, argv)
    seeds, n_new, judge_epochs = args.seeds, N_NEW, args.judge_epochs
    (x_train, y_train), (x_test, y_test) = common.mnist()
    if args.smoke:
        seeds, n_new, judge_epochs = 1, 60, 1
        smrt_params.setdefault("epochs", 1)
        x_train, y_train = x_train[:1000], y_train[:1000]
    from smrt_keras import datasets, evaluation

    with common.Timer() as t:
        judge = evaluation.ImageJudge(epochs=judge_epochs, seed=0).fit(x_train, y_train)
    test_acc = judge.accuracy(x_test, y_test)
    print(f"judge: {t.seconds:.0f}s, test accuracy {100 * test_acc:.2f}%", flush=True)
    real_feats, _ = judge.features(x_test[y_test == 0])
    real = real_feats, x_test[y_test == 0] / 255.0
    backbone = pretrain(args, x_train, y_train, smrt_params)
    variants = {}
    for name, params in json.loads(args.variants).items():
        pretrained = params.get("backbone") == "pretrained"
        variants[name] = {**smrt_params, **params,
                          **({"backbone": backbone} if pretrained else {})}  # fmt: skip
    n_one, results, examples = int((y_train == 1).sum()), {}, {}
    counts = {1: n_one, 0: (n_zero := max(6, round(n_one / 100)))}
    for seed in range(seeds):
        x, y = datasets.make_imbalanced(x_train, y_train, counts, random_state=seed)
        fakes, fit_seconds = synthesize(x, y, seed, variants, n_new)
        if seed == 0:
            examples = {"real": x[y == 0][:12]} | {k: v[:12] for k, v in fakes.items()}
        for name, fake in fakes.items():
            row = {"seed": seed, **score(judge, real, x[y == 0], fake)}
            if name in fit_seconds:
                row["fit_seconds"] = fit_seconds[name]
            results.setdefault(name, []).append(row)
            common.show(f"seed {seed} {name:<16}", row, [m[0] for m in METRICS])
    setup = (
        f"{n_one} training ones vs {n_zero} training zeros; {n_new} synthetic zeros "
        f"per sampler; {seeds} seed(s) (the seed draws the zeros, the sampler and "
        f"SMRT's VAE), mean ± std. Judge: `ImageJudge(epochs={judge_epochs})` on all "
        f"{len(x_train)} training images, test accuracy {100 * test_acc:.2f}%; FID "
        "and k-NN precision/recall (k=3) in its 128-d feature space against the "
        f"{len(real_feats)} real test zeros."
    )
    setup += f" Backbone: {backbone.trained_on}." if backbone is not None else ""
    report(args, results, examples, setup, smrt_params, json.loads(args.variants))


def pretrain(args, x_train, y_train, smrt_params):
    """A backbone fitted on the training digits ``args.pretrain_digits`` (``"2-9"``,
    none of them a zero or a one), else ``None``: ``Reconstructor(backbone="fit")``
    with a strategy that asks for no samples, so only the backbone trains (its seed
    is the facade's first draw from ``random_state=0``)."""
    from smrt_keras import Reconstructor

    if not args.pretrain_digits:
        return None
    lo, hi = (int(d) for d in args.pretrain_digits.split("-"))
    keep = (y_train >= lo) & (y_train <= hi)
    x, y = x_train[keep], y_train[keep]
    labels, counts = np.unique(y, return_counts=True)
    nothing = {int(c): int(n) for c, n in zip(labels, counts, strict=True)}
    epochs = 1 if args.smoke else args.pretrain_epochs
    with common.Timer() as t:
        smrt = Reconstructor(**smrt_params | {
            "backbone": "fit", "backbone_epochs": epochs,
            "sampling_strategy": nothing, "random_state": 0})  # fmt: skip
        backbone = smrt.fit(x, y).backbone_
    print(f"backbone on digits {lo}-{hi}: {len(x)} images, {t.seconds:.0f}s")
    backbone.trained_on.update(source=f"MNIST training digits {lo}-{hi}",
                               seconds=round(t.seconds, 1))  # fmt: skip
    return backbone


def report(args, results, examples, setup, smrt_params, variants) -> None:
    fit = {v: np.mean([r["fit_seconds"] for r in results[f"{v}-prior"]])
           for v in variants}  # fmt: skip
    lines = [
        *common.head(
            "The original demo: MNIST zeros vs ones at 1:100",
            setup + " SMOTE (k=5) and ROS+aug (random oversampling, copies augmented "
            "with SMRT's own affine + elastic transform) run on float pixels. DCR "
            "ratio: median pixel distance of a synthetic zero to its nearest training "
            "zero over the same for the real test zeros (0 = copies, 1 = as far from "
            "the training set as new real data; not a variety measure). SMRT: "
            f"`Reconstructor({common.smrt_settings(smrt_params)})` (random_state = "
            "seed); variants on top of it: "
            + "; ".join(f"{v} {json.dumps(p)} (fit {fit[v]:.1f} s)"
                        for v, p in variants.items())
            + ".",
        ),
        *common.table(["sampler"] + [m[1] for m in METRICS],
                      common.metric_rows(results, METRICS)),
        "",
    ]  # fmt: skip
    # Where the default SMRT row wins, loses or ties against each baseline.
    if (ours := results.get(DEFAULT_ROW)) is not None:
        lines += [f"{DEFAULT_ROW} (the default) against each baseline:", ""]
        lines += [f"- vs {base}: {common.verdicts(ours, results[base], METRICS)}."
                  for base in ("SMOTE", "ROS+aug")]  # fmt: skip
    fig, ax = common.subplots(figsize=(8, 0.75 * len(examples)))
    title = f"MNIST zeros: real ({len(examples['real'])} shown) and synthetic"
    common.image_rows(ax, examples, title)
    data = {"smrt_params": smrt_params, "variants": variants, "results": results}
    common.publish(args, "mnist_zeros", lines, data, fig)


if __name__ == "__main__":
    main()
