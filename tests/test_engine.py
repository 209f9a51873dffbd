"""The compiled training engine (models/engine.py, models/runner.py)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import smrt_keras.models.engine as engine
from smrt_keras.models import VAE, TrainingDivergedError
from smrt_keras.models.jobs import JobListener, TrainingJob
from smrt_keras.models.runner import BatchPlan, fit_job
from smrt_keras.models.training import train_jobs

pytestmark = pytest.mark.backend

CONFIG = {
    "input_shape": [6],
    "encoder": "dense",
    "hidden_units": [16],
    "latent_dim": 2,
    "likelihood": "gaussian",
    "beta": 1.0,
    "kl_warmup_steps": 0,
}


def job(x, x_val=None, seed=0, epochs=5, batch_size=8, patience=None, **config):
    return TrainingJob(
        config={**CONFIG, **config},
        x_train=x,
        x_val=x_val,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=3e-3,
        patience=patience,
    )


def data(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 6)).astype("float32")


def weights(vae):
    return [keras.ops.convert_to_numpy(w) for w in vae.weights]


# torch's CPU normal sampler is not prefix-stable (draws of 8 x 2 and 5 x 2 from
# one seed share no rows), so a minibatch the engine pads to its program's
# shape draws other sampling noise than Keras fit's unpadded one. Same seed,
# same result still holds on torch; matching Keras fit does not.
torch_pads_differently = pytest.mark.xfail(
    keras.backend.backend() == "torch",
    reason="torch's normal sampler is not prefix-stable under padding",
    strict=True,
)


@pytest.mark.parametrize(
    "n, beta, warmup",
    [pytest.param(5, 1.0, 0, marks=torch_pads_differently), (16, 0.5, 3)],
)
def test_engine_matches_keras_fit(n, beta, warmup):
    # One full batch per epoch; Keras sees the rows in the engine's order
    # (the sampling noise is drawn per row). n=5 is padded to 8 rows inside
    # the engine, which must not change the result.
    x = data(n)
    plan = BatchPlan(n, n, 4, seed=3)
    in_order = np.concatenate([x[plan.rows(step)] for step in range(4)])
    config = {"beta": beta, "kl_warmup_steps": warmup}
    reference = VAE(**{**CONFIG, **config}, seed=3)
    reference.compile(optimizer=keras.optimizers.Adam(3e-3))
    keras_hist = reference.fit(
        in_order, epochs=1, batch_size=n, shuffle=False, verbose=0
    )
    vae, hist = fit_job(job(x, seed=3, epochs=4, batch_size=n, **config))
    assert np.mean(hist["loss"]) == pytest.approx(
        keras_hist.history["loss"][0], rel=1e-5
    )
    for ours, theirs in zip(weights(vae), weights(reference), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_same_seed_same_weights_and_different_seed_differs():
    x = data(40)
    first = weights(fit_job(job(x, seed=1))[0])
    again = weights(fit_job(job(x, seed=1))[0])
    other = weights(fit_job(job(x, seed=2))[0])
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_jobs_of_one_shape_share_a_compiled_program():
    engine.clear_programs()
    x = data(20)
    fit_job(job(x, seed=0, epochs=2))
    fit_job(job(data(24, seed=1), seed=5, epochs=3, beta=0.3, kl_warmup_steps=7))
    assert len(engine._PROGRAMS) == 1  # 20 and 24 rows: batch 8, one program
    fit_job(job(x, epochs=1, hidden_units=[8]))
    assert len(engine._PROGRAMS) == 2


def test_plan_visits_every_row_once_per_epoch():
    plan = BatchPlan(n=11, batch=4, epochs=3, seed=0)
    assert plan.steps_per_epoch == 3 and plan.total_steps == 9
    for epoch in range(3):
        rows = np.concatenate([plan.rows(epoch * 3 + k) for k in range(3)])
        assert sorted(rows) == list(range(11))


def test_history_listener_and_loss_goes_down():
    seen = []

    class Listener(JobListener):
        def epoch(self, index, epoch, logs=None):
            seen.append((epoch, logs["loss"]))

    x = data(64)
    [(vae, hist)] = train_jobs(
        [job(x, x_val=data(16, seed=9), epochs=30, patience=None)], Listener()
    )
    assert len(hist["loss"]) == 30 and [e for e, _ in seen] == list(range(30))
    assert hist["loss"][-1] < hist["loss"][0]
    assert len(hist["val_loss"]) >= 1 and all(np.isfinite(hist["val_loss"]))
    assert isinstance(vae.materialise(), VAE)


def test_early_stopping_keeps_the_best_evaluated_state():
    x, x_val = data(256), data(32, seed=4)
    vae, hist = fit_job(
        job(x, x_val=x_val, epochs=400, patience=20, batch_size=128, seed=0)
    )
    # 2 steps an epoch, a block of 128 steps = 64 epochs: one check per block.
    assert len(hist["loss"]) < 400
    best = min(hist["val_loss"])
    program = engine.get_program(CONFIG, 128)
    trainable = [keras.ops.convert_to_tensor(v.value) for v in vae.trainable_variables]
    state = engine.State(
        trainable,
        [keras.ops.convert_to_tensor(v.value) for v in vae.non_trainable_variables],
        [keras.ops.zeros_like(t) for t in trainable],
        [keras.ops.zeros_like(t) for t in trainable],
        keras.ops.convert_to_tensor(0.0),
    )
    state = engine.stack_states([state])
    _, beta, warmup = engine.runtime_args([(3e-3, 1.0, 0)])
    again = program.evaluate_states(
        state, x_val[None], np.ones((1, 32), "float32"), beta, warmup
    )
    assert again[0] == pytest.approx(best)


def test_jobs_train_together_as_they_would_alone():
    # Three jobs of one shape (one with validation data) form one group; each
    # must end exactly where it ends when trained alone.
    jobs = [
        job(data(40, seed=1), seed=1, epochs=7),
        job(data(48, seed=2), x_val=data(12, seed=3), seed=2, epochs=9, patience=2),
        job(data(44, seed=4), seed=3, epochs=8, beta=0.5, kl_warmup_steps=5),
    ]
    together = train_jobs(jobs)
    for j, (trained, hist) in zip(jobs, together, strict=True):
        vae = trained.materialise()
        alone_vae, alone_hist = fit_job(j)
        np.testing.assert_allclose(hist["loss"], alone_hist["loss"], rtol=1e-5)
        for a, b in zip(weights(vae), weights(alone_vae), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_divergence_raises_with_where_and_why():
    x = np.full((32, 6), 1e19, "float32")
    bad = job(x, output_variance=1e-30)
    with pytest.raises(TrainingDivergedError, match="epoch 1, batch 1.*learning rate"):
        fit_job(bad)


def test_bad_data_is_refused_before_training():
    with pytest.raises(ValueError, match="sample shape"):
        fit_job(job(np.zeros((8, 5), "float32")))
    with pytest.raises(ValueError, match="NaN"):
        fit_job(job(np.full((8, 6), np.nan, "float32")))


@torch_pads_differently
def test_conv_jobs_train_and_match_keras_fit():
    config = {
        "input_shape": [8, 8],
        "encoder": "conv",
        "filters": [4, 8],
        "hidden_units": [8],
        "latent_dim": 2,
        "likelihood": "bernoulli",
    }
    x = np.random.default_rng(0).random((6, 8, 8)).astype("float32")
    plan = BatchPlan(6, 6, 3, seed=2)
    in_order = np.concatenate([x[plan.rows(step)] for step in range(3)])
    reference = VAE(**config, seed=2)
    reference.compile(optimizer=keras.optimizers.Adam(3e-3))
    reference.fit(in_order, epochs=1, batch_size=6, shuffle=False, verbose=0)
    conv_job = TrainingJob(config, x, None, 2, 3, 6, 3e-3, None)
    together = train_jobs([conv_job, TrainingJob(config, x, None, 5, 3, 6, 3e-3, None)])
    ours_vae = together[0][0].materialise()
    for ours, theirs in zip(weights(ours_vae), weights(reference), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
def test_compiled_decode_matches_the_eager_layers(likelihood):
    from smrt_keras.models import inference

    config = {**CONFIG, "likelihood": likelihood}
    a, b = VAE(**config, seed=1), VAE(**config, seed=2)
    for vae in (a, b):
        vae(np.zeros((1, 6), "float32"))
    # One compiled pass serves both models: weights are arguments.
    assert inference.compiled_forward(a.decoder) is inference.compiled_forward(
        b.decoder
    )
    z = np.random.default_rng(0).standard_normal((37, 2)).astype("float32")
    for vae in (a, b):
        eager = keras.ops.convert_to_numpy(vae.decoder(z, training=False))
        if likelihood == "bernoulli":
            eager = 1.0 / (1.0 + np.exp(-eager))
        # 37 rows in chunks of 16: two full chunks and a padded one.
        np.testing.assert_allclose(vae.decode(z, batch_size=16), eager, atol=1e-6)
        x = 1.0 / (1.0 + np.exp(-data(37)))  # in [0, 1] for either likelihood
        means, log_vars = vae.encode(x, batch_size=16)
        eager_means, eager_log_vars = map(
            keras.ops.convert_to_numpy, vae.encoder(x, training=False)
        )
        np.testing.assert_allclose(means, eager_means, atol=1e-6)
        np.testing.assert_allclose(log_vars, eager_log_vars, atol=1e-6)
    assert not np.allclose(a.decode(z), b.decode(z))


@pytest.mark.parametrize(
    "config",
    [
        {**CONFIG, "hidden_units": [16, 8], "dropout": 0.1, "output_variance": 0.5},
        {**CONFIG, "input_shape": [8, 8], "encoder": "conv", "likelihood": "bernoulli"},
    ],
)
def test_jobs_start_from_the_weights_a_fresh_model_would_have(config):
    # The engine draws each job's initial weights from one template model;
    # they must be exactly those of VAE(**config, seed=seed).
    state = engine.initial_state(config, [3, 11])
    for k, seed in enumerate((3, 11)):
        fresh = VAE(**config, seed=seed)
        for value, var in zip(
            state.trainable + state.non_trainable,
            fresh.trainable_variables + fresh.non_trainable_variables,
            strict=True,
        ):
            np.testing.assert_array_equal(
                keras.ops.convert_to_numpy(value)[k],
                keras.ops.convert_to_numpy(var.value),
            )


def test_trained_weights_generate_as_their_keras_model_does():
    from smrt_keras.models.runner import fit_jobs

    ((trained, _),) = fit_jobs([job(data(20), seed=4, epochs=3)])
    assert trained._vae is None  # no Keras model built by training
    z = np.random.default_rng(1).standard_normal((9, 2)).astype("float32")
    decoded, codes, std = (
        trained.decode(z),
        trained.encode(data(9)),
        trained.output_std(),
    )
    vae = trained.materialise()
    np.testing.assert_allclose(decoded, vae.decode(z), atol=1e-6)
    np.testing.assert_allclose(codes[0], vae.encode(data(9))[0], atol=1e-6)
    np.testing.assert_allclose(std, vae.output_std(), atol=1e-6)
    assert "TrainedVAE(encoder='dense', latent_dim=2" in repr(trained)


# Several minority classes of one shape train stacked (a vectorised step)
# with validation rows (100 rows or more), a new architecture each fit, and
# generation of several sizes: every compiled path of fit and generate.
_NO_RETRACE_SCRIPT = """
import numpy as np
from smrt_keras import Reconstructor
y = np.r_[[0] * 240, [1] * 100, [2] * 100]
for d in (2, 3, 4, 5, 6):
    X = np.random.default_rng(d).normal(size=(len(y), d))
    r = Reconstructor(epochs=2, random_state=0).fit(X, y)
    for n in (1, 3, 17, 40):
        r.generate(n)
