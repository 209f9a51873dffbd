"""Speed: the training engine against Keras's ``fit``, SMOTE and a compiled
JAX loop (part ``throughput``), and balancing a mixed table (``--part
mixed_speed``); each part writes ``results/PART.md``, ``.json`` and ``.png``."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

records, machine = common.records, common.machine


# --- throughput: the training engine ------------------------------------------


def throughput(args) -> None:
    """The engine: one tiny class fitted by SMRT (first and warm), by Keras's
    ``fit``, by SMOTE and by a hand-written compiled JAX loop, per installed
    backend (the method: benchmarks/README.md)."""
    epochs, repeats = (2, 1) if args.smoke else (200, 5)
    # The smoke run checks the code path on one backend (each is a process).
    backends = common.installed_backends()[:1] if args.smoke else None
    eng = engine(epochs, repeats, backends, args.smoke)
    lines = ["# Throughput: the training engine", "", f"Machine: {machine()}.", "",
             *engine_lines(eng)]  # fmt: skip
    fig, ax = common.subplots(figsize=(6, 3))
    arms = (("SMRT warm", "warm_median"), ("Keras fit", "keras_fit"))
    bars = {f"{what}, {b}": r[key] for b, r in eng["backends"].items()
            for what, key in arms}  # fmt: skip
    bars["SMOTE"] = next(iter(eng["backends"].values()))["smote"]
    bars |= {"JAX reference": eng["reference"]["one"]} if eng["reference"] else {}
    ax.barh(list(bars), list(bars.values()))
    ax.set(xscale="log", xlabel="seconds (log scale)", title="one 35 x 30 class")
    common.publish(args, "throughput", lines, eng, fig)


# Engine: one tiny class (35 x 30, breast_cancer) at a fixed epoch budget, one
# fresh process per backend (``_children.engine``). The reference is the same
# architecture written directly in JAX (``jit`` over a ``lax.scan`` of Adam
# steps), compiled once and timed warm, also 10 classes under ``vmap``.


def _jax():
    import jax
    import jax.numpy as jnp

    return jax, jnp


def _dense(key, a: int, b: int, std=None):
    jax, jnp = _jax()
    std = (2 / (a + b)) ** 0.5 if std is None else std
    return jax.random.normal(key, (a, b)) * std, jnp.zeros(b)


def _init(key, d: int, hidden, latent: int):
    """Glorot dense layers ``d -> hidden -> 2 latent`` and ``latent ->
    reversed(hidden) -> d``, and a per-feature output log-variance."""
    jax, jnp = _jax()
    enc = [(d, hidden[0]), *zip(hidden, hidden[1:], strict=False)]
    dec = [(latent, hidden[-1]), *[(b, a) for a, b in reversed(enc[1:])]]
    dec.append((hidden[0], d))
    keys = jax.random.split(key, len(enc) + len(dec) + 1)
    params = [_dense(k, a, b) for k, (a, b) in zip(keys, enc, strict=False)]
    params.append(_dense(keys[-1], hidden[-1], 2 * latent, 0.1))
    rest = zip(keys[len(enc) :], dec, strict=False)
    params += [_dense(k, a, b) for k, (a, b) in rest]
    return params, jnp.zeros(d)


def _loss(p, xb, key, n_enc: int, latent: int):
    """Negative ELBO of a Gaussian VAE on batch ``xb`` (clipped log-variances)."""
    jax, jnp = _jax()
    (params, log_var), h = p, xb
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i == n_enc:  # the latent head: sample, then decode
            mean, lv = h[:, :latent], jnp.clip(h[:, latent:], -10, 10)
            h = mean + jnp.exp(0.5 * lv) * jax.random.normal(key, mean.shape)
        elif i < len(params) - 1:
            h = jax.nn.relu(h)
    lvx = jnp.clip(log_var, -7, 7)
    nll = 0.5 * (jnp.log(2 * jnp.pi) + lvx + (xb - h) ** 2 * jnp.exp(-lvx))
    kl = -0.5 * jnp.sum(1 + lv - mean**2 - jnp.exp(lv), -1)
    return jnp.mean(jnp.sum(nll, -1) + kl)


def _trainer(n: int, d: int, hidden, latent: int, steps: int, batch: int):
    """``train(key, xs)``: ``steps`` Adam steps (lr 1e-3) on random batches."""
    jax, jnp = _jax()
    tree = jax.tree_util.tree_map

    def train(key, xs):
        def step(carry, inputs):
            (p, m, v, t), (idx, k) = carry, inputs
            g = jax.grad(_loss)(p, xs[idx], k, len(hidden), latent)
            m = tree(lambda m, g: 0.9 * m + 0.1 * g, m, g)
            v = tree(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
            t = t + 1
            lr = 1e-3 * jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            p = tree(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + 1e-7), p, m, v)
            return (p, m, v, t), None

        p = _init(key, d, hidden, latent)
        k1, k2 = jax.random.split(key)
        idx = jax.random.randint(k1, (steps, batch), 0, n)
        carry = (p, tree(jnp.zeros_like, p), tree(jnp.zeros_like, p), 0.0)
        (p, *_), _ = jax.lax.scan(step, carry, (idx, jax.random.split(k2, steps)))
        return p

    return train


def reference_loop(x, hidden, latent, steps, batch, classes=10) -> dict:
    """Seconds of the hand-written JAX loop: one class, and ``classes`` vmapped."""
    jax, jnp = _jax()
    train = _trainer(*x.shape, hidden, latent, steps, batch)
    xs, key, out = jnp.asarray(x, jnp.float32), jax.random.PRNGKey(0), {}
    for name, fn, arg in (("one", jax.jit(train), key),
                          ("vmap", jax.jit(jax.vmap(train, in_axes=(0, None))),
                           jax.random.split(key, classes))):  # fmt: skip
        runs = []
        for _ in range(6):  # the first compiles
            t = time.perf_counter()
            jax.block_until_ready(fn(arg, xs))
            runs.append(time.perf_counter() - t)
        out[f"{name}_compile_and_run"], out[name] = runs[0], float(np.median(runs[1:]))
    return {**out, "classes": classes}


def engine(epochs: int, repeats: int, backends=None, in_process=False) -> dict:
    """The engine section: one fresh process per backend (default: every
    installed one; ``in_process`` for smoke runs, see ``run_child``)."""
    results = {}
    for backend in backends or common.installed_backends():
        results[backend] = r = common.run_child(
            "engine", epochs, repeats, backend=backend, in_process=in_process
        )
        print(f"engine {backend}: {r['first_fit']:.2f} s first fit", flush=True)
    run, ref = next(iter(results.values())), None
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
    nan = float("nan")
    rows = [{"b": b, "imp": r.get("backend_import_seconds", nan),
             "ms": 1000 * r["smote"], "vs": r["warm_median"] / r["smote"],
             "kw": r["keras_fit"] / r["warm_median"],
             "vr": f"{r['warm_median'] / ref['one']:.1f}x" if ref else "n/a", **r}
            for b, r in eng["backends"].items()]  # fmt: skip
    spec = (
        "backend={b}|backend import s={imp:.2f}|first fit s={first_fit:.2f}|"
        "warm fit s={warm_median:.3f}|Keras fit s={keras_fit:.2f}|"
        "SMOTE={ms:.1f} ms|warm / SMOTE={vs:.0f}x|warm / reference={vr}|"
        "Keras fit / warm={kw:.0f}x"
    )
    reference = [
        "", f"Reference (hand-written JAX, `jit` + `lax.scan`, same steps and "
        f"batch): {ref['one']:.3f} s warm ({ref['one_compile_and_run']:.2f} s "
        f"with compile); {ref['classes']} classes under `vmap`: {ref['vmap']:.3f} s.",
    ] if ref else []  # fmt: skip
    return [
        "## Engine: one tiny class (35 x 30, breast_cancer), "
        f"{eng['epochs']} epochs fixed", "",
        f"SMRT's default architecture for the class ({run['config']}), "
        f"batch {run['batch']}, {run['steps']} optimizer steps. `backend "
        "import` is loading Keras and its backend, which smrt_keras defers to the "
        "first fit; `first fit` is the first `Reconstructor.fit` in a fresh "
        "process after that import (compile included); "
        f"`warm` the median of {len(run['warm_fits'])} later fits; `Keras fit` "
        "trains the same VAE through `keras.Model.fit` (the 0.1 trainer's path).", "",
        *records(rows, spec), *reference,
    ]  # fmt: skip


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
    rows_ = [{"s": name, "ms": common.mean_std(v, 1, 2), "m": med[name],
              "n": med[name] / med["SMOTENC"], "r": med[name] / med["ROS"]}
             for name, v in seconds.items()]  # fmt: skip
    lines = [
        *common.head(
            f"Speed: balancing a {rows:,}-row x {X.shape[1]}-column mixed table",
            "12 numeric, 2 bool and 6 categorical columns ("
            f"{', '.join(map(str, LEVELS))} "
            f"levels), 9:1; `fit_resample` to balance. {seeds} seed(s) per sampler, "
            "after one untimed-in-the-median first SMRT call (imports, compiling).",
        ),
        *records(
            rows_,
            "sampler={s}|seconds (mean ± std)={ms}|median s={m:.2f}|"
            "x SMOTENC={n:.1f}|x ROS={r:.0f}",
        ),
        "",
        f"SMRT's median: {med['SMRT']:.2f} s against the 10 s target "
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
    data = {f"x{j}": rng.normal(shift[:, 0] * (j % 3), 1.0 + j / 6) for j in range(6)}
    data |= {f"n{j}": rng.integers(0, 100, rows) + 10 * y for j in range(3)}
    data |= {f"count{j}": rng.poisson(1.0 + 2 * y * (j + 1) / 3) for j in range(3)}
    data |= {f"flag{j}": rng.random(rows) < 0.3 + 0.3 * y for j in range(2)}
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
    return {"SMRT": Reconstructor(random_state=seed),
            "SMOTENC": SMOTENC(categorical_features=cats, random_state=seed),
            "ROS": RandomOverSampler(random_state=seed)}  # fmt: skip


PARTS = {f.__name__: f for f in (throughput, mixed_speed)}


def main(argv=None) -> None:
    p = common.parser(__doc__, PARTS)
    add = p.add_argument
    add("--seeds", type=int, default=3, help="mixed_speed: seeds per sampler")
    add("--rows", type=int, default=10_000, help="mixed_speed: rows of the table")
    args = p.parse_args(argv)
    PARTS[args.part](args)


if __name__ == "__main__":
    main()
