"""The harness every benchmark script runs on: options, data, child processes,
the tie rule, markdown tables and plots, and writing the results files."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# The one path by which every benchmark (and the notebook and the CLI demo)
# runs ROS, ROS+aug and SMOTE: float input, cast back only after sampling.
from smrt_keras.baselines import resample_baseline  # noqa: F401
from smrt_keras.report.efficacy import tie_rule

#: The samplers ``resample_baseline`` runs.
BASELINES = ("ROS", "ROS+aug", "SMOTE")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"


def parser(doc: str, parts: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The options every benchmark takes; ``parts`` (the first is the default)
    adds ``--part``, named as the results files the part writes."""
    # fmt: off
    p = argparse.ArgumentParser(description=doc.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    if parts:
        p.add_argument("--part", choices=list(parts), default=list(parts)[0])
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes, for CI: checks the script runs, not the numbers")
    p.add_argument("--out", type=Path, default=RESULTS,
                   help="folder for the results files (default benchmarks/results)")
    # fmt: on
    return p


def smrt_options(p: argparse.ArgumentParser, samplers: Sequence[str] = ()) -> None:
    """Add ``--smrt-params``, ``--tag`` and (given ``samplers``) ``--samplers``."""
    p.add_argument("--smrt-params", default="{}", help="JSON Reconstructor params")
    p.add_argument("--tag", default="", help="suffix of the output file names")
    if samplers:
        p.add_argument("--samplers", default=",".join(samplers))


def parse_smrt(p, argv, samplers: Sequence[str] = ()):
    """Parse ``argv``; return the args, the SMRT params and the samplers."""
    args = p.parse_args(argv)
    chosen = args.samplers.split(",") if samplers else []
    if unknown := set(chosen) - set(samplers):
        p.error(f"--samplers: unknown {sorted(unknown)}; choose from {samplers}")
    return args, json.loads(args.smrt_params), chosen


def mnist():
    """MNIST from ``$SMRT_MNIST_PATH``, else ``../shared/data/mnist.npz``, else
    Keras's downloader (the library's own fallback order)."""
    from smrt_keras.datasets import MNIST_ENV, load_mnist

    if MNIST_ENV not in os.environ and SHARED_MNIST.is_file():
        return load_mnist(SHARED_MNIST)
    return load_mnist()


def machine() -> str:
    """One line naming the CPU, core count, accelerator and library versions."""
    import imblearn
    import keras
    import sklearn

    info = Path("/proc/cpuinfo")
    models = [ln.split(":", 1)[1].strip() for ln in info.read_text().splitlines()
              if ln.startswith("model name")] if info.is_file() else []  # fmt: skip
    cpu = models[0] if models else platform.processor() or platform.machine()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    return (
        f"{cpu}, {cores or os.cpu_count()} cores{_accelerator()}; "
        f"Python {sys.version.split()[0]}, "
        f"Keras {keras.__version__} ({keras.backend.backend()}), "
        f"scikit-learn {sklearn.__version__}, imbalanced-learn {imblearn.__version__}"
    )


def _accelerator() -> str:
    """``", GPU <name>"`` when the Keras backend computes on one, else ``""``."""
    import keras

    try:
        if (backend := keras.backend.backend()) == "jax":
            import jax

            names = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
        elif backend == "torch":
            import torch

            names = [torch.cuda.get_device_name()] if torch.cuda.is_available() else []
        else:
            import tensorflow as tf

            details = tf.config.experimental.get_device_details
            gpus = tf.config.list_physical_devices("GPU")
            names = [details(g).get("device_name", "GPU") for g in gpus]
    except Exception:  # noqa: BLE001 - a report line must not break a run
        names = []
    return f", GPU {names[0]}" if names else ""


def installed_backends() -> list[str]:
    """The Keras backends whose library is installed, TensorFlow first."""
    names = ("tensorflow", "jax", "torch")
    return [b for b in names if importlib.util.find_spec(b) is not None]


def run_child(name: str, *args, backend: str | None = None, in_process=False) -> dict:
    """``_children.NAME(*args)`` in a fresh process (so peak memory, imports and
    compiling of one measurement stay apart from the next), its dict returned;
    ``backend`` sets its ``KERAS_BACKEND``. ``in_process`` (smoke runs, whose
    numbers mean nothing) calls it here when ``backend`` is the one running."""
    import _children

    args = [str(a) for a in args]
    if in_process and backend in (None, _here()):
        return json.loads(json.dumps(_children.CHILDREN[name](*args)))
    env = {**os.environ, **({"KERAS_BACKEND": backend} if backend else {})}
    cmd = [sys.executable, _children.__file__, name, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(
        f"child {name} {args} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    )


def _here() -> str:
    import keras

    return keras.backend.backend()


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def show(label: str, row: dict, keys: Sequence[str]) -> None:
    """Print a progress line: ``label``, then ``key value`` for ``keys``."""
    print(label, *(f"{k} {row[k]:.3f}" for k in keys if k in row), flush=True)


# --- the tie rule ------------------------------------------------------------


def mean_std(values: Sequence[float], scale: float = 1.0, digits: int = 2) -> str:
    """``"m ± s"`` of ``values * scale`` (population std, as numpy's default)."""
    v = np.asarray(values, dtype=float) * scale
    return f"{v.mean():.{digits}f} ± {v.std():.{digits}f}"


def verdict(ours, theirs, higher_is_better=True) -> str:
    """``"win"``, ``"loss"`` or ``"tie"`` of ``ours`` against ``theirs`` (one
    value per seed) by the library's tie rule (``tie_rule``: a difference of
    means inside the larger seed-to-seed std is a tie). One seed has no
    spread, so it gets no verdict."""
    if min(len(ours), len(theirs)) < 2:
        return "n/a (1 seed)"
    said = tie_rule(ours, theirs) if higher_is_better else tie_rule(theirs, ours)
    return {"better": "win", "worse": "loss", "tie": "tie"}[said]


def verdicts(ours: Sequence[dict], theirs: Sequence[dict], metrics) -> str:
    """``"column win, column tie, ..."`` of runs ``ours`` against ``theirs``
    over every metric ``(key, column, scale, digits, better)`` with a
    direction that both have."""
    return ", ".join(
        f"{col} " + verdict([r[key] for r in ours], [r[key] for r in theirs], better)
        for key, col, _, _, better in metrics
        if better is not None and key in ours[0] and key in theirs[0]
    )


def average_ranks(scores: np.ndarray) -> np.ndarray:
    """Mean rank of each column over rows, rank 1 = highest score, ties share
    the mean rank (as in Demšar 2006)."""
    from scipy.stats import rankdata

    return np.mean([rankdata(-row) for row in np.asarray(scores)], axis=0)


# --- markdown ------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    """Markdown table lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def records(rows: Sequence[dict], spec: str) -> list[str]:
    """A markdown table of the dicts ``rows``: ``spec`` is
    ``"header=format|..."``, each format a ``str.format`` template over a row,
    e.g. ``"rows={rows:,}|seconds={seconds:.2f}"``."""
    cols = [field.split("=", 1) for field in spec.split("|")]
    return table([h for h, _ in cols], [[f.format(**r) for _, f in cols] for r in rows])


def metric_rows(results: dict, metrics: Sequence[tuple]) -> list[list[str]]:
    """One row per sampler of ``results`` (``{name: [run, ...]}``): ``"m ± s"``
    of each metric ``(key, column, scale, digits, better)``, blank where a
    sampler's runs lack it."""
    return [
        [name] + [mean_std([r[k] for r in runs], scale, digits) if k in runs[0] else ""
                  for k, _, scale, digits, _ in metrics]
        for name, runs in results.items()
    ]  # fmt: skip


def head(title: str, *paragraphs: str) -> list[str]:
    """A report's first lines: ``# title``, the paragraphs and the machine."""
    return [f"# {title}", "", *(x for p in paragraphs for x in (p, "")),
            f"Machine: {machine()}.", ""]  # fmt: skip


def smrt_settings(params: dict) -> str:
    """Every ``Reconstructor`` argument as the run used it (defaults included)."""
    from smrt_keras import Reconstructor

    full = Reconstructor(**params).get_params()
    full.pop("generators", None)
    return ", ".join(f"{k}={v!r}" for k, v in sorted(full.items()))


def publish(args, name: str, lines: Sequence[str], data, fig=None) -> None:
    """Write ``NAME.md`` (printed), ``NAME.json`` and (given ``fig``)
    ``NAME.png`` under ``args.out``; ``NAME_TAG`` given ``--tag TAG``. A smoke
    run's table says so, so that it is never mistaken for a full run."""
    name += f"_{args.tag}" if getattr(args, "tag", "") else ""
    lines = list(lines)
    if args.smoke:
        lines[1:1] = ["", "**Smoke run (tiny sizes): the numbers mean nothing.**"]
    write_json(args.out, f"{name}.json", data)
    (args.out / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines) + f"\n\nwrote {args.out / (name + '.md')}")
    if fig is not None:
        fig.savefig(args.out / f"{name}.png", dpi=110, bbox_inches="tight")
        print(f"wrote {args.out / (name + '.png')}")


def write_json(out: Path, name: str, data) -> None:
    """Write the raw numbers behind a report as ``name`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(json.dumps(data, indent=1))


# --- plots -------------------------------------------------------------------


def subplots(*grid, **kw):
    """``(fig, axes)`` of pyplot's ``subplots`` on the Agg backend (files only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(*grid, **kw)


def bars(ax, results: dict, key: str, scale: float = 1.0, **kw) -> list:
    """Horizontal bars of ``key``'s mean ± std per sampler of ``results``
    (``{name: [run, ...]}``, samplers whose runs have it), first on top."""
    names = [n for n, runs in results.items() if key in runs[0]]
    vals = [np.array([r[key] for r in results[n]]) * scale for n in names]
    ax.barh(names, [v.mean() for v in vals], xerr=[v.std() for v in vals], **kw)
    ax.invert_yaxis()
    return vals


def image_rows(ax, rows: dict, title: str) -> None:
    """One labelled row of images per entry of ``rows``."""
    from smrt_keras.plot import image_grid

    names = list(rows)
    ax.imshow(image_grid([rows[n] for n in names]), cmap="gray")
    side = rows[names[0]].shape[1]
    ax.set_yticks([(i + 0.5) * (side + 1) for i in range(len(names))], names)
    ax.set_xticks([])
    ax.set_title(title)
