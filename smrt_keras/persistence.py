"""The saved-directory format of a fitted Reconstructor, end to end.

::

    <dir>/
      manifest.json        format version, versions, labels, input spec,
                           hyperparameters, per class its scaler, history and
                           recipe, the random stream's state, sha256 of every file
      class_<i>.keras      the VAE of label classes_[i] (safe_mode loadable)
      class_<i>_codes.npz  latent codes of the class's real members (no pickle)

A sample filter (``Reconstructor.fit_filter``) is saved as ``filter.keras``
and a ``"sample_filter"`` entry of the manifest; older releases ignore both.

A backbone (``Reconstructor(backbone=...)``) is saved once beside them, as
``backbone.keras`` and a ``"backbone"`` entry of the manifest; on its own
(:meth:`smrt_keras.backbone.Backbone.save`) it is a directory of the same
file and a manifest of format ``"smrt-keras-backbone"``.

Or, saved with ``packed=True`` (format 3, for many classes)::

    <dir>/
      manifest.json        as above; each class's entry gives its VAE's
                           configuration and its row in its architecture's
                           stack instead of file names
      packed_weights.npz   every class's weights, stacked per architecture
      packed_codes.npz     every class's latent codes

Writing is atomic: everything goes to a hidden temporary directory beside the
target, which is renamed into place only when complete. A crash leaves the
previous save (or nothing) behind, never a half-written directory.

Format history: 1 (smrt-keras 0.1.0) had no recipes and no stream state;
:func:`load` migrates it (:func:`_migrate_v1`), so old directories, the
shipped zoo included, keep loading. 3 is the packed layout; per-class saves
are still written as 2, so that 0.2 reads them.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from smrt_keras import manifest_checks as checks
from smrt_keras._version import __version__
from smrt_keras.files import (  # noqa: F401 - re-exported: the saved format's API
    MANIFEST,
    InvalidSaveError,
    atomic_directory,
    check_file,
    read_manifest,
    sha256,
    write_manifest,
)
from smrt_keras.generator import ClassGenerator, check_data_shape
from smrt_keras.noise import NoiseState, resolve_noise
from smrt_keras.params import is_int
from smrt_keras.preprocessing import FeatureScaler
from smrt_keras.recipe import Recipe, recipe_of_vae
from smrt_keras.settings import GENERATION, LEGACY_GENERATION, GenerationSettings
from smrt_keras.spec import InputSpec
from smrt_keras.typed_json import from_typed, to_typed
from smrt_keras.validation import label_kind

FORMAT_NAME = "smrt-keras-generators"
#: The newest format version this smrt_keras reads (and writes when packed).
FORMAT_VERSION = 3
#: The version of per-class saves.
PER_CLASS_VERSION = 2
PACKED_WEIGHTS, PACKED_CODES = "packed_weights.npz", "packed_codes.npz"
#: A standalone backbone's format and version.
BACKBONE_FORMAT, BACKBONE_FORMAT_VERSION = "smrt-keras-backbone", 1
#: The backbone's model file, in its own directory and in a Reconstructor's.
BACKBONE_FILE = "backbone.keras"
#: ``Reconstructor.fit_filter``'s classifier, in a Reconstructor's directory.
FILTER_FILE = "filter.keras"


# ----------------------------------------------------------------- labels
_LABEL_TYPES = {"int": int, "str": str, "bool": bool, "float": float}


def _label_type(value) -> str:
    kind = label_kind(value)
    if kind not in _LABEL_TYPES:
        raise ValueError(
            f"label {value!r} of type {type(value).__name__} cannot be saved; "
            "labels must be int, str, bool or float."
        )
    return kind


def encode_labels(classes: np.ndarray) -> dict:
    """JSON form of ``classes_`` that keeps each label's original type."""
    types = [_label_type(v) for v in classes]
    values = [_LABEL_TYPES[t](v) for t, v in zip(types, classes, strict=True)]
    encoded = {"dtype": classes.dtype.str, "types": types, "values": values}
    if not np.array_equal(decode_labels(encoded), classes):
        raise ValueError(f"labels {classes!r} do not survive a save/load round trip.")
    return encoded


