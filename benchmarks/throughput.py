"""Speed: how close SMRT runs to the machine, and on a mixed table.

One part per run, each writing ``results/PART.md``, ``.json`` and ``.png``:

    python benchmarks/throughput.py [--max-exp 6] [--epochs 4]
    python benchmarks/throughput.py --part mixed_speed [--seeds 3] [--rows 10000]

Each part's function below says what it measures.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

table, machine = common.table, common.machine


# --- throughput: FLOP/s against the matmul peak, generation, cold start ------

#: Training batch for the FLOP/s rows: #14's conv target is stated at batch
#: >= 128 (the facade's own default batch is smaller; see recipe.py).
TRAIN_BATCH = 128


def throughput(args) -> None:
    """1. Peak: the best of 5 float32 4096 x 4096 matmuls, through the Keras
    backend and through numpy. 0. Engine: one tiny class fitted by SMRT, by
    Keras's ``fit``, by SMOTE and by a hand-written compiled JAX loop, per
    installed backend (:func:`engine`). 2. Training: a dense VAE (784 features)
    and a conv VAE (28 x 28), the facade's default architectures, trained on
    MNIST 3s by ``Reconstructor.fit`` (batch 128, no validation split, no
    augmentation, no early stopping); seconds per epoch of a second fit (the
    first includes compiling) and achieved FLOP/s = 3 x forward FLOPs per
    sample x samples / seconds (backward costs about twice the forward; FLOPs
    counted analytically, :func:`forward_flops`). 3. Generation:
    ``iter_generate`` for n = 10^3 ... 10^6, samples/s and decoder FLOP/s.
    4. Cold start: a fresh process (``_children.cold_start``) that imports
    smrt_keras, loads the MNIST zoo and generates 100 digits. Every rate is
    also a fraction of the measured matmul peak."""
    from smrt_keras import Reconstructor

    size, max_exp, epochs, n_train, repeats = 4096, args.max_exp, args.epochs, 6000, 3
    engine_epochs, engine_repeats = 200, 5
    if args.smoke:
        size, max_exp, epochs, n_train, repeats = 256, 3, 1, 64, 1
        engine_epochs, engine_repeats = 2, 1
    # The smoke run checks the code path on one backend (each is a process).
    backends = common.installed_backends()[:1] if args.smoke else None
    eng = engine(engine_epochs, engine_repeats, backends, args.smoke)
    peak = matmul_peak(size)
    print(f"matmul {size}: {peak}", flush=True)
    (x_train, y_train), _ = common.mnist()
    x_digit = x_train[y_train == 3][:n_train]
    train, gen = {}, {}
    for encoder in ("dense", "conv"):
        x = x_digit.reshape(len(x_digit), -1) if encoder == "dense" else x_digit
        # A one-epoch fit gives the facade's default architecture for this
        # data and a generator to time (weights don't change decoding cost).
        y = np.r_[np.zeros(len(x), int), np.ones(len(x), int)]
        smrt = Reconstructor(encoder=encoder, epochs=1, classes=[1], random_state=0)
        smrt.fit(np.concatenate([x, x]), y)
        train[encoder] = train_rate(x_digit, encoder, epochs, TRAIN_BATCH)
        gen[encoder] = [generate_rate(smrt, 1, 10**e) for e in range(3, max_exp + 1)]
        print(f"{encoder}: {train[encoder]}, {gen[encoder]}", flush=True)
    cold = []
    for _ in range(repeats):
        t = time.perf_counter()
        parts = common.run_child("cold_start", in_process=args.smoke)
        cold.append({"wall": time.perf_counter() - t, **parts})
    print(f"cold start: {[round(c['wall'], 2) for c in cold]} s", flush=True)
    lines = throughput_lines(peak, train, gen, cold, eng, (size, epochs, len(x_digit)))
    data = {"peak": peak, "train": train, "generate": gen, "cold": cold, "engine": eng}
    fig = throughput_plot(train, gen, max(peak.values()))
    common.publish(args, "throughput", lines, data, fig)


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


def train_rate(x, encoder: str, epochs: int, batch: int) -> dict:
    """Seconds per epoch and achieved FLOP/s of the facade's default VAE for
    images ``x`` (uint8, one class), trained by ``Reconstructor.fit`` on all
    of them: two fits, the first includes compiling, the second gives the rate.
    """
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
    gen = smrt.generators_[label]
    next(iter(smrt.iter_generate(100, label=label, random_state=0)))  # warm-up
    t = time.perf_counter()
    made = sum(len(X) for X, _ in smrt.iter_generate(n, label=label, random_state=0))
    seconds = time.perf_counter() - t
    assert made == n
    return {
        "n": n,
        "seconds": seconds,
        "samples_per_s": n / seconds,
        "flops_per_s": forward_flops(gen.vae.decoder) * n / seconds,
    }


def throughput_lines(peak, train, gen, cold, eng, sizes) -> list[str]:
    size, epochs, n_train = sizes
    ref = max(peak.values())
    med = {k: float(np.median([c[k] for c in cold])) for k in cold[0]}

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
    train_header = "VAE|forward MFLOP/sample|s/epoch|first fit s (compile)|"
    train_header += "samples/s|GFLOP/s|of peak"
    return [
        "# Throughput against the machine's matmul peak",
        "",
        f"Machine: {machine()}.",
        "",
        *engine_lines(eng),
        "",
        f"Peak: best of 5 float32 {size} x {size} matmuls: backend "
        f"{peak['backend'] / 1e9:.1f} GFLOP/s, numpy {peak['numpy'] / 1e9:.1f} "
        f"GFLOP/s; percentages below are of the higher, {ref / 1e9:.1f} GFLOP/s.",
        "",
        f"## Training ({n_train} MNIST 3s, batch {TRAIN_BATCH}, {epochs} epochs: the "
        "second fit of two, through `Reconstructor.fit`)",
        "",
        *table(train_header.split("|"), train_rows),
        "",
        "## Generation (`iter_generate`, decoder FLOPs only)",
        "",
        *table(["VAE", "n", "seconds", "samples/s", "GFLOP/s", "of peak"], gen_rows),
        "",
        "## Cold start: `import smrt_keras` + `zoo.load('mnist')` + 100 digits",
        "",
        f"Median of {len(cold)} fresh processes: {med['wall']:.2f} s wall "
        f"(interpreter start included); inside the process, import + load "
        f"{med['import_and_load']:.2f} s, generating 100 digits "
        f"{med['generate_100']:.2f} s.",
    ]


def throughput_plot(train, gen, ref):
    fig, ax = common.subplots(figsize=(6, 4))
    for enc, runs in gen.items():
        ax.loglog([g["n"] for g in runs], [g["flops_per_s"] / 1e9 for g in runs],
                  "-o", label=f"generate, {enc}")  # fmt: skip
        color = "C0" if enc == "dense" else "C1"
        rate = train[enc]["flops_per_s"] / 1e9
        ax.axhline(rate, ls=":", color=color, label=f"train, {enc}")
    ax.axhline(ref / 1e9, color="k", label="matmul peak")
    ax.set(xlabel="samples generated", ylabel="achieved GFLOP/s")
    ax.legend(fontsize=8)
    return fig


# FLOPs: analytic counts of a built Keras model (achieved FLOP/s = counted
# FLOPs / measured seconds). Only dense, 2-D convolution and 2-D transposed
# convolution layers are counted, at 2 FLOPs per multiply-add; activations,
# biases, sampling and the loss are left out, so rates are conservative.


def _input_shape(layer) -> tuple:
    shapes = getattr(layer, "_build_shapes_dict", None) or {}
    shape = next(iter(shapes.values()), None)
    if shape is None:
        raise ValueError(f"layer {layer.name!r} is not built; build the model first.")
    return tuple(shape)


def layer_flops(layer) -> int:
    """FLOPs of one sample through ``layer`` (0 for layers not counted)."""
    from keras import layers

    if isinstance(layer, layers.Dense):
        return 2 * math.prod(layer.kernel.shape)
    if isinstance(layer, layers.Conv2DTranspose):
        # Every input pixel scatters a kh x kw x c_out patch.
        _, h, w, _ = _input_shape(layer)
        return 2 * math.prod(layer.kernel.shape) * h * w
    if isinstance(layer, layers.Conv2D):
        out = layer.compute_output_shape(_input_shape(layer))
        return 2 * math.prod(layer.kernel.shape) * out[1] * out[2]
    return 0


def forward_flops(model) -> int:
    """FLOPs of one sample's forward pass through every counted sublayer."""
    return sum(layer_flops(sub) for sub in model._flatten_layers(include_self=False))


