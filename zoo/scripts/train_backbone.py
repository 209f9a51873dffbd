"""Rebuild a zoo backbone: one VAE fitted on every class, then its model card.

    python zoo/scripts/train_backbone.py --name mnist-backbone [--mnist PATH]
    python zoo/scripts/train_backbone.py --name digits-backbone

``mnist-backbone`` is fitted on the 60,000 MNIST training images (all ten
digits; MNIST from ``--mnist``, then ``$SMRT_MNIST_PATH``, then
``keras.datasets``), and scored on the 10,000 test images it never saw.
``digits-backbone`` is fitted on all 1,797 images of scikit-learn's 8x8
digits (embedded in scikit-learn, no network); it has no held-out set.

The settings are the preset's (``smrt_keras.presets.PRESETS[name]``). The
script writes the saved backbone directory, the numbers behind its card
(``benchmarks/results/zoo_<name>.json``) and ``MODEL_CARD.md``; the card's
architecture lines are read from the saved backbone itself. Not installed
with the package; it lives with the zoo's sources.
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
from smrt_keras.backbone import Backbone  # noqa: E402
from smrt_keras.validation import check_X  # noqa: E402

ZOO = Path(__file__).resolve().parents[1]


def load_data(name: str, mnist_path: str | None):
    """``(x_train, y_train), test`` for the preset; ``test`` may be None."""
    if name == "mnist-backbone":
        from smrt_keras.datasets import load_mnist

        return load_mnist(mnist_path)
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images, digits.target), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--name", required=True, choices=["mnist-backbone", "digits-backbone"]
    )
    parser.add_argument("--mnist", default=None, help="path to mnist.npz")
    parser.add_argument("--epochs", type=int, default=None, help="override the preset")
    parser.add_argument(
        "--limit", type=int, default=None, help="first N images (smoke)"
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--note", default="", help="a line about the run, for the card")
    parser.add_argument(
        "--card-only",
        action="store_true",
        help="rewrite MODEL_CARD.md from the --results JSON; no training",
    )
    args = parser.parse_args()
    preset = zoo.preset(args.name)
    out = args.out or ZOO / preset["directory"]
    results = args.results or ZOO.parent / preset["results"]
    if args.card_only:
        card = json.loads(results.read_text())
        if args.note:
            card["note"] = args.note
            results.write_text(json.dumps(card, indent=1))
        return write_card(out, card, Backbone.load(out))
    settings = dict(preset["training"])
    if args.epochs:
        settings["backbone_epochs"] = args.epochs
    (x_train, y_train), test = load_data(args.name, args.mnist)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    X, spec = check_X(x_train)
    params = Reconstructor(**settings, verbose=1).get_params()
    start = time.perf_counter()
    classes = sorted(set(y_train.tolist()))
    backbone = Backbone.fit(X, spec, params, settings["random_state"], classes)
    seconds = time.perf_counter() - start
    backbone.trained_on["source"] = preset["data"]
    drop_own_card(out)
    backbone.save(out, overwrite=True)
    card = {
        "name": args.name,
        "data": preset["data"],
        "n_train": int(len(X)),
        "classes": classes,
        "settings": settings,
        "train_seconds": seconds,
        "epochs_run": len(backbone.history.get("loss", [])),
        "train_loss": backbone.history["loss"][-1],
        "machine": f"{platform.machine()} with {os.cpu_count()} CPU cores",
        "n_params": int(backbone.vae.count_params()),
        "size_mb": sum(p.stat().st_size for p in out.iterdir()) / 2**20,
        "note": args.note,
    }
    if test is not None:
        x_test = backbone.scaler.transform(test[0]).reshape(
            len(test[0]), *spec.sample_shape
        )
        card["test_nelbo"] = float(np.mean(backbone.vae.negative_elbo(x_test, seed=0)))
        card["n_test"] = int(len(x_test))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(card, indent=1))
    write_card(out, card, Backbone.load(out))


def write_card(out: Path, card: dict, backbone: Backbone) -> None:
    """``MODEL_CARD.md`` from the results and the saved backbone."""
    c = backbone.recipe.vae_config
    name = card["name"]
    arch = (
        f"Conv2D {tuple(c['filters'])} filters, strides {tuple(c['strides'])}, "
        f"dense {tuple(c['hidden_units'])}"
        if c["encoder"] == "conv"
        else f"dense {tuple(c['hidden_units'])}"
    )
    test = (
        f"Mean negative ELBO on the {card['n_test']:,} MNIST test images (never "
        f"seen): {card['test_nelbo']:.1f} nats per image (one posterior sample)."
        if "test_nelbo" in card
        else "No test set: every image of the data set was used (the 10% above "
        "only stopped training early), so do not evaluate fine-tuned generators "
        "on scikit-learn's digits with it."
    )
    lines = [
        f"# {name}: model card",
        "",
        f'`Reconstructor(backbone="{name}")` fine-tunes every class\'s VAE from this '
        f'backbone; `smrt_keras.zoo.load_backbone("{name}")` returns it.',
        "",
        "## Data",
        f"{card['data']}: {card['n_train']:,} images of classes "
        f"{', '.join(map(str, card['classes']))}, all together (labels unused); "
        f"{int(100 * card['settings'].get('validation_fraction', 0.1))}% held out "
        "for early stopping. Pixels min-max scaled by the backbone's scaler, "
        f"fitted on the data: [{backbone.scaler.min_[0]:g}, "
        f"{backbone.scaler.max_[0]:g}]. Classes fine-tuned from it must be on that "
        "scale (it refuses others).",
        "",
        "## Architecture and training",
        f"- Encoder: {arch}, {c['activation'] if 'activation' in c else 'relu'}; "
        f"{c['latent_dim']}-d latent; {c['likelihood']} decoder; beta = {c['beta']}.",
        f"- Parameters: {card['n_params']:,}; saved size {card['size_mb']:.1f} MiB.",
        f"- {card['epochs_run']} epochs (budget {card['settings']['backbone_epochs']}, "
        f"batch {card['settings'].get('batch_size', 64)}), final training loss "
        f"{card['train_loss']:.1f}; {card['train_seconds'] / 60:.1f} min on "
        f"{card['machine']}{' (' + card['note'] + ')' if card.get('note') else ''}.",
        f"- {test}",
        f"- Rebuild: `python zoo/scripts/train_backbone.py --name {name}`. The numbers "
        f"here are in `{Path(zoo.preset(name)['results']).as_posix()}`.",
        "",
        "## Fine-tuning from it",
        "```python",
        "from smrt_keras import Reconstructor",
        f'smrt = Reconstructor(backbone="{name}", fine_tune_epochs=50, random_state=0)',
        "smrt.fit(X, y)          # X on the backbone's scale and shape",
        "X_new, y_new = smrt.generate(100, label=rare_label)",
        "```",
        "Each class starts from the backbone's weights and trains `fine_tune_epochs` "
        "epochs on its own images. What this buys on held-out classes is measured "
        "in `benchmarks/results/ablation.md` (the backbone rows).",
        "",
    ]
    (out / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def drop_own_card(out: Path) -> None:
    """Remove the card this script wrote into the save at ``out`` (it is
    written anew after saving), so that ``overwrite=True`` finds nothing there
    but the save, the one thing it replaces (a user's files it refuses)."""
    if (Path(out) / "manifest.json").is_file():
        (Path(out) / "MODEL_CARD.md").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