def decode_labels(encoded: dict) -> np.ndarray:
    """Inverse of :func:`encode_labels`."""
    try:
        types, values = encoded["types"], encoded["values"]
        dtype = np.dtype(encoded["dtype"])
        if len(types) != len(values) or any(t not in _LABEL_TYPES for t in types):
            raise ValueError("types and values do not match")
        kinds = {"int": "iu", "bool": "b", "float": "f", "str": "U"}
        if dtype.kind != "O" and any(dtype.kind not in kinds[t] for t in types):
            raise ValueError(f"dtype {dtype.str!r} does not hold labels of {types}")
        for kind, value in zip(types, values, strict=True):
            # Exactly the declared type: int64 would cut a float label 2.5 to 2.
            if label_kind(value) != kind or isinstance(value, float) != (
                kind == "float"
            ):
                raise ValueError(f"label {value!r} is not of its type {kind!r}")
        if dtype.kind == "O":
            out = np.empty(len(values), dtype=object)
            out[:] = [_LABEL_TYPES[t](v) for t, v in zip(types, values, strict=True)]
            return out
        return np.asarray(values, dtype=dtype)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(f"the manifest's labels are malformed: {exc}") from exc


def codes_of(gen: ClassGenerator, prefix: str = "", keep: bool = False) -> dict:
    """A generator's latent codes and output-noise state as named arrays
    (names after ``prefix``); the noise's residuals (member data) only where
    :func:`keeps_member_data`."""
    codes = {"z_mean": gen.z_mean, "z_log_var": gen.z_log_var}
    if gen.z_rival is not None:
        codes["z_rival"] = gen.z_rival
    if gen.noise_state is not None:
        state = gen.noise_state
        if not keep:
            state = state.without_member_data()
        codes.update(state.arrays())
    return {prefix + name: value for name, value in codes.items()}


def keeps_member_data(gen: ClassGenerator, member_data, output_noise) -> bool:
    """Whether a save keeps ``gen``'s residuals: ``member_data=True`` always,
    ``False`` never, ``"auto"`` where the estimator's ``output_noise`` makes
    the class draw residual noise."""
    if gen.noise_state is None or not gen.noise_state.holds_member_data:
        return False
    if member_data == "auto":
        return resolve_noise(output_noise, gen.model.likelihood) == "residual"
    return bool(member_data)


def noise_entry(gen: ClassGenerator, keep: bool = False) -> dict:
    """The manifest's word on a generator's noise state: whether the save
    holds member data (the residuals), and how many rows."""
    if gen.noise_state is None:
        return {}
    rows = len(gen.noise_state.residuals) if keep else 0
    return {"noise": {"member_data": keep, "residual_rows": rows}}


def codes_from(arrays, prefix: str = "") -> tuple:
    """``(z_mean, z_log_var)``, plus ``z_rival`` where it was saved, out of
    named arrays written by :func:`codes_of`."""
    codes = (arrays[f"{prefix}z_mean"], arrays[f"{prefix}z_log_var"])
    if f"{prefix}z_rival" in arrays:
        codes += (arrays[f"{prefix}z_rival"],)
    return codes


def save_codes(path: Path, gen: ClassGenerator, keep: bool = False) -> None:
    np.savez(path, **codes_of(gen, keep=keep))


