"""
A mixed-type table
==================

Categories, text, flags and counts go in as they are: each class's VAE gives
every column its own likelihood (a softmax over the levels the class shows, a
Bernoulli for flags, a Gaussian for numbers), and the resampled DataFrame
comes back with the same columns, dtypes and category sets.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from smrt_keras import Reconstructor
from smrt_keras.evaluation import column_fidelity

rng = np.random.default_rng(0)
n = 400
churned = rng.random(n) < 0.1
churn = pd.DataFrame(
    {
        "plan": pd.Categorical(
            np.where(
                churned,
                rng.choice(["basic", "pro"], n, p=[0.8, 0.2]),
                rng.choice(["basic", "pro", "max"], n),
            )
        ),
        "region": rng.choice(["north", "south", "east", "west"], n),
        "autopay": rng.random(n) < np.where(churned, 0.2, 0.7),
        "tenure": np.where(churned, rng.integers(1, 12, n), rng.integers(6, 72, n)),
        "spend": np.round(rng.gamma(2.0, np.where(churned, 15.0, 30.0)), 2),
    }
)
y = churned.astype(int)
print(churn.dtypes)

# %%
# Resample
# --------
smrt = Reconstructor(epochs=30, random_state=0)
X_res, y_res = smrt.fit_resample(churn, y)
print(X_res.dtypes.equals(churn.dtypes), y_res.sum(), "churned rows now")
synthetic = X_res.iloc[len(churn) :]
print(synthetic.head())

# %%
# How close is the synthetic class?
# ---------------------------------
# Per column: the total variation distance of categories and flags, the
# Kolmogorov-Smirnov statistic of numbers (0 is identical).
real = churn[y == 1]
scores = column_fidelity(real, synthetic)
print({k: round(v, 3) for k, v in scores.items() if not isinstance(v, dict)})

fig, axes = plt.subplots(1, 2, figsize=(8, 3))
pd.DataFrame(
    {
        "real": real["plan"].value_counts(normalize=True),
        "SMRT": synthetic["plan"].value_counts(normalize=True),
    }
).plot.bar(ax=axes[0], title="plan, churned class")
axes[1].hist(
    [real["tenure"], synthetic["tenure"]], bins=12, density=True, label=["real", "SMRT"]
)
axes[1].set_title("tenure, churned class")
axes[1].legend()
fig.tight_layout()
