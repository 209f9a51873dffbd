"""Imbalanced MNIST under the DeepSMOTE protocol: ACSA, macro G-mean, macro F1.

    python benchmarks/deepsmote_mnist.py [--ratio 100|400] [--seeds 3] [--epochs 5]

Writes ``deepsmote_mnist[_ir400].md/.json/.png`` after every seed; the method is
in benchmarks/README.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

#: Training images per digit 0..9 for each imbalance ratio: the DeepSMOTE
#: paper's counts at 100, and 4000 * 400 ** (-i / 9) rounded at 400.
COUNTS = {
    100: (4000, 2000, 1000, 750, 500, 350, 200, 100, 60, 40),
    400: tuple(round(4000 * 400 ** (-i / 9)) for i in range(10)),
}
# Smoke: three digits only, so that CI fits two small VAEs.
SMOKE_COUNTS = (60, 20, 10)
#: Every generation mode (mnist_zeros.py runs them all too).
SMRT_MODES = ("prior", "posterior", "interpolate", "kde", "kde-away", "kde-toward")
DEFAULT_SAMPLERS = ("none", "ROS", "ROS+aug", "SMOTE", "SMRT", "SMRT+aug")
SAMPLERS = (*DEFAULT_SAMPLERS, *(f"SMRT-{m}" for m in SMRT_MODES),
            *(f"SMRT@{f}" for f in (0, 0.25, 0.5, 0.75, 1)))  # fmt: skip
#: The table's scores; the summary compares those with a direction.
METRICS = (("acsa", "ACSA", 100, 2, True), ("gmean", "macro G-mean", 100, 2, None),
           ("f1", "macro F1", 100, 2, True))  # fmt: skip


def balance(name, x, y, seed, smrt_params, fitted):
    """The balanced training set for sampler ``name``. "SMRT" is a user's
    ``fit_resample``, fitted anew (its fit is its cost); the other SMRT rows
    share one fit per seed (``fitted`` caches it): "@share" resamples with it."""
    from smrt_keras import Reconstructor

    if name == "none":
        return x, y
    if name in common.BASELINES:
        return common.resample_baseline(name, x, y, random_state=seed)
    if "smrt" not in fitted and name != "SMRT":
        with common.Timer() as t:
            fitted["smrt"] = Reconstructor(random_state=seed, **smrt_params).fit(x, y)
        fitted["fit_seconds"] = t.seconds
    if name == "SMRT" or name.startswith("SMRT@"):
        smrt = Reconstructor(random_state=seed, **smrt_params) if name == "SMRT" else fitted["smrt"].set_params(synthetic_fraction=float(name[5:]))  # fmt: skip  # noqa: E501
        xb, yb = smrt.fit_resample(x, y) if name == "SMRT" else smrt.resample(x, y)
        fitted["info"] = {str(c): v for c, v in smrt.resample_info_.items()}
        return xb, yb
    # "SMRT+aug", "SMRT-<mode>": generate()'s samples only (all slots synthetic).
    core, augment = name.removesuffix("+aug"), name.endswith("+aug")
    mode = core.split("-", 1)[1] if "-" in core else "auto"
    smrt = fitted["smrt"].set_params(generation=mode, output_augment=augment)
    parts = [(x, y)] + [smrt.generate(n, label=c, random_state=seed)
                        for c, n in smrt.sampling_strategy_.items() if n]  # fmt: skip
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0, help="seeds run from here")
    p.add_argument("--epochs", type=int, default=5, help="CNN epochs")
    p.add_argument("--ratio", type=int, choices=sorted(COUNTS), default=100)
    p.add_argument("--merge", nargs="+", type=Path, metavar="JSON",
                   help="write one report from the JSON files of runs over "
                   "other seeds")  # fmt: skip
    common.smrt_options(p, SAMPLERS)
    p.set_defaults(samplers=",".join(DEFAULT_SAMPLERS))
    args, smrt_params, samplers = common.parse_smrt(p, argv, SAMPLERS)
    if args.ratio != 100 and not args.tag:
        args.tag = f"ir{args.ratio}"
    if args.merge:
        return merge(args, args.merge)
    counts, epochs = COUNTS[args.ratio], args.epochs
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    if args.smoke:
        counts, seeds, epochs = SMOKE_COUNTS, range(1), 1
        smrt_params.setdefault("epochs", 1)
    train, (x_test, y_test) = common.mnist()
    keep, cut = y_test < len(counts), 200 if args.smoke else None
    test = x_test[keep][:cut], y_test[keep][:cut]
    run = {"counts": counts, "epochs": epochs, "smrt_params": smrt_params,
           "results": {name: [] for name in samplers}, "nines": {}}  # fmt: skip
    for seed in seeds:
        run_seed(seed, run, train, test)
        report(args, run)


def run_seed(seed: int, run: dict, train: tuple, test: tuple) -> None:
    """Balance one seed's subsample with every sampler, train the CNN on each
    and add the scores to ``run["results"]`` (and the first seed's 9s to ``nines``)."""
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score

    from smrt_keras.datasets import make_imbalanced
    from smrt_keras.evaluation import ImageJudge

    counts, (x_test, y_test) = run["counts"], test
    x, y = make_imbalanced(*train, dict(enumerate(counts)), random_state=seed)
    fitted: dict = {}
    for name in run["results"]:
        with common.Timer() as t_sample:
            xb, yb = balance(name, x, y, seed, run["smrt_params"], fitted)
        # The fixed CNN is ImageJudge's (the same network, seeded shuffle and
        # Adam); every balanced set holds all 10 digits, so its labels are
        # the argmax of the softmax.
        with common.Timer() as t_train:
            cnn = ImageJudge(run["epochs"], seed).fit(xb.astype("float32") / 255.0, yb)
        pred = cnn.features(x_test.astype("float32") / 255.0)[1]
        row = {"acsa": balanced_accuracy_score(y_test, pred),
               "gmean": geometric_mean_score(y_test, pred, average="macro"),
               "f1": f1_score(y_test, pred, average="macro"),
               "recall": recall_score(y_test, pred, average=None).tolist(),
               "seed": seed, "n_train": len(xb), "sample_seconds": t_sample.seconds,
               "train_seconds": t_train.seconds}  # fmt: skip
        if name.startswith("SMRT"):  # the "SMRT" row's fit is in its sampling time
            row.update(smrt_fit_seconds=fitted.get("fit_seconds", 0) if name != "SMRT" else 0, info=fitted.pop("info", None))  # fmt: skip  # noqa: E501
        run["results"][name].append(row)
        if name not in run["nines"]:  # the first seed's
            run["nines"][name] = encode(xb[len(x) :][yb[len(x) :] == 9][:12])
        keys = ("acsa", "gmean", "f1", "sample_seconds", "train_seconds")
        common.show(f"seed {seed} {name:<16} n={len(xb)}", row, keys)


def encode(images) -> dict:
    """uint8 images as JSON: their shape and their bytes in hex (compact)."""
    images = np.asarray(images, dtype="uint8")
    return {"shape": list(images.shape), "hex": images.tobytes().hex()}


def decode(value) -> np.ndarray:
    """Inverse of :func:`encode`; also reads nested lists (older files)."""
    if isinstance(value, dict):
        value = np.frombuffer(bytes.fromhex(value["hex"]), "u1").reshape(value["shape"])
    return np.asarray(value, dtype="uint8")


def merge(args, paths) -> None:
    """One report from runs over disjoint seeds (e.g. run in parallel)."""
    runs = [json.loads(Path(p).read_text()) for p in paths]
    run = {k: runs[0][k] for k in ("counts", "epochs", "smrt_params", "machine")}
    # Only the samplers every run has: a row must hold all the merged seeds.
    shared = [n for n in runs[0]["results"] if all(n in r["results"] for r in runs)]
    if dropped := sorted({n for r in runs for n in r["results"]} - set(shared)):
        print(f"--merge: not in every run, left out: {dropped}", flush=True)
    run.update(results={name: [] for name in shared}, nines={})
    for part in runs:
        if part["counts"] != run["counts"] or part["epochs"] != run["epochs"]:
            raise SystemExit(f"--merge: runs differ in counts or epochs: {paths}")
        for name in shared:
            run["results"][name] += part["results"][name]
        run["nines"].update(part["nines"])
    for rows in run["results"].values():
        rows.sort(key=lambda r: r["seed"])
    report(args, run)


def report(args, run: dict) -> None:
    """Write the table, the JSON (everything ``--merge`` needs) and the plot."""
    results, counts, epochs = run["results"], run["counts"], run["epochs"]
    seeds = len(next(iter(results.values())))
    run["nines"] = {k: encode(decode(v)) for k, v in run["nines"].items()}
    run.setdefault("machine", common.machine())
    rows = common.metric_rows(results, METRICS)
    for row, runs in zip(rows, results.values(), strict=True):
        recall = np.mean([r["recall"] for r in runs], axis=0)[-4:]
        row += [" / ".join(f"{100 * v:.1f}" for v in recall),
                f"{np.mean([r['sample_seconds'] for r in runs]):.1f}"]  # fmt: skip
    header = ["sampler", *(m[1] for m in METRICS), "recall of the 4 rarest digits"]
    # The first SMRT row against every other sampler, on the measures with a
    # direction (a difference inside the seed-to-seed spread is a tie).
    summary = []
    if ours := next((n for n in results if n.startswith("SMRT")), None):
        summary = [f"{ours} against each other sampler (tie = inside the spread):", ""]
        summary += [f"- vs {n}: {common.verdicts(results[ours], runs, METRICS)}."
                    for n, runs in results.items() if n != ours] + [""]  # fmt: skip
    lines = [
        f"# Imbalanced MNIST at {counts[0] // counts[-1]}:1, DeepSMOTE protocol",
        "",
        f"Training counts for digits 0..9: {', '.join(map(str, counts))}; full MNIST "
        f"test set ({seeds} seed(s); the seed draws the subsample, the sampler and "
        "the CNN). CNN: `evaluation.ImageJudge`'s (2 conv blocks, 128-unit dense), "
        f"Adam 1e-3, batch 128, {epochs} epochs for every sampler. SMRT: "
        f"`Reconstructor({common.smrt_settings(run['smrt_params'])})` (random_state "
        "= seed), fitted once per seed and generating with each mode. ROS, ROS+aug "
        "(copies augmented with SMRT's affine + elastic transform) and SMOTE (k=5) "
        "run on float pixels. Scores in %, mean ± std over seeds.",
        "",
        f"Machine: {run['machine']}.",
        "",
        *common.table([*header, "sampling s"], rows),
        "",
        *summary,
        "Reference (different classifier and test set): DeepSMOTE paper, "
        "ResNet-18, balanced test set, 100:1: SMOTE 87.98, DeepSMOTE 96.09 ACSA.",
    ]
    if smrt_fit := [r["smrt_fit_seconds"] for name, runs in results.items()
                    for r in runs if name.startswith("SMRT") and name != "SMRT"]:  # fmt: skip  # noqa: E501
        cond = run["smrt_params"].get("backbone", "auto") in ("auto", "conditional")
        what = "one conditional VAE on all digits" if cond else "a VAE per digit 1..9"
        note = "'sampling s' of the first SMRT row after 'SMRT' includes it."
        lines += ["", f"SMRT fit ({what}): {np.mean(smrt_fit):.1f} s; {note}"]
    fig, axes = common.subplots(1, 2, figsize=(12, 4),
                                gridspec_kw={"width_ratios": [1, 1.3]})  # fmt: skip
    acsa = common.bars(axes[0], results, "acsa", 100, color="C0")
    axes[0].set_xlim(min(a.min() for a in acsa) - 3, 100)
    axes[0].set_xlabel("ACSA (%) on the MNIST test set")
    nines = {k: decode(v) for k, v in run["nines"].items()}
    if shown := {n: nines[n] for n in results if n != "none" and len(nines.get(n, ()))}:
        first = min(r["seed"] for rows in results.values() for r in rows)
        title = f"new 9s (seed {first}; {counts[-1]} real 9s)"
        common.image_rows(axes[1], shown, title)
    common.publish(args, "deepsmote_mnist", lines, run, fig)


if __name__ == "__main__":
    main()