def load_codes(path: Path) -> tuple:
    """``(z_mean, z_log_var[, z_rival])`` and the noise state (or None)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return codes_from(data), NoiseState.from_arrays(data)
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidSaveError(
            f"could not read latent codes {path.name!r}: {exc}"
        ) from exc


# ------------------------------------------------------- the fitted state
class SavedBackbone:
    """A backbone as it is saved: a VAE fitted on many classes, the scaler of
    the data it saw, its recipe, history and what it was trained on.

    :class:`smrt_keras.backbone.Backbone` is this plus fitting and checking;
    loading gives this, which the backbone's own ``load`` (and the
    reconstructor's) turn back into a ``Backbone``.
    """

    def __init__(
        self,
        model,
        scaler: FeatureScaler,
        recipe: Recipe,
        history: dict | None = None,
        trained_on: dict | None = None,
    ):
        self.model = model
        self.scaler = scaler
        self.recipe = recipe
        self.history = dict(history or {})
        self.trained_on = dict(trained_on or {})

    @classmethod
    def from_saved(cls, saved: SavedBackbone) -> SavedBackbone:
        """``saved`` as an instance of this class."""
        return cls(
            saved.model, saved.scaler, saved.recipe, saved.history, saved.trained_on
        )

    @property
    def vae(self):
        """The backbone's Keras :class:`~smrt_keras.models.vae.VAE`."""
        self.model = self.model.materialise()
        return self.model


@dataclass
class FittedState:
    """Everything a fitted Reconstructor holds, as saved and loaded.

    ``params`` are the estimator's parameters in JSON form; ``rng_state`` is
    the state of its generation stream (``numpy`` ``bit_generator.state``).
    """

    classes: np.ndarray
    strategy: OrderedDict
    generators: dict
    spec: InputSpec
    rng_state: dict | None = None
    params: dict = field(default_factory=dict)
    backbone: SavedBackbone | None = None
    sample_filter: object | None = None  # a filtering.SampleFilter


def _entry(gen: ClassGenerator, index: int, tmp: Path, keep: bool = False):
    from smrt_keras.models.io import save_vae

    model_file, codes_file = f"class_{index}.keras", f"class_{index}_codes.npz"
    save_vae(gen.vae, tmp / model_file)
    save_codes(tmp / codes_file, gen, keep)
    return {
        "label_index": index,
        "model": model_file,
        "codes": codes_file,
        **gen.to_entry(),
        **noise_entry(gen, keep),
    }


def _packed_entries(
    state: FittedState, index_of: dict, tmp: Path, keep=lambda gen: False
) -> list:
    """Write the packed weights and codes files; return the manifest entries."""
    from smrt_keras.models.packed import is_vae, pack

    gens = list(state.generators.items())
    for label, gen in gens:
        if not is_vae(gen.model):
            raise ValueError(
                f"packed=True needs a VAE per class; the generator of {label!r} "
                f"holds a {type(gen.model).__name__}. Save with packed=False."
            )
    places, arrays = pack([gen.model for _, gen in gens])
    np.savez(tmp / PACKED_WEIGHTS, **arrays)
    codes = {}
    for i, (_, gen) in enumerate(gens):
        codes.update(codes_of(gen, f"c{i}_", keep(gen)))
    np.savez(tmp / PACKED_CODES, **codes)
    return [
        {
            "label_index": index_of[label],
            "packed": dict(place, config=to_typed(place["config"])),
            "codes_key": f"c{i}",
            **gen.to_entry(),
            **noise_entry(gen, keep(gen)),
        }
        for i, ((label, gen), place) in enumerate(zip(gens, places, strict=True))
    ]


def warn_include_optimizer(include_optimizer) -> None:
    """The deprecation of ``save(include_optimizer=...)`` (0.2; gone in 0.3)."""
    if include_optimizer is not None:
        warnings.warn(
            "include_optimizer is deprecated and ignored: generators are saved "
            "without optimizer state, so that any Keras backend loads them "
            "(a later fine-tune compiles afresh). It will be removed in 0.3.",
            FutureWarning,
            stacklevel=3,
        )


def _numpy_keys(mapping) -> bool:
    return any(isinstance(k, np.generic) for k in mapping)


def _keyed(pairs, numpy_keys: bool) -> OrderedDict:
    """Pairs of numpy labels and values, keys made Python scalars unless saved so."""
    return OrderedDict(
        (k if numpy_keys or not isinstance(k, np.generic) else k.item(), v)
        for k, v in pairs
    )


