"""The training engine measured against SMOTE and a hand-written compiled loop.

One tiny class (breast_cancer's first 35 malignant rows against all 357
benign, 30 standardised features), SMRT's default architecture for it, a fixed
budget of ``epochs`` epochs (early stopping off). Each backend runs in a fresh
process (``_children.engine``), which times:

- the first ``Reconstructor.fit`` (compile included) and the median of
  ``repeats`` warm fits;
- the same VAE trained through Keras's ``fit`` (the 0.1 trainer's path) for
  the same number of epochs, once;
- SMOTE's ``fit_resample`` on the same data.

The reference is the same architecture written directly in JAX (``jax.jit``
over ``lax.scan`` of Adam steps, batch 8), compiled once and timed warm; also
10 such classes at once under ``vmap``. It runs only where JAX is installed.
"""

from __future__ import annotations

import importlib.util

import _common as common


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


def measure(epochs: int, repeats: int, backends=None, in_process=False) -> dict:
    """The engine section: one fresh process per backend (default: every
    installed one; ``in_process`` for smoke runs, see ``run_child``)."""
    results = {}
    for backend in backends or common.installed_backends():
        results[backend] = r = common.run_child(
            "engine", epochs, repeats, backend=backend, in_process=in_process
        )
        print(
            f"engine {backend}: first fit {r['first_fit']:.2f} s, warm "
            f"{r['warm_median']:.3f} s, Keras fit {r['keras_fit']:.2f} s, "
            f"SMOTE {r['smote']:.4f} s",
            flush=True,
        )
    any_run = next(iter(results.values()))
    if importlib.util.find_spec("jax"):
        import numpy as np

        ref = reference_loop(
            np.asarray(any_run["x"], "float32"),
            any_run["config"]["hidden_units"],
            any_run["config"]["latent_dim"],
            any_run["steps"],
            any_run["batch"],
        )
        print(f"reference JAX loop: {ref}", flush=True)
    else:
        ref = None
    for r in results.values():
        r.pop("x")
    return {"epochs": epochs, "backends": results, "reference": ref}


def report_lines(engine: dict) -> list[str]:
    """Markdown for the engine section."""
    ref = engine["reference"]
    rows = []
    for backend, r in engine["backends"].items():
        rows.append(
            [
                backend,
                f"{r.get('backend_import_seconds', float('nan')):.2f}",
                f"{r['first_fit']:.2f}",
                f"{r['warm_median']:.3f}",
                f"{r['keras_fit']:.2f}",
                f"{r['smote'] * 1000:.1f} ms",
                f"{r['warm_median'] / r['smote']:.0f}x",
                f"{r['warm_median'] / ref['one']:.1f}x" if ref else "n/a",
                f"{r['keras_fit'] / r['warm_median']:.0f}x",
            ]
        )
    any_run = next(iter(engine["backends"].values()))
    lines = [
        "## Engine: one tiny class (35 x 30, breast_cancer), "
        f"{engine['epochs']} epochs fixed",
        "",
        f"SMRT's default architecture for the class ({any_run['config']}), "
        f"batch {any_run['batch']}, {any_run['steps']} optimizer steps. `backend "
        "import` is loading Keras and its backend, which smrt_keras defers to the "
        "first fit; `first fit` is the first `Reconstructor.fit` in a fresh "
        "process after that import (compile included); "
        f"`warm` the median of {len(any_run['warm_fits'])} later fits; `Keras fit` "
        "trains the same VAE through `keras.Model.fit` (the 0.1 trainer's path).",
        "",
        *common.table(
            [
                "backend",
                "backend import s",
                "first fit s",
                "warm fit s",
                "Keras fit s",
                "SMOTE",
                "warm / SMOTE",
                "warm / reference",
                "Keras fit / warm",
            ],
            rows,
        ),
    ]
    if ref:
        lines += [
            "",
            f"Reference (hand-written JAX, `jit` + `lax.scan`, same steps and "
            f"batch): {ref['one']:.3f} s warm ({ref['one_compile_and_run']:.2f} s "
            f"with compile); {ref['classes']} classes under `vmap`: "
            f"{ref['vmap']:.3f} s.",
        ]
    return lines
