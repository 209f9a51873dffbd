"""Rebuild the MNIST zoo from scratch: one conv VAE per digit, then its model card.

    python zoo/scripts/train_mnist.py [--mnist PATH] [--epochs 60] [--out zoo/mnist]
    python zoo/scripts/train_mnist.py --conditional --out DIR --results FILE
    python zoo/scripts/train_mnist.py --refilter   # the shipped VAEs, a new filter

Every set is saved with a sample filter (``Reconstructor.fit_filter``: a CNN
fitted on the training digits, seeded apart from the judge), so ``generate``
redraws the digits it misreads. ``--refilter`` fits it (and the preset's
generation mode) onto the shipped VAEs without retraining them, then re-scores.

``--conditional`` fits the recipe ``backbone="auto"`` picks for images (one
conditional VAE whose digit slices are the generators); measured against the
shipped per-digit set in ``benchmarks/results/ablation.md``, it lost, so the
zoo ships the per-digit set.

MNIST comes from ``smrt_keras.datasets.load_mnist`` (``--mnist``, then
``$SMRT_MNIST_PATH``, then ``keras.datasets``). Everything is seeded. The
training settings are the ``mnist`` preset's (``smrt_keras.zoo.PRESETS``). The
script writes the saved Reconstructor directory and ``MODEL_CARD.md`` beside it;
the card's architecture and training lines are read from the saved set itself
(its parameters and recipes), so they cannot drift from what ships.

This script is not installed with the package; it lives with the zoo's sources.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from smrt_keras import Reconstructor, zoo  # noqa: E402
from smrt_keras.datasets import load_mnist  # noqa: E402
from smrt_keras.evaluation import (  # noqa: E402
    ImageJudge,
    dcr_ratio,
    frechet_distance,
    knn_precision_recall,
)

ZOO = Path(__file__).resolve().parents[1]
PRESET = zoo.preset("mnist")
N_GENERATED = 1000
#: Generation mode the zoo ships with (the preset's): in the card it keeps the
#: prior's k-NN recall with an FID close to or below "interpolate"'s.
DEFAULT_GENERATION = PRESET["training"]["generation"]
MODES = PRESET["modes"]
#: Seed of the set's sample filter (the judge's is ``random_state``).
FILTER_SEED = PRESET["filter_seed"]
#: Principal components of the filter-blind second judge (k-NN on pixels).
KNN_COMPONENTS = 50
#: ``--conditional``'s budget: epochs of the one model over all 60,000 digits
#: (the per-digit VAEs' 60 each see a tenth of them).
CONDITIONAL_EPOCHS = 15


#: Training facts of the shipped set, as its training run recorded them in the
#: card it wrote (commit 9705fdc); ``--evaluate`` re-scores that set without
#: retraining it, so it carries these over instead of measuring them again.
SHIPPED_TRAINING = {
    "train_minutes": 11.9,
    "machine": "x86_64 with 2 CPU cores, Keras 3.15.1 on tensorflow, no GPU",
    "source": "recorded by the training run of commit 9705fdc",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=None, help="path to mnist.npz")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--conditional",
        action="store_true",
        help="fit one conditional VAE over the digits (backbone='conditional') "
        f"for --epochs (default {CONDITIONAL_EPOCHS}) instead of one per digit",
    )
    parser.add_argument("--judge-epochs", type=int, default=3)
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="train on at most this many images per digit (smoke runs)",
    )
    parser.add_argument("--out", type=Path, default=ZOO / PRESET["directory"])
    parser.add_argument("--seed", type=int, default=PRESET["training"]["random_state"])
    parser.add_argument(
        "--evaluate",
        action="store_true",
        help="re-score the saved set in --out and rewrite its card; no training",
    )
    parser.add_argument(
        "--refilter",
        action="store_true",
        help="fit a new sample filter (and the preset's generation mode) onto "
        "the saved set in --out, save it there, then re-score; no training",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=ZOO.parent / PRESET["results"],
        help="JSON file for the numbers behind the card",
    )
    parser.add_argument(
        "--card-only",
        action="store_true",
        help="rewrite MODEL_CARD.md from the --results JSON; no training or scoring",
    )
    args = parser.parse_args()
    if args.epochs is None:
        args.epochs = (
            CONDITIONAL_EPOCHS if args.conditional else PRESET["training"]["epochs"]
        )
    if args.card_only:
        card = json.loads(args.results.read_text())
        card["training"]["size_mb"] = saved_size(args.out)  # as it ships now
        args.results.write_text(json.dumps(card, indent=1))
        return write_card(args, card, Reconstructor.load(args.out))

    (x_train, y_train), (x_test, y_test) = load_mnist(args.mnist)
    if args.limit:
        keep = np.concatenate(
            [np.flatnonzero(y_train == d)[: args.limit] for d in range(10)]
        )
        x_train, y_train = x_train[keep], y_train[keep]
    if args.evaluate or args.refilter:
        smrt, training = Reconstructor.load(args.out), dict(SHIPPED_TRAINING)
        if args.refilter:
            smrt.set_params(generation=DEFAULT_GENERATION)
            training.update(add_filter(args, smrt, x_train, y_train))
            smrt = Reconstructor.load(args.out)
        else:
            training.update(card_training(args.results))
    else:
        smrt, training = train(args, x_train, y_train)
    training["size_mb"] = saved_size(args.out)
    training["n_params"] = smrt.generators_[0].vae.count_params()
    card = evaluate(args, smrt, (x_train, y_train), (x_test, y_test))
    card["training"] = training
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(card, indent=1))
    write_card(args, card, Reconstructor.load(args.out))


def train(args, x_train, y_train) -> tuple[Reconstructor, dict]:
    """Fit and save the set; return it and its training facts."""
    import keras

    start = time.perf_counter()
    settings = {**PRESET["training"], "epochs": args.epochs, "random_state": args.seed}
    if args.conditional:
        settings.update(backbone="conditional", backbone_epochs=args.epochs)
    smrt = Reconstructor(**settings, verbose=1).fit(x_train, y_train)
    train_seconds = time.perf_counter() - start
    print(f"trained in {train_seconds:.0f}s")
    machine = (
        f"{platform.machine()} with {os.cpu_count()} CPU cores, Keras "
        f"{keras.__version__} on {keras.backend.backend()}, no GPU"
    )
    facts = add_filter(args, smrt, x_train, y_train)
    return smrt, {"train_minutes": train_seconds / 60, "machine": machine, **facts}


def saved_size(directory: Path) -> float:
    """MiB of the saved set's files (the card's MODEL_CARD.md excluded)."""
    files = [p for p in directory.iterdir() if p.name != "MODEL_CARD.md"]
    return sum(p.stat().st_size for p in files) / 2**20


def add_filter(args, smrt: Reconstructor, x_train, y_train) -> dict:
    """Fit the set's sample filter, save the set to ``--out``; its facts."""
    start = time.perf_counter()
    smrt.fit_filter(x_train, y_train, random_state=FILTER_SEED)
    seconds = time.perf_counter() - start
    # Users' generate() stays quiet; backbone as trained (0.1.0's saves lack it).
    smrt.set_params(verbose=0, backbone=PRESET["training"]["backbone"])
    drop_own_card(args.out)
    smrt.save(args.out, overwrite=True)
    print(f"filter fitted in {seconds:.0f}s; saved to {args.out}")
    return {"filter_seconds": seconds, "filter_seed": FILTER_SEED}