def save(
    path: str | Path,
    state: FittedState,
    overwrite: bool = False,
    packed: bool = False,
    member_data="auto",
) -> Path:
    """Write ``state`` to directory ``path``, atomically (no optimizer state:
    any backend loads it); ``packed`` writes all classes' weights and codes
    into two files (format 3) instead of two files per class; ``member_data``
    decides which classes' noise residuals are kept (:func:`keeps_member_data`)."""
    from smrt_keras.models.io import keras_info

    if not (isinstance(member_data, bool) or member_data == "auto"):
        raise ValueError(
            f"member_data must be 'auto', True or False; got {member_data!r}."
        )
    output_noise = from_typed(state.params.get("output_noise", "auto"))

    def keep(gen) -> bool:  # per class: "auto" keeps what its noise draws
        return keeps_member_data(gen, member_data, output_noise)

    index_of = {c: i for i, c in enumerate(state.classes.tolist())}
    labels = encode_labels(state.classes)
    with atomic_directory(path, overwrite) as tmp:
        if packed:
            entries = _packed_entries(state, index_of, tmp, keep)
        else:
            entries = [
                _entry(gen, index_of[label], tmp, keep(gen))
                for label, gen in state.generators.items()
            ]
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION if packed else PER_CLASS_VERSION,
            "smrt_keras_version": __version__,
            **keras_info(),
            "labels": labels,
            "input": state.spec.to_dict(),
            "sampling_strategy_": [
                [index_of[c], int(n)] for c, n in state.strategy.items()
            ],
            # Whether each dict's keys were numpy scalars (as np.unique gives
            # them) or Python ones (as a user's dict gives them).
            "numpy_keys": {
                "generators_": _numpy_keys(state.generators),
                "sampling_strategy_": _numpy_keys(state.strategy),
            },
            "params": state.params,
            "rng_state": state.rng_state,
            "generators": entries,
        }
        if state.backbone is not None:
            # Saved once, beside the per-class models fine-tuned from it.
            manifest["backbone"] = write_backbone(state.backbone, tmp)
        if state.sample_filter is not None:
            manifest["sample_filter"] = write_filter(state.sample_filter, index_of, tmp)
        write_manifest(tmp, manifest)
    return Path(path)


def state_of(estimator, rng_state: dict) -> FittedState:
    """The :class:`FittedState` of a fitted ``Reconstructor``, with the state
    of its generation stream, as :func:`save` writes it."""
    return FittedState(
        estimator.classes_,
        estimator.sampling_strategy_,
        estimator.generators_,
        estimator.input_spec_,
        rng_state=rng_state,
        params=json_params(estimator.get_params(deep=False)),
        backbone=estimator.backbone_,
        sample_filter=getattr(estimator, "sample_filter_", None),
    )


def _migrate_v1(manifest: dict) -> dict:
    """Format 1 -> 2: no recipes (derived from each VAE at load), no stream state."""
    manifest = dict(manifest, format_version=2, rng_state=None)
    manifest["generators"] = [dict(e, recipe=None) for e in manifest["generators"]]
    return manifest


def _open_packed(directory: Path, manifest: dict) -> dict | None:
    """The packed weights and codes of a format-3 save, read once."""
    if manifest["format_version"] < 3:
        return None
    out = {}
    for name in (PACKED_WEIGHTS, PACKED_CODES):
        try:
            with np.load(check_file(directory, name), allow_pickle=False) as data:
                out[name] = {key: data[key] for key in data.files}
        except (OSError, ValueError) as exc:
            raise InvalidSaveError(f"could not read {name!r}: {exc}") from exc
    return out


