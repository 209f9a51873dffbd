"""Speed on a mixed-type table: balancing 10,000 rows x 20 columns.

The table (seeded, synthetic, so the shape is exact): 12 numeric columns
(floats, whole numbers and counts), 2 bool columns and 6 categorical columns
of 2, 3, 5, 10, 20 and 50 levels, in a pandas DataFrame; 9,000 majority
and 1,000 minority rows, whose distributions differ. Each sampler balances
it with ``fit_resample`` (8,000 synthetic rows): SMRT with its defaults,
imbalanced-learn's SMOTENC (the mixed-type SMOTE) and random oversampling
(the reference), in this process, one after the other, per seed. SMRT's
first call also pays for importing and compiling; it is reported apart.

    python benchmarks/mixed_speed.py [--seeds 3] [--rows 10000]

Writes ``mixed_speed.md``, ``mixed_speed.json`` and ``mixed_speed.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

#: Levels of the six categorical columns.
LEVELS = (2, 3, 5, 10, 20, 50)


def mixed_table(rows: int, seed: int = 0):
    """``(X DataFrame, y)``: ``rows`` rows x 20 columns at 9:1."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = (np.arange(rows) >= int(rows * 0.9)).astype(int)
    shift = y[:, None] * 0.8
    data = {}
    for j in range(6):
        data[f"x{j}"] = rng.normal(shift[:, 0] * (j % 3), 1.0 + j / 6)
    for j in range(3):
        data[f"n{j}"] = rng.integers(0, 100, rows) + 10 * y
    for j in range(3):
        data[f"count{j}"] = rng.poisson(1.0 + 2 * y * (j + 1) / 3)
    for j in range(2):
        data[f"flag{j}"] = rng.random(rows) < 0.3 + 0.3 * y
    for j, k in enumerate(LEVELS):
        p = rng.dirichlet(np.ones(k))
        values = rng.choice(k, rows, p=p)
        values = np.where(y == 1, (values + j) % k, values)
        data[f"cat{j}"] = pd.Categorical([f"L{v}" for v in values])
    return pd.DataFrame(data), y


def samplers(seed: int) -> dict:
    from imblearn.over_sampling import SMOTENC, RandomOverSampler

    from smrt_keras import Reconstructor

    cats = [f"cat{j}" for j in range(len(LEVELS))] + ["flag0", "flag1"]
    return {
        "SMRT": Reconstructor(random_state=seed),
        "SMOTENC": SMOTENC(categorical_features=cats, random_state=seed),
        "ROS": RandomOverSampler(random_state=seed),
    }


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--rows", type=int, default=10_000)
    args = p.parse_args(argv)
    if args.smoke:
        args.seeds, args.rows = 1, 1000
    X, y = mixed_table(args.rows)
    seconds: dict = {"SMRT (first call)": []}
    for seed in range(args.seeds + 1):
        for name, sampler in samplers(seed).items():
            if seed == 0 and name != "SMRT":
                continue
            if args.smoke and name == "SMRT":
                sampler.set_params(epochs=1)
            start = time.perf_counter()
            X_res, _ = sampler.fit_resample(X, y)
            took = time.perf_counter() - start
            assert len(X_res) == 2 * int((y == 0).sum())
            key = "SMRT (first call)" if seed == 0 else name
            seconds.setdefault(key, []).append(took)
            print(f"seed {seed} {key}: {took:.2f} s", flush=True)
    report(args, X, seconds)


def report(args, X, seconds: dict) -> None:
    ref = np.median(seconds["ROS"])
    smote = np.median(seconds["SMOTENC"])
    rows = [
        [
            name,
            common.mean_std(values, 1, 2),
            f"{np.median(values):.2f}",
            f"{np.median(values) / smote:.1f}",
            f"{np.median(values) / ref:.0f}",
        ]
        for name, values in seconds.items()
    ]
    smrt = np.median(seconds["SMRT"])
    lines = [
        f"# Speed: balancing a {args.rows:,}-row x {X.shape[1]}-column mixed table",
        "",
        f"12 numeric, 2 bool and 6 categorical columns ({', '.join(map(str, LEVELS))} "
        f"levels), 9:1; `fit_resample` to balance. {args.seeds} seed(s) per sampler, "
        "after one untimed-in-the-median first SMRT call (imports, compiling).",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(
            ["sampler", "seconds (mean ± std)", "median s", "x SMOTENC", "x ROS"], rows
        ),
        "",
        f"SMRT's median: {smrt:.2f} s against the 10 s target of #16 "
        f"({'met' if smrt <= 10 else 'not met'}).",
    ]
    common.write_report(args.out, "mixed_speed.md", lines, args.smoke)
    common.write_json(
        args.out, "mixed_speed.json", {"rows": args.rows, "seconds": seconds}
    )
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    names = list(seconds)
    ax.barh(names, [np.median(seconds[n]) for n in names])
    ax.set_xscale("log")
    ax.set_xlabel("seconds (median, log scale)")
    ax.set_title(f"fit_resample on {args.rows:,} x {X.shape[1]} mixed rows")
    common.save_figure(fig, args.out, "mixed_speed.png")


if __name__ == "__main__":
    main()
