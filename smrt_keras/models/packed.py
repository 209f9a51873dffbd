"""Many classes' VAEs as stacked weights: the packed save.

A per-class save writes one ``.keras`` file per class; 10,000 classes are
10,000 model files (and as many codes files) that loading opens one by one,
each building a Keras model. The packed form groups the VAEs by
architecture and stacks each group's weights on a leading axis, as the
engine trains them: one weights file for the whole reconstructor, plus each
class's configuration (plain JSON values) and its row in its group. Loading
builds no Keras model: each class comes back as a
:class:`~smrt_keras.models.trained.TrainedVAE` over one row of the stacked
arrays, drawing through its architecture's shared template, and becomes a
full VAE only when asked for.
"""

from __future__ import annotations

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import numpy as np

from smrt_keras.models.trained import TEMPLATE_FREE_KEYS, TrainedVAE, template
from smrt_keras.models.vae import VAE

#: Keras ``Layer`` keys of a VAE's ``get_config`` that are not constructor
#: arguments of an architecture.
_LAYER_KEYS = ("seed", "name", "trainable", "dtype")


def weights_of(model) -> tuple[dict, int, list, list]:
    """``(config, seed, trainable, non_trainable)`` of a VAE or a
    :class:`TrainedVAE`, as numpy, without building a model."""
    if isinstance(model, TrainedVAE):
        return dict(model.config), model.seed, model.trainable, model.non_trainable
    config = {k: v for k, v in model.get_config().items() if k not in _LAYER_KEYS}
    return (
        config,
        int(model.seed or 0),
        [np.asarray(v.numpy()) for v in model.trainable_variables],
        [np.asarray(v.numpy()) for v in model.non_trainable_variables],
    )


def architecture(config: dict) -> str:
    """What makes two VAEs stackable: their config without per-class keys."""
    return repr(
        sorted((k, v) for k, v in config.items() if k not in TEMPLATE_FREE_KEYS)
    )


def pack(models: list) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Stack ``models`` (VAEs or :class:`TrainedVAE`) by architecture.

    Returns one ``{"group", "row", "seed", "config"}`` per model, in order,
    and the arrays to save: ``g<k>_t<j>`` (trainable weight ``j`` of every
    model of group ``k``) and ``g<k>_n<j>`` (non-trainable).
    """
    groups: dict[str, list] = {}
    places = []
    for model in models:
        config, seed, trainable, non_trainable = weights_of(model)
        key = architecture(config)
        rows = groups.setdefault(key, [])
        places.append(
            {"group": list(groups).index(key), "row": len(rows), "seed": seed,
             "config": config}
        )  # fmt: skip
        rows.append((trainable, non_trainable))
    arrays = {}
    for k, rows in enumerate(groups.values()):
        for part, tag in ((0, "t"), (1, "n")):
            for j, column in enumerate(zip(*(r[part] for r in rows), strict=True)):
                arrays[f"g{k}_{tag}{j}"] = np.stack(column)
    return places, arrays


def unpack(place: dict, arrays) -> TrainedVAE:
    """The :class:`TrainedVAE` at ``place`` (one entry of :func:`pack`) in
    the saved ``arrays``; raises ``ValueError`` for a config that builds no
    VAE or weights that do not fit it."""
    config, group, row = dict(place["config"]), int(place["group"]), int(place["row"])
    model = template(config)
    weights = []
    for tag, variables in (
        ("t", model.trainable_variables),
        ("n", model.non_trainable_variables),
    ):
        values = []
        for j, var in enumerate(variables):
            key = f"g{group}_{tag}{j}"
            if key not in arrays:
                raise ValueError(f"the packed weights have no {key!r}.")
            stacked = arrays[key]
            if not 0 <= row < len(stacked) or stacked.shape[1:] != tuple(var.shape):
                raise ValueError(
                    f"{key!r} of shape {stacked.shape} has no row {row} of shape "
                    f"{tuple(var.shape)}."
                )
            values.append(stacked[row])
        weights.append(values)
    return TrainedVAE(config, int(place["seed"]), *weights)


def is_vae(model) -> bool:
    """Whether ``model`` can be packed (a VAE or a trained one)."""
    return isinstance(model, (VAE, TrainedVAE))