def _packed_model(entry: dict, packed: dict):
    """A packed entry's VAE (a TrainedVAE over its row) and codes."""
    from smrt_keras.models.packed import unpack

    try:
        place = dict(entry["packed"], config=from_typed(entry["packed"]["config"]))
        vae = unpack(place, packed[PACKED_WEIGHTS])
        prefix = f"{entry['codes_key']}_"
        found = codes_from(packed[PACKED_CODES], prefix)
        arrays = {
            k[len(prefix) :]: v
            for k, v in packed[PACKED_CODES].items()
            if k.startswith(prefix)
        }
        found = (found, NoiseState.from_arrays(arrays))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(
            f"the packed entry of label index {entry.get('label_index')!r} is "
            f"malformed: {exc}"
        ) from exc
    return vae, found


def _load_generator(
    directory: Path,
    entry: dict,
    spec: InputSpec,
    generation: GenerationSettings,
    packed=None,
    where: str = "generators[0]",
):
    from smrt_keras.models.io import load_vae

    if packed is not None:
        vae, codes = _packed_model(entry, packed)
    else:
        checks.check_entry_files(entry, where)
        vae = load_vae(check_file(directory, entry.get("model")))
        codes = load_codes(check_file(directory, entry.get("codes")))
    codes, noise_state = codes
    what = repr(entry.get("model", f"packed class {entry.get('label_index')!r}"))
    try:
        gen = ClassGenerator.from_entry(entry, vae, codes)
        gen.noise_state = noise_state
        if gen.recipe is None:  # format 1
            config = vae.get_config()
            gen.recipe = recipe_of_vae(generation, spec, config, prefit=False)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(
            f"the manifest entry of {what} is malformed: {exc}"
        ) from exc
    check_data_shape(
        vae, spec, InvalidSaveError, what, "the manifest gives", gen.scaler
    )  # fmt: skip
    checks.check_generator(gen, spec, where)
    return gen


def _saved_generation(params: dict) -> GenerationSettings:
    """The generation settings a save draws by: its parameters', and for
    those it predates (format 1 of 0.1.0), what 0.1.0 drew by."""
    return replace(
        LEGACY_GENERATION, **{k: params[k] for k in GENERATION if k in params}
    )