# Engine: one tiny class (breast_cancer's first 35 malignant rows against all
# 357 benign, 30 standardised features), SMRT's default architecture for it,
# a fixed budget of epochs (early stopping off). Each backend runs in a fresh
# process (``_children.engine``): the first ``Reconstructor.fit`` (compile
# included) and the median of warm fits; the same VAE trained through Keras's
# ``fit`` (the 0.1 trainer's path); SMOTE's ``fit_resample``. The reference
# is the same architecture written directly in JAX (``jax.jit`` over
# ``lax.scan`` of Adam steps, batch 8), compiled once and timed warm; also 10
# such classes at once under ``vmap``. It runs only where JAX is installed.


def _init(key, d: int, hidden, latent: int):
    """The reference VAE's parameters: Glorot-scaled dense layers, encoder
    ``d -> hidden -> 2 * latent``, decoder ``latent -> reversed(hidden) -> d``,
    and a per-feature output log-variance."""
    import jax
    import jax.numpy as jnp

    def dense(k, a, b, scale=None):
        std = (2 / (a + b)) ** 0.5 if scale is None else scale
        return jax.random.normal(k, (a, b)) * std, jnp.zeros(b)

    sizes = [(d, hidden[0])] + list(zip(hidden, hidden[1:], strict=False))
    keys = jax.random.split(key, 2 * len(sizes) + 4)
    params = [dense(keys[i], a, b) for i, (a, b) in enumerate(sizes)]
    params.append(dense(keys[-1], hidden[-1], 2 * latent, 0.1))
    dec = [(latent, hidden[-1])] + [(b, a) for a, b in reversed(sizes[1:])]
    dec.append((hidden[0], d))
    params += [dense(keys[len(sizes) + i], a, b) for i, (a, b) in enumerate(dec)]
    return params, jnp.zeros(d)