def card_training(results: Path) -> dict:
    """The filter facts of the results an ``--evaluate`` re-scores."""
    if not results.exists():
        return {}
    training = json.loads(results.read_text()).get("training", {})
    return {k: training[k] for k in ("filter_seconds", "filter_seed") if k in training}


def evaluate(args, smrt, train, test) -> dict:
    """Judge accuracy and, per digit and generation mode (filtered, as the
    set ships, and the default mode unfiltered), recognisability by the CNN
    judge and by a filter-blind k-NN, FID, k-NN precision/recall, the DCR
    memorisation ratio and the share of candidates the filter kept."""
    (x_train, y_train), (x_test, y_test) = train, test
    start = time.perf_counter()
    judge = ImageJudge(epochs=args.judge_epochs, seed=args.seed).fit(x_train, y_train)
    judge_acc = judge.accuracy(x_test, y_test)
    judge_seconds = time.perf_counter() - start
    print(f"judge test accuracy {judge_acc:.4f} ({judge_seconds:.0f}s)")
    knn = pixel_knn(x_train, y_train, args.seed)
    knn_acc = float(np.mean(knn.predict(flat(x_test)) == y_test))
    print(f"k-NN judge test accuracy {knn_acc:.4f}")
    rows = []
    for digit in range(10):
        gen = smrt.generators_[digit]
        real = x_test[y_test == digit]
        nelbo = gen.vae.negative_elbo(gen.scaler.transform(real), seed=args.seed)
        real_feats, _ = judge.features(real)
        row = dict(
            digit=digit,
            n_train=int((y_train == digit).sum()),
            epochs=len(gen.history.get("loss", [])),
            nelbo=float(nelbo.mean()),
        )
        if smrt.sample_filter_ is not None:  # how strict it is on real digits
            labels = np.full(len(real), digit)
            row["filter_pass"] = smrt.sample_filter_.pass_rates(real, labels)[digit]
        for mode in (*MODES, UNFILTERED):
            unfiltered = mode == UNFILTERED
            smrt.set_params(
                generation=DEFAULT_GENERATION if unfiltered else mode,
                filter_samples=False if unfiltered else "auto",
            )
            gen.info.pop("generate_filter", None)
            fake, _ = smrt.generate(N_GENERATED, label=digit, random_state=args.seed)
            report = gen.info.get("generate_filter")
            row[mode] = score(judge, knn, fake, digit, real_feats) | dict(
                dcr=dcr_ratio(x_train[y_train == digit] / 255, real / 255, fake / 255),
                kept=1.0 - report["dropped_share"] if report else None,
            )
        smrt.set_params(generation=DEFAULT_GENERATION, filter_samples="auto")
        rows.append(row)
        print(row, flush=True)
    return {
        "judge": {
            "accuracy": judge_acc,
            "seconds": judge_seconds,
            "epochs": args.judge_epochs,
            "knn_accuracy": knn_acc,
        },
        "epochs": args.epochs,
        "seed": args.seed,
        "rows": rows,
    }


