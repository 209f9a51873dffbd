"""How close SMRT runs to the machine: training FLOP/s, generation throughput
and cold-start latency.

1. Peak: the best of several large float32 matmuls (4096 x 4096), through the
   Keras backend and through numpy, in this run.
0. Engine: one tiny class fitted by SMRT, by Keras's ``fit``, by SMOTE and by
   a hand-written compiled JAX loop, per installed backend (``_engine.py``).
2. Training: a dense VAE (784 features, the facade's default architecture)
   and a conv VAE (28 x 28, default architecture) trained on MNIST images of
   one digit by ``Reconstructor.fit`` (batch 128, no validation split, no
   augmentation, no early stopping); seconds per epoch of a second fit (the
   first includes compiling), and
   achieved FLOP/s = 3 x forward FLOPs per sample x samples / seconds (the
   backward pass costs about twice the forward). FLOPs are counted
   analytically (``benchmarks/_flops.py``).
3. Generation: ``Reconstructor.iter_generate`` for n = 10^3 ... 10^6 with the
   same two architectures; samples/s and achieved decoder FLOP/s.
4. Cold start: a fresh process (``_children.cold_start``) that imports
   smrt_keras, loads the MNIST zoo and generates 100 digits (10 of each);
   wall time of the whole process and its parts.

Every rate is also given as a fraction of the measured matmul peak.

    python benchmarks/throughput.py [--max-exp 6] [--epochs 4]

Writes ``throughput.md``, ``throughput.json`` and ``throughput.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import _engine  # noqa: E402
import numpy as np  # noqa: E402


def matmul_peak(size: int, repeats: int = 5) -> dict:
    """Best FLOP/s of a ``size``-square float32 matmul, backend and numpy."""
    import keras

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    ka, kb = keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)
    keras.ops.convert_to_numpy(keras.ops.matmul(ka, kb))  # warm-up
    out = {}
    for name, product in (
        ("backend", lambda: keras.ops.convert_to_numpy(keras.ops.matmul(ka, kb))),
        ("numpy", lambda: a @ b),
    ):
        best = np.inf
        for _ in range(repeats):
            t = time.perf_counter()
            product()
            best = min(best, time.perf_counter() - t)
        out[name] = 2 * size**3 / best
    return out


#: Training batch for the FLOP/s rows: #14's conv target is stated at batch
#: >= 128 (the facade's own default batch is smaller; see recipe.py).
TRAIN_BATCH = 128


def train_rate(x, encoder: str, epochs: int, batch: int) -> dict:
    """Seconds per epoch and achieved FLOP/s of the facade's default VAE for
    images ``x`` (uint8, one class), trained by ``Reconstructor.fit`` on all
    of them (no validation split, no augmentation, no early stopping).

    Two fits of ``epochs`` epochs: the first includes compiling, the second
    reuses the compiled program and gives the rate.
    """
    from _flops import forward_flops

    from smrt_keras import Reconstructor

    xs = x.reshape(len(x), -1) if encoder == "dense" else x
    # The class to time is label 1; label 0 (the same images) only makes the
    # data two classes, and ``classes=[1]`` leaves it untrained.
    y = np.r_[np.zeros(len(x), int), np.ones(len(x), int)]
    fixed = dict(encoder=encoder, epochs=epochs, batch_size=batch, patience=None,
                 validation_fraction=0.0, augment=False, classes=[1])  # fmt: skip
    seconds = []
    for seed in (0, 1):
        start = time.perf_counter()
        smrt = Reconstructor(**fixed, random_state=seed).fit(np.r_[xs, xs], y)
        seconds.append(time.perf_counter() - start)
    per_epoch = seconds[1] / epochs
    flops = forward_flops(smrt.generators_[1].vae)
    return {
        "forward_flops": flops,
        "seconds_per_epoch": per_epoch,
        "first_fit_seconds": seconds[0],
        "samples_per_s": len(xs) / per_epoch,
        "flops_per_s": 3 * flops * len(xs) / per_epoch,
    }


def generate_rate(smrt, label, n: int) -> dict:
    from _flops import forward_flops

    gen = smrt.generators_[label]
    next(iter(smrt.iter_generate(100, label=label, random_state=0)))  # warm-up
    t = time.perf_counter()
    made = 0
    for X, _ in smrt.iter_generate(n, label=label, random_state=0):
        made += len(X)
    seconds = time.perf_counter() - t
    assert made == n
    return {
        "n": n,
        "seconds": seconds,
        "samples_per_s": n / seconds,
        "flops_per_s": forward_flops(gen.vae.decoder) * n / seconds,
    }


def cold_start(repeats: int, in_process: bool = False) -> list[dict]:
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        parts = common.run_child("cold_start", in_process=in_process)
        runs.append({"wall": time.perf_counter() - t, **parts})
    return runs


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--max-exp", type=int, default=6, help="largest n is 10**max_exp")
    p.add_argument("--epochs", type=int, default=4, help="training epochs timed")
    args = p.parse_args(argv)
    size, max_exp, epochs, n_train, repeats = 4096, args.max_exp, args.epochs, 6000, 3
    engine_epochs, engine_repeats = 200, 5
    if args.smoke:
        size, max_exp, epochs, n_train, repeats = 256, 3, 1, 64, 1
        engine_epochs, engine_repeats = 2, 1
    # The smoke run checks the code path on one backend (each is a process).
    backends = common.installed_backends()[:1] if args.smoke else None
    engine = _engine.measure(engine_epochs, engine_repeats, backends, args.smoke)

    from smrt_keras import Reconstructor

    peak = matmul_peak(size)
    ref = max(peak.values())
    print(
        f"matmul {size}: backend {peak['backend'] / 1e9:.1f} GFLOP/s, numpy "
        f"{peak['numpy'] / 1e9:.1f} GFLOP/s",
        flush=True,
    )
    (x_train, y_train), _ = common.mnist()
    x_digit = x_train[y_train == 3][:n_train]

    train, gen = {}, {}
    for encoder in ("dense", "conv"):
        x = x_digit.reshape(len(x_digit), -1) if encoder == "dense" else x_digit
        # A one-epoch fit gives the facade's default architecture for this
        # data and a generator to time (weights don't change decoding cost).
        y = np.r_[np.zeros(len(x), int), np.ones(len(x), int)]
        smrt = Reconstructor(
            encoder=encoder, epochs=1, classes=[1], random_state=0
        ).fit(np.concatenate([x, x]), y)
        train[encoder] = r = train_rate(x_digit, encoder, epochs, TRAIN_BATCH)
        print(
            f"train {encoder}: {r['seconds_per_epoch']:.2f} s/epoch on {len(x)}, "
            f"{r['flops_per_s'] / 1e9:.2f} GFLOP/s ({100 * r['flops_per_s'] / ref:.1f}"
            "% of matmul)",
            flush=True,
        )
        gen[encoder] = []
        for e in range(3, max_exp + 1):
            g = generate_rate(smrt, 1, 10**e)
            gen[encoder].append(g)
            print(
                f"generate {encoder} n=10^{e}: {g['samples_per_s']:,.0f} samples/s, "
                f"{g['flops_per_s'] / 1e9:.2f} GFLOP/s",
                flush=True,
            )

    cold = cold_start(repeats, args.smoke)
    print(f"cold start: {[round(c['wall'], 2) for c in cold]} s", flush=True)
    report(args, peak, train, gen, cold, engine, (size, epochs, len(x_digit)))


def rate_rows(peak, train, gen) -> tuple[list, list]:
    """The training and generation table rows (rates also as a share of the
    higher matmul peak)."""
    ref = max(peak.values())

    def pct(rate):
        return f"{100 * rate / ref:.1f}%"

    train_rows = [
        [enc, f"{r['forward_flops'] / 1e6:.2f}", f"{r['seconds_per_epoch']:.2f}",
         f"{r['first_fit_seconds']:.2f}", f"{r['samples_per_s']:,.0f}",
         f"{r['flops_per_s'] / 1e9:.2f}", pct(r["flops_per_s"])]
        for enc, r in train.items()
    ]  # fmt: skip
    gen_rows = [
        [enc, f"10^{len(str(g['n'])) - 1}", f"{g['seconds']:.2f}",
         f"{g['samples_per_s']:,.0f}", f"{g['flops_per_s'] / 1e9:.2f}",
         pct(g["flops_per_s"])]
        for enc, runs in gen.items()
        for g in runs
    ]  # fmt: skip
    return train_rows, gen_rows


def report(args, peak, train, gen, cold, engine, sizes) -> None:
    size, epochs, n_train = sizes
    ref = max(peak.values())
    train_rows, gen_rows = rate_rows(peak, train, gen)
    med = {k: float(np.median([c[k] for c in cold])) for k in cold[0]}
    train_header = "VAE|forward MFLOP/sample|s/epoch|first fit s (compile)|"
    lines = [
        "# Throughput against the machine's matmul peak",
        "",
        f"Machine: {common.machine()}.",
        "",
        *_engine.report_lines(engine),
        "",
        f"Peak: best of 5 float32 {size} x {size} matmuls: backend "
        f"{peak['backend'] / 1e9:.1f} GFLOP/s, numpy {peak['numpy'] / 1e9:.1f} "
        f"GFLOP/s; percentages below are of the higher, {ref / 1e9:.1f} GFLOP/s.",
        "",
        f"## Training ({n_train} MNIST 3s, batch {TRAIN_BATCH}, {epochs} epochs: the "
        "second fit of two, through `Reconstructor.fit`)",
        "",
        *common.table(
            (train_header + "samples/s|GFLOP/s|of peak").split("|"), train_rows
        ),  # fmt: skip
        "",
        "## Generation (`iter_generate`, decoder FLOPs only)",
        "",
        *common.table(
            ["VAE", "n", "seconds", "samples/s", "GFLOP/s", "of peak"], gen_rows
        ),
        "",
        "## Cold start: `import smrt_keras` + `zoo.load('mnist')` + 100 digits",
        "",
        f"Median of {len(cold)} fresh processes: {med['wall']:.2f} s wall "
        f"(interpreter start included); inside the process, import + load "
        f"{med['import_and_load']:.2f} s, generating 100 digits "
        f"{med['generate_100']:.2f} s.",
    ]
    common.write_report(args.out, "throughput.md", lines, args.smoke)
    data = {"peak": peak, "train": train, "generate": gen, "cold": cold}
    common.write_json(args.out, "throughput.json", {**data, "engine": engine})
    plot(args.out, train, gen, ref)


def plot(out, train, gen, ref) -> None:
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for enc, runs in gen.items():
        ax.loglog([g["n"] for g in runs], [g["flops_per_s"] / 1e9 for g in runs],
                  "-o", label=f"generate, {enc}")  # fmt: skip
        color = "C0" if enc == "dense" else "C1"
        rate = train[enc]["flops_per_s"] / 1e9
        ax.axhline(rate, ls=":", color=color, label=f"train, {enc}")
    ax.axhline(ref / 1e9, color="k", label="matmul peak")
    ax.set_xlabel("samples generated")
    ax.set_ylabel("achieved GFLOP/s")
    ax.legend(fontsize=8)
    common.save_figure(fig, out, "throughput.png")


if __name__ == "__main__":
    main()