def _loss(p, xb, key, n_enc: int, latent: int):
    """Negative ELBO of a Gaussian VAE on batch ``xb`` (clipped log-variances)."""
    import jax
    import jax.numpy as jnp

    params, log_var = p
    h = xb
    for w, b in params[:n_enc]:
        h = jax.nn.relu(h @ w + b)
    w, b = params[n_enc]
    stats = h @ w + b
    mean, lv = stats[:, :latent], jnp.clip(stats[:, latent:], -10, 10)
    h = mean + jnp.exp(0.5 * lv) * jax.random.normal(key, mean.shape)
    for w, b in params[n_enc + 1 : -1]:
        h = jax.nn.relu(h @ w + b)
    w, b = params[-1]
    out = h @ w + b
    lvx = jnp.clip(log_var, -7, 7)
    nll = 0.5 * (jnp.log(2 * jnp.pi) + lvx + (xb - out) ** 2 * jnp.exp(-lvx))
    kl = -0.5 * jnp.sum(1 + lv - mean**2 - jnp.exp(lv), -1)
    return jnp.mean(jnp.sum(nll, -1) + kl)


def _trainer(n: int, d: int, hidden, latent: int, steps: int, batch: int):
    """``train(key, xs)``: ``steps`` Adam steps (lr 1e-3) over random batches
    under one ``lax.scan``."""
    import jax
    import jax.numpy as jnp

    tree = jax.tree_util.tree_map

    def train(key, xs):
        def step(carry, inputs):
            p, m, v, t = carry
            idx, k = inputs
            g = jax.grad(_loss)(p, xs[idx], k, len(hidden), latent)
            t = t + 1
            m = tree(lambda m, g: 0.9 * m + 0.1 * g, m, g)
            v = tree(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
            lr = 1e-3 * jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            p = tree(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + 1e-7), p, m, v)
            return (p, m, v, t), None

        p = _init(key, d, hidden, latent)
        m, v = tree(jnp.zeros_like, p), tree(jnp.zeros_like, p)
        k1, k2 = jax.random.split(key)
        idx = jax.random.randint(k1, (steps, batch), 0, n)
        keys = jax.random.split(k2, steps)
        (p, *_), _ = jax.lax.scan(step, (p, m, v, 0.0), (idx, keys))
        return p

    return train