r = Reconstructor(epochs=1, random_state=0, classes="all").fit(X, y)
r.generate(5)
print("fitted")
"""


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's tf.function and pfor"
)
def test_fit_and_generate_neither_retrace_nor_loop_over_jobs(tmp_path):
    """With TF_CPP_MIN_LOG_LEVEL set by the user, models.quiet filters
    nothing: our fit and generate paths must not retrace a tf.function (one
    trace per architecture and shape) nor make pfor fall back to a loop."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("SMRT")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    run = subprocess.run(
        [sys.executable, "-c", _NO_RETRACE_SCRIPT],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "fitted" in run.stdout
    assert "retracing" not in output, output
    assert "while_loop for converting" not in output, output


def test_noise_drawn_outside_is_the_sampling_layers_draw():
    # The TensorFlow blocks draw each job's sampling noise outside the
    # vectorised step (Program.noise); it must be the layer's own draw.
    program = engine.get_program(CONFIG, 8)
    sampling = program.template.sampling
    seed = keras.ops.convert_to_tensor(np.asarray([7, 3], "int64"))
    seed = keras.ops.cast(seed, sampling.seed_generator.state.dtype)
    noise = keras.ops.convert_to_numpy(program.noise(seed, 5))
    state = sampling.seed_generator.state
    with keras.StatelessScope(state_mapping=[(state, seed)]):
        drawn = keras.random.normal((5, 2), seed=sampling.seed_generator)
    assert noise.shape == (5, 2)
    np.testing.assert_array_equal(noise, keras.ops.convert_to_numpy(drawn))
    z = keras.ops.zeros((5, 2))
    with keras.StatelessScope(state_mapping=[(state, seed)]) as scope:
        out = sampling([z, z], noise=program.noise(seed, 5))
        advanced = scope.get_current_value(state)
    # With noise given, the layer uses it and advances its generator as a
    # draw would.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), noise)
    assert keras.ops.convert_to_numpy(advanced).tolist() == [7, 4]


def test_dropout_and_conv_jobs_train_alone_on_tensorflow():
    dense = {"encoder": "dense", "dropout": 0.0}
    stacked = keras.backend.backend() != "tensorflow"
    assert engine.vectorises(dense)
    assert engine.vectorises({**dense, "dropout": 0.2}) is stacked
    assert engine.vectorises({**dense, "encoder": "conv"}) is stacked