#: The card's extra row set: the default mode with the filter off.
UNFILTERED = "unfiltered"


def flat(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, "float32").reshape(len(x), -1) / 255.0


def pixel_knn(x_train, y_train, seed: int):
    """A second judge that shares nothing with the filter's CNN: 3-nearest
    neighbours in the first :data:`KNN_COMPONENTS` principal components of
    the training pixels."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    knn = make_pipeline(PCA(KNN_COMPONENTS, random_state=seed), KNeighborsClassifier(3))
    return knn.fit(flat(x_train), y_train)


def score(judge, knn, fake, digit: int, real_feats) -> dict:
    """Recognisability (CNN judge and k-NN), FID and k-NN precision/recall."""
    fake_feats, fake_pred = judge.features(fake)
    precision, recall = knn_precision_recall(real_feats, fake_feats, k=3)
    return dict(
        recognisable=float(np.mean(fake_pred == digit)),
        knn=float(np.mean(knn.predict(flat(fake)) == digit)),
        fid=frechet_distance(real_feats, fake_feats),
        precision=precision,
        recall=recall,
    )


def fitted_facts(smrt: Reconstructor) -> dict:
    """What the saved set records about its models and training."""
    recipes = [g.recipe for g in smrt.generators_.values()]
    configs = [r.vae_config for r in recipes]

    def one(values, what):
        values = sorted({v if isinstance(v, str) else repr(v) for v in values})
        return values[0] if len(values) == 1 else f"{what} differs: {values}"

    params = smrt.get_params()
    trained = all(r.epochs for r in recipes)  # format 1 saves have no budget
    return {
        "conditional": params["backbone"] == "conditional",
        "filtered": smrt.sample_filter_ is not None,
        "beta": one([c["beta"] for c in configs], "beta"),
        "filters": one([tuple(c["filters"]) for c in configs], "filters"),
        "strides": one([tuple(c["strides"]) for c in configs], "strides"),
        "kernel_size": one([c.get("kernel_size", 3) for c in configs], "kernel"),
        "latent_dim": one([c["latent_dim"] for c in configs], "latent_dim"),
        "likelihood": one([c["likelihood"] for c in configs], "likelihood"),
        "augment": (
            one([r.augment for r in recipes], "augment")
            if trained
            else "not recorded (a format-1 save, older than the setting; under "
            "augment='auto' classes of 1,000+ images are not augmented)"
        ),
        "output_noise": one([r.output_noise for r in recipes], "output_noise"),
        **{
            k: params[k]
            for k in (
                "learning_rate",
                "batch_size",
                "patience",
                "validation_fraction",
                "random_state",
                "generation",
            )
        },
    }


def card_lines(card: dict, facts: dict) -> list[str]:
    """``MODEL_CARD.md`` from the results (``card``) and the saved set's facts."""
    rows, training, judge = card["rows"], card["training"], card["judge"]
    n_params = training["n_params"]
    lines = [
        "# MNIST zoo: model card",
        "",
        '`smrt_keras.zoo.load("mnist")` returns a fitted `Reconstructor` with '
        + (
            "one conditional convolutional VAE over the digits 0-9; each digit's "
            "generator is its class slice (the model with its condition fixed)."
            if facts["conditional"]
            else "one convolutional VAE per digit 0-9"
        )
        + (", and a sample filter." if facts["filtered"] else "."),
        "",
        "## Data",
        f"{PRESET['data']}, {sum(r['n_train'] for r in rows)} images "
        f"(per digit below); {facts['validation_fraction']:.0%} of each digit held "
        "out for early stopping. Pixels min-max scaled to [0, 1]; outputs are uint8 "
        "28x28 images. Evaluation uses the 10,000 MNIST test images, which no model "
        "saw.",
        "",
        "## Architecture and training",
        "Read from the saved set (its parameters and per-class recipes):",
        "",
        f"- Encoder: Conv2D {facts['filters']} filters, kernel {facts['kernel_size']},"
        f" strides {facts['strides']}, ReLU; dense heads to a "
        f"{facts['latent_dim']}-d latent. Decoder mirrors it (Conv2DTranspose) with "
        f"{facts['likelihood']} output"
        + (", both told the digit (one-hot)." if facts["conditional"] else "."),
        (
            f"- Parameters of a digit's slice: {n_params:,}; the slices share the "
            "one model's weights, each saved as its own model. "
            if facts["conditional"]
            else f"- Parameters per digit: {n_params:,}; {len(rows) * n_params:,} "
            "in all. "
        )
        + f"Saved size: {training['size_mb']:.1f} MiB (weights only, no optimizer "
        "state).",
        f"- Adam {facts['learning_rate']:g}, batch {facts['batch_size']}, at most "
        f"{card['epochs']} epochs, early stopping on validation loss (patience "
        f"{facts['patience']}, best weights restored), beta = {facts['beta']}, "
        f"random_state = {facts['random_state']}.",
        f"- Augmentation: {facts['augment']}. Output noise when generating: "
        f"{facts['output_noise']}.",
        f"- Training wall time: {training['train_minutes']:.1f} min for all ten "
        f"digits{' (the one model)' if facts['conditional'] else ''} on "
        f"{training['machine']}"
        + (f" ({training['source']})" if "source" in training else "")
        + ".",
        *(
            [
                f"- Sample filter: fitted onto these VAEs (not retrained) by `python "
                f"{PRESET['script']} --refilter`, which then re-scored the set."
            ]
            if facts["filtered"] and "source" in training
            else []
        ),
        f"- Rebuild: `python {PRESET['script']} --epochs {card['epochs']}`; "
        f"re-score the shipped set: `python {PRESET['script']} --evaluate`. The "
        f"numbers below are in `{PRESET['results']}`.",
        "",
        "## Quality per digit",
        f"{N_GENERATED} digits generated per class and mode. The judge is an "
        "independent CNN (2 conv blocks, 128-unit feature layer) trained in the same "
        f"script on MNIST train for {judge.get('epochs', 3)} epochs: test accuracy "
        f"**{judge['accuracy']:.2%}** ({judge['seconds']:.0f}s). Recognisable = "
        "share of generated digits the judge labels as intended. FID and k-NN "
        "precision/recall (k = 3) are computed in the judge's 128-d feature space "
        "against the digit's MNIST test images. DCR ratio (memorisation) = median "
        "pixel distance of a generated digit to its nearest training image of that "
        "digit, over the same median for the digit's test images: near 0 means "
        "copies, 1 means as far from the training set as new real digits (a "
        "guard against copying, not a measure of variety). Test -ELBO is in nats "
        "per image (one posterior sample).",
        "",
        f'The zoo ships with `generation="{facts["generation"]}"` (samples around '
        "the latent codes of real training digits, with a kernel as wide as "
        'their spread; `smrt.set_params(generation="prior")` samples the prior '
        "instead)"
        + (
            " and a sample filter: a CNN of the judge's layer plan, fitted on 300 "
            "training digits per class for 5 epochs with seed "
            f"{training['filter_seed']} ({training['filter_seconds']:.0f}s), "
            "drops every generated digit it gives its own class a probability "
            "under 0.9 and draws again (`Reconstructor.fit_filter`; "
            "`smrt.set_params(filter_samples=False)` turns it off). Filter and "
            "judge share an architecture, so the judge's score of filtered "
            "digits is optimistic: the k-NN column is a second judge that shares "
            f"nothing with the filter (3 nearest training digits in {KNN_COMPONENTS} "
            f"principal components of the pixels; test accuracy "
            f"{judge['knn_accuracy']:.2%}). Kept = share of the candidates drawn "
            "that the filter kept. " + filter_pass_line(rows)
            if facts["filtered"]
            else ""
        )
        + f". All {len(MODES)} modes, same models:",
        "",
    ]
    for mode in MODES:
        lines += mode_table(rows, mode)
    if facts["filtered"] and UNFILTERED in rows[0]:
        lines += mode_table(rows, UNFILTERED)
    return lines