def reference_loop(x, hidden, latent, steps, batch, classes=10):
    """Seconds of the hand-written JAX loop: one class, and ``classes`` vmapped."""
    import time

    import jax
    import jax.numpy as jnp
    import numpy as np

    train = _trainer(*x.shape, hidden, latent, steps, batch)
    xs = jnp.asarray(x, jnp.float32)
    one = jax.jit(train)
    many = jax.jit(jax.vmap(train, in_axes=(0, None)))
    out = {}
    for name, fn, arg in (
        ("one", one, jax.random.PRNGKey(0)),
        ("vmap", many, jax.random.split(jax.random.PRNGKey(0), classes)),
    ):
        t = time.perf_counter()
        jax.block_until_ready(fn(arg, xs))
        out[f"{name}_compile_and_run"] = time.perf_counter() - t
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            jax.block_until_ready(fn(arg, xs))
            runs.append(time.perf_counter() - t)
        out[name] = float(np.median(runs))
    out["classes"] = classes
    return out


def engine(epochs: int, repeats: int, backends=None, in_process=False) -> dict:
    """The engine section: one fresh process per backend (default: every
    installed one; ``in_process`` for smoke runs, see ``run_child``)."""
    results = {}
    for backend in backends or common.installed_backends():
        results[backend] = r = common.run_child(
            "engine", epochs, repeats, backend=backend, in_process=in_process
        )
        print(f"engine {backend}: {r['first_fit']:.2f} s first fit", flush=True)
    run = next(iter(results.values()))
    ref = None
    if importlib.util.find_spec("jax"):
        x, config = np.asarray(run["x"], "float32"), run["config"]
        ref = reference_loop(x, config["hidden_units"], config["latent_dim"],
                             run["steps"], run["batch"])  # fmt: skip
        print(f"reference JAX loop: {ref}", flush=True)
    for r in results.values():
        r.pop("x")
    return {"epochs": epochs, "backends": results, "reference": ref}


def engine_lines(eng: dict) -> list[str]:
    """Markdown for the engine section."""
    ref, run = eng["reference"], next(iter(eng["backends"].values()))
    rows = [
        [backend, f"{r.get('backend_import_seconds', float('nan')):.2f}",
         f"{r['first_fit']:.2f}", f"{r['warm_median']:.3f}", f"{r['keras_fit']:.2f}",
         f"{r['smote'] * 1000:.1f} ms", f"{r['warm_median'] / r['smote']:.0f}x",
         f"{r['warm_median'] / ref['one']:.1f}x" if ref else "n/a",
         f"{r['keras_fit'] / r['warm_median']:.0f}x"]
        for backend, r in eng["backends"].items()
    ]  # fmt: skip
    header = "backend|backend import s|first fit s|warm fit s|Keras fit s|SMOTE|"
    header += "warm / SMOTE|warm / reference|Keras fit / warm"
    reference = [
        "",
        f"Reference (hand-written JAX, `jit` + `lax.scan`, same steps and "
        f"batch): {ref['one']:.3f} s warm ({ref['one_compile_and_run']:.2f} s "
        f"with compile); {ref['classes']} classes under `vmap`: "
        f"{ref['vmap']:.3f} s.",
    ] if ref else []  # fmt: skip
    return [
        "## Engine: one tiny class (35 x 30, breast_cancer), "
        f"{eng['epochs']} epochs fixed",
        "",
        f"SMRT's default architecture for the class ({run['config']}), "
        f"batch {run['batch']}, {run['steps']} optimizer steps. `backend "
        "import` is loading Keras and its backend, which smrt_keras defers to the "
        "first fit; `first fit` is the first `Reconstructor.fit` in a fresh "
        "process after that import (compile included); "
        f"`warm` the median of {len(run['warm_fits'])} later fits; `Keras fit` "
        "trains the same VAE through `keras.Model.fit` (the 0.1 trainer's path).",
        "",
        *table(header.split("|"), rows),
        *reference,
    ]


