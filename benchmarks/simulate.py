"""Schedules measured per-class costs over N workers: makespan and parallel
efficiency of many-class jobs, for N = 1 ... 64.

Per-class cost comes from ``results/scale_out.json`` (``scale_out.py``): the
warm seconds to fit one class of n rows x 30 features with the default
settings, interpolated in log-log between the measured sizes, linear in n
beyond the largest (more steps per epoch; conservative), and never below the
measured cost per class of 5-row classes stacked in one fit. Each worker pays
the measured start-up once (first fit minus warm fit on the Dask cluster).

Classes go to workers by the library's split rule, written out here (the
LPT rule of ``smrt_keras.models.parallel.split``, which is private: longest
job first to the least-loaded worker, one chunk per worker). Efficiency is
the summed cost over N times the makespan.

Workloads (class sizes drawn with a fixed seed):

- ``1k-classes``: 1,000 classes, log-normal sizes (median 50 rows, sigma
  1.5), clipped to 5 ... 100,000 rows;
- ``10k-classes-100M``: 10,000 classes whose sizes follow a Zipf law
  (exponent 1.1) scaled to 100 million rows in all, at least 5 rows each.

    python benchmarks/simulate.py [--costs benchmarks/results/scale_out.json]

Writes ``simulate.md``, ``simulate.json`` and ``simulate.png``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402


def split(costs, k: int) -> list[list[int]]:
    """Job indices in ``k`` chunks of similar total cost: longest first, each
    to the chunk with the least so far (the LPT rule), each chunk in job order.
    The library's own split, kept here because it is not public API."""
    chunks: list[list[int]] = [[] for _ in range(k)]
    loads = np.zeros(k)
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        target = int(np.argmin(loads))
        chunks[target].append(i)
        loads[target] += costs[i]
    return [sorted(c) for c in chunks if c]


WORKERS = [1, 2, 4, 8, 16, 32, 64]


def cost_model(costs: dict):
    """Seconds to fit a class of ``n`` rows, from the measured points."""
    rows = np.array([r["rows"] for r in costs["per_class"]], float)
    secs = np.array([r["seconds"] for r in costs["per_class"]], float)
    floor = costs["tiny"]["per_class_s"]
    logr, logs = np.log(rows), np.log(secs)

    def seconds(n):
        n = np.asarray(n, float)
        inside = np.exp(np.interp(np.log(n), logr, logs))
        beyond = secs[-1] * n / rows[-1]  # linear past the largest measured
        return np.maximum(np.where(n > rows[-1], beyond, inside), floor)

    return seconds


def workloads(seed: int = 0, scale: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    k1 = int(1000 * scale)
    small = np.clip(np.round(rng.lognormal(np.log(50), 1.5, k1)), 5, 100_000)
    k2 = int(10_000 * scale)
    zipf = 1.0 / np.arange(1, k2 + 1) ** 1.1
    big = np.maximum(np.round(zipf / zipf.sum() * 100e6 * scale), 5)
    return {"1k-classes": small, "10k-classes-100M": big}


def schedule(costs: np.ndarray, n_workers: int, startup: float) -> dict:
    chunks = split(list(costs), n_workers)
    loads = [float(costs[c].sum()) + startup for c in chunks]
    makespan = max(loads)
    total = float(costs.sum())
    return {
        "workers": n_workers,
        "makespan_s": makespan,
        "efficiency": total / (n_workers * makespan),
        "largest_class_s": float(costs.max()),
    }


def simulate(costs: dict, scale: float) -> dict:
    seconds = cost_model(costs)
    dask = costs["workers"].get("dask")
    startup = dask["first_s"] - dask["warm_s"] if dask else 0.0
    out = {"startup_s": startup, "workloads": {}}
    for name, sizes in workloads(scale=scale).items():
        c = seconds(sizes)
        out["workloads"][name] = {
            "classes": len(sizes),
            "rows": int(sizes.sum()),
            "largest_class_rows": int(sizes.max()),
            "total_s": float(c.sum()),
            "runs": [schedule(c, n, startup) for n in WORKERS],
        }
    return out


def report(res: dict) -> list[str]:
    lines = [
        "# Simulated scale-out: measured per-class costs over N workers",
        "",
        f"Costs from `{res['costs_file']}` (measured on: {res['costs_machine']}); "
        f"worker start-up {res['startup_s']:.1f} s, paid once per worker.",
        "",
    ]
    for name, w in res["workloads"].items():
        lines += [
            f"## {name}: {w['classes']:,} classes, {w['rows']:,} rows "
            f"(largest class {w['largest_class_rows']:,})",
            "",
            f"Sum of per-class costs: {w['total_s'] / 3600:.2f} h.",
            "",
        ]
        lines += common.table(
            ["workers", "makespan", "efficiency", "largest class"],
            [[r["workers"], _duration(r["makespan_s"]), f"{r['efficiency']:.2f}",
              _duration(r["largest_class_s"])] for r in w["runs"]],
        )  # fmt: skip
        lines.append("")
    return lines


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.2f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def plot(res: dict, out: Path) -> None:
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, w in res["workloads"].items():
        ax.plot(WORKERS, [r["efficiency"] for r in w["runs"]], "o-", label=name)
    ax.axhline(0.8, color="grey", ls=":", label="0.8")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("workers")
    ax.set_ylabel("parallel efficiency")
    ax.set_ylim(0, 1.05)
    ax.legend()
    common.save_figure(fig, out, "simulate.png")


def main(argv=None) -> int:
    p = common.parser(__doc__)
    p.add_argument("--costs", type=Path, default=common.RESULTS / "scale_out.json")
    args = p.parse_args(argv)
    costs = json.loads(args.costs.read_text())
    res = simulate(costs, scale=0.01 if args.smoke else 1.0)
    inside = args.costs.resolve().is_relative_to(common.ROOT)
    res["costs_file"] = str(
        args.costs.resolve().relative_to(common.ROOT) if inside else args.costs
    )
    res["costs_machine"] = costs["machine"]
    res["smoke"] = args.smoke
    common.write_json(args.out, "simulate.json", res)
    plot(res, args.out)
    common.write_report(args.out, "simulate.md", report(res), args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