def _fields(path, manifest: dict) -> tuple:
    """The manifest's labels, input spec, parameters, generator entries,
    strategy pairs and stream state, migrated to the newest format."""
    if manifest["format_version"] == 1:
        try:
            manifest = _migrate_v1(manifest)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidSaveError(
                f"manifest of {str(path)!r}: its generators are malformed: {exc}"
            ) from exc
    readers = {
        "labels": decode_labels,
        "input": InputSpec.from_dict,
        "params": dict,
        "generators": list,
        "sampling_strategy_": list,
        "rng_state": lambda state: state,
    }
    fields = []
    for name, read in readers.items():
        try:
            fields.append(read(manifest[name]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidSaveError(
                f"manifest of {str(path)!r}: its field {name!r} is missing or "
                f"malformed: {exc}"
            ) from exc
    return tuple(fields)


def _label_reader(classes: np.ndarray):
    """``label_at(i)``: the label at index ``i`` of ``classes``, checked."""

    def label_at(i, field: str = "label index"):
        if not is_int(i) or not 0 <= i < len(classes):
            raise InvalidSaveError(
                f"the manifest's {field} {i!r} is out of range for "
                f"{len(classes)} labels."
            )
        return classes[i]

    return label_at


def _unique_labels(entries: list, label_at) -> list:
    """Each entry's label; a label given twice is refused (one of the two
    entries would silently win)."""
    labels = [
        label_at(e.get("label_index"), f"generators[{i}].label_index")
        for i, e in enumerate(entries)
    ]
    seen = set()
    for label in labels:
        if label in seen:
            shown = label.item() if isinstance(label, np.generic) else label
            raise InvalidSaveError(
                f"the manifest lists two generators for label {shown!r}; a "
                "save holds one per label."
            )
        seen.add(label)
    return labels


def load(path: str | Path) -> FittedState:
    """Read, check and migrate a saved directory; load every generator.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a directory.
    InvalidSaveError
        (a ``ValueError``) for anything missing, tampered with or unknown.
    """
    directory, manifest = read_manifest(path, {FORMAT_NAME: FORMAT_VERSION})
    classes, spec, params, entries, strategy_pairs, rng_state = _fields(path, manifest)
    checks.check_spec(spec)
    checks.check_unique_labels(classes)
    checks.check_strategy(strategy_pairs)
    label_at = _label_reader(classes)
    # Saves without "numpy_keys" (before 0.2) get fit's: Python labels for
    # generators_, numpy ones for the resolved strategy.
    numpy_keys = manifest.get("numpy_keys") or {"sampling_strategy_": True}
    if not isinstance(numpy_keys, dict):
        raise InvalidSaveError(
            f"the manifest's numpy_keys is malformed: {numpy_keys!r}"
        )
    labels = _unique_labels(entries, label_at)
    packed = _open_packed(directory, manifest)
    generation = _saved_generation(params)
    generators = _keyed(
        (
            (
                label,
                _load_generator(
                    directory, e, spec, generation, packed, f"generators[{i}]"
                ),
            )
            for i, (label, e) in enumerate(zip(labels, entries, strict=True))
        ),
        bool(numpy_keys.get("generators_")),
    )
    strategy = _keyed(
        (
            (label_at(i, "sampling_strategy_ label index"), int(n))
            for i, n in strategy_pairs
        ),
        bool(numpy_keys.get("sampling_strategy_")),
    )
    entry = manifest.get("backbone")
    backbone = None if entry is None else read_backbone(directory, entry)
    entry = manifest.get("sample_filter")
    found = None if entry is None else read_filter(directory, entry, label_at)
    return FittedState(
        classes, strategy, generators, spec, rng_state, params, backbone, found
    )


# ------------------------------------------------------------ sample filter
def write_filter(sample_filter, index_of: dict, directory: Path) -> dict:
    """Save ``Reconstructor.fit_filter``'s filter as :data:`FILTER_FILE`; its
    manifest entry names its classes by their index in the save's labels."""
    rest = sample_filter.save(directory / FILTER_FILE)
    indices = [index_of[c] for c in sample_filter.classes.tolist()]
    return {"model": FILTER_FILE, "label_indices": indices, **rest}


def read_filter(directory: Path, entry, label_at):
    """The :class:`~smrt_keras.filtering.SampleFilter` of a manifest entry."""
    from smrt_keras.filtering import SampleFilter

    try:
        classes = np.asarray([label_at(i) for i in entry["label_indices"]])
        path = check_file(directory, entry["model"])
        return SampleFilter.load(path, classes, entry["scale"], entry["confidence"])
    except InvalidSaveError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(
            f"the manifest's sample_filter entry is malformed: {exc}"
        ) from exc


# ---------------------------------------------------------------- backbone
def _backbone_entry(backbone: SavedBackbone) -> dict:
    """The JSON part of a backbone's manifest entry."""
    return {
        "scaler": backbone.scaler.to_dict(),
        "recipe": backbone.recipe.to_dict(),
        "history": backbone.history,
        "trained_on": backbone.trained_on,
    }


def write_backbone(backbone: SavedBackbone, directory: Path) -> dict:
    """Write ``backbone.keras`` into ``directory`` (the backbone's own save or
    a Reconstructor's); return the manifest entry that describes it."""
    from smrt_keras.models.io import save_vae

    save_vae(backbone.vae, directory / BACKBONE_FILE)
    return {"model": BACKBONE_FILE, **_backbone_entry(backbone)}


def read_backbone(directory: Path, entry) -> SavedBackbone:
    """The backbone of a manifest ``entry`` in ``directory`` (its model loaded
    with ``safe_mode``)."""
    from smrt_keras.models.io import load_vae

    if not isinstance(entry, dict):
        raise InvalidSaveError(
            f"the manifest's backbone entry is not a table: {entry!r}"
        )
    vae = load_vae(check_file(directory, entry.get("model")))
    try:
        backbone = SavedBackbone(
            vae,
            FeatureScaler.from_dict(entry["scaler"]),
            Recipe.from_dict(entry["recipe"]),
            entry.get("history"),
            entry.get("trained_on"),
        )
        shape = tuple(backbone.recipe.vae_config["input_shape"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(f"the backbone entry is malformed: {exc}") from exc
    if shape != vae.data_shape:
        raise InvalidSaveError(
            f"the backbone's recipe takes samples of shape {shape}, its model "
            f"{vae.data_shape}."
        )
    return backbone


def save_backbone(
    backbone: SavedBackbone, path: str | Path, overwrite: bool = False
) -> Path:
    """Save ``backbone`` on its own to directory ``path`` (atomically):
    ``backbone.keras`` and a checked manifest."""
    from smrt_keras.models.io import keras_info

    with atomic_directory(path, overwrite) as tmp:
        manifest = {
            "format": BACKBONE_FORMAT,
            "format_version": BACKBONE_FORMAT_VERSION,
            **keras_info(),
            "backbone": write_backbone(backbone, tmp),
        }
        write_manifest(tmp, manifest)
    return Path(path)


def load_backbone(path: str | Path) -> SavedBackbone:
    """The backbone saved by :func:`save_backbone`, or the one inside a saved
    Reconstructor directory (``safe_mode`` loading, checksums checked first)."""
    # A Reconstructor's saves up to format 3 (packed) hold the same entry.
    formats = {BACKBONE_FORMAT: BACKBONE_FORMAT_VERSION, FORMAT_NAME: FORMAT_VERSION}
    directory, manifest = read_manifest(path, formats)
    entry = manifest.get("backbone")
    if entry is None:
        raise InvalidSaveError(
            f"{str(path)!r} holds no backbone (it was fitted without one)."
        )
    return read_backbone(directory, entry)


def stream_from_state(state: dict | None, seed: int | None) -> np.random.Generator:
    """The generation stream saved in a manifest, or one seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    if state is None:
        return rng
    try:
        if state["bit_generator"] != type(rng.bit_generator).__name__:
            raise ValueError(f"unknown bit generator {state['bit_generator']!r}")
        rng.bit_generator.state = state
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(f"the manifest's rng_state is malformed: {exc}") from exc
    return rng


def json_params(params: dict) -> dict:
    """Estimator parameters in JSON form; prefit generators are left out and
    what JSON cannot hold (callables, RandomState) is kept as its repr."""
    out = {}
    for key, value in params.items():
        if key == "generators":
            continue
        if key == "backbone" and not isinstance(value, (str, type(None))):
            # A path is kept as text; a Backbone object is saved as the
            # directory's own backbone and restored from it at load.
            value = str(value) if isinstance(value, Path) else None
        try:
            out[key] = to_typed(value)  # tuples, dict keys and numpy types kept
        except TypeError:
            out[key] = repr(value)
    return out


def loadable_params(saved: dict, blank, constraints: dict) -> dict:
    """The saved parameters that ``blank`` (an estimator of the saved class,
    with its defaults) accepts again.

    Unknown names are dropped (saves from other versions); a ``random_state``
    or ``sampling_strategy`` saved only as a repr falls back to its default.
    A value the estimator's ``constraints`` refuse (an edited manifest)
    raises :class:`InvalidSaveError` naming the parameter.
    """
    from smrt_keras.params import check_params

    defaults = blank.get_params()
    try:
        kwargs = {k: from_typed(v) for k, v in saved.items() if k in defaults}
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(f"the manifest's params are malformed: {exc}") from exc
    if not isinstance(kwargs.get("random_state"), (int, type(None))):
        kwargs["random_state"] = None
    if not isinstance(kwargs.get("sampling_strategy"), (int, float, str, dict)):
        kwargs["sampling_strategy"] = "auto"
    try:
        check_params({**defaults, **kwargs}, constraints)
    except ValueError as exc:
        raise InvalidSaveError(f"the manifest's params are not valid: {exc}") from None
    return kwargs