# --- mixed_speed: balancing a mixed-type table -------------------------------

#: Levels of the six categorical columns.
LEVELS = (2, 3, 5, 10, 20, 50)


def mixed_speed(args) -> None:
    """Balancing ``--rows`` (10,000) rows x 20 columns (seeded, synthetic): 12
    numeric columns (floats, whole numbers, counts), 2 bool and 6 categorical
    columns of :data:`LEVELS` levels in a DataFrame, 9:1, the classes' columns
    distributed differently. Each sampler balances it with ``fit_resample``
    (8,000 synthetic rows): SMRT with its defaults, imbalanced-learn's SMOTENC
    and ROS (the reference), one after the other in this process, per seed;
    SMRT's first call (imports, compiling) is reported apart."""
    seeds, rows = (1, 1000) if args.smoke else (args.seeds, args.rows)
    X, y = mixed_table(rows)
    seconds: dict = {"SMRT (first call)": []}
    for seed in range(seeds + 1):
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
    med = {name: float(np.median(v)) for name, v in seconds.items()}
    rows_ = [[name, common.mean_std(v, 1, 2), f"{med[name]:.2f}",
              f"{med[name] / med['SMOTENC']:.1f}", f"{med[name] / med['ROS']:.0f}"]
             for name, v in seconds.items()]  # fmt: skip
    lines = [
        *common.head(
            f"Speed: balancing a {rows:,}-row x {X.shape[1]}-column mixed table",
            "12 numeric, 2 bool and 6 categorical columns ("
            f"{', '.join(map(str, LEVELS))} "
            f"levels), 9:1; `fit_resample` to balance. {seeds} seed(s) per sampler, "
            "after one untimed-in-the-median first SMRT call (imports, compiling).",
        ),
        *table(
            ["sampler", "seconds (mean ± std)", "median s", "x SMOTENC", "x ROS"], rows_
        ),  # fmt: skip
        "",
        f"SMRT's median: {med['SMRT']:.2f} s against the 10 s target of #16 "
        f"({'met' if med['SMRT'] <= 10 else 'not met'}).",
    ]
    fig, ax = common.subplots(figsize=(6, 3))
    ax.barh(list(med), list(med.values()))
    ax.set_xscale("log")
    ax.set(xlabel="seconds (median, log scale)",
           title=f"fit_resample on {rows:,} x {X.shape[1]} mixed rows")  # fmt: skip
    data = {"rows": rows, "seconds": seconds}
    common.publish(args, "mixed_speed", lines, data, fig)


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


PARTS = {f.__name__: f for f in (throughput, mixed_speed)}


def main(argv=None) -> None:
    p = common.parser(__doc__, PARTS)
    add = p.add_argument
    add("--max-exp", type=int, default=6, help="throughput: largest n is 10**max_exp")
    add("--epochs", type=int, default=4, help="throughput: training epochs timed")
    add("--seeds", type=int, default=3, help="mixed_speed: seeds per sampler")
    add("--rows", type=int, default=10_000, help="mixed_speed: rows of the table")
    args = p.parse_args(argv)
    PARTS[args.part](args)


if __name__ == "__main__":
    main()