def filter_pass_line(rows: list) -> str:
    """How many real test digits the filter itself passes, in words."""
    if "filter_pass" not in rows[0]:
        return ""
    low = min(rows, key=lambda r: r["filter_pass"])
    shares = [r["filter_pass"] for r in rows]
    return (
        f"The filter passes {min(shares):.0%}-{max(shares):.0%} of the real test "
        f"digits (digit {low['digit']} the fewest): it keeps the most typical "
        "shapes, so part of the recognisability it buys is built in, and the "
        "recall columns show what it costs"
    )


def write_card(args, card: dict, smrt: Reconstructor) -> None:
    """Write ``MODEL_CARD.md`` beside the saved set."""
    lines = card_lines(card, fitted_facts(smrt))
    (args.out / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def mode_table(rows: list, mode: str) -> list[str]:
    label = " (default)" if mode == DEFAULT_GENERATION else ""
    title = f'### generation="{mode}"{label}'
    if mode == UNFILTERED:
        title = f'### generation="{DEFAULT_GENERATION}", filter_samples=False'
    lines = [
        title,
        "",
        "| digit | train images | epochs run | test -ELBO | recognisable | "
        "k-NN recognisable | kept | FID | precision | recall | DCR ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        m = r[mode]
        knn = "n/a" if m.get("knn") is None else f"{m['knn']:.1%}"
        kept = "n/a" if m.get("kept") is None else f"{m['kept']:.0%}"
        lines.append(
            f"| {r['digit']} | {r['n_train']} | {r['epochs']} | "
            f"{r['nelbo']:.1f} | {m['recognisable']:.1%} | {knn} | {kept} | "
            f"{m['fid']:.2f} | {m['precision']:.3f} | {m['recall']:.3f} | "
            f"{m['dcr']:.3f} |"
        )
    worst = min(rows, key=lambda r: r[mode]["recognisable"])
    both = sum(r[mode]["recognisable"] >= 0.99 and r[mode]["dcr"] >= 0.8 for r in rows)
    knn = [r for r in rows if r[mode].get("knn") is not None]
    blind = ""
    if knn:
        low = min(knn, key=lambda r: r[mode]["knn"])
        blind = (
            f" By the k-NN judge: lowest digit {low['digit']} at "
            f"{low[mode]['knn']:.1%}; {sum(r[mode]['knn'] >= 0.99 for r in knn)} "
            f"of {len(knn)} digits at 99% or more."
        )
    return lines + [
        "",
        f"Lowest recognisability: digit {worst['digit']} at "
        f"{worst[mode]['recognisable']:.1%}. Target: every digit >= 99% "
        f"recognisable with a DCR ratio >= 0.8; {both} of {len(rows)} digits meet "
        f"both.{blind}",
        "",
    ]


def drop_own_card(out: Path) -> None:
    """Remove the card this script wrote into the save at ``out`` (it is
    written anew after saving), so that ``overwrite=True`` finds nothing there
    but the save, the one thing it replaces (a user's files it refuses)."""
    if (Path(out) / "manifest.json").is_file():
        (Path(out) / "MODEL_CARD.md").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
