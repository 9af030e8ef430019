# %% [markdown]
# # 04 · Training toy networks
#
# Backpropagation gives the gradient; *training* is what we do with it. This notebook walks
# through `autograd_lite.nn`: models, losses, the optimizers of the backprop literature,
# learning-rate schedules, regularisation, toy data sets and the `fit` loop, checking the
# important numbers by hand on the way. Everything runs on scalar `Value`s in pure Python.

# %%
import math

from autograd_lite import Value
from autograd_lite.datasets import make_moons, make_sine, make_spirals, train_test_split
from autograd_lite.nn import (
    MLP,
    SGD,
    Adam,
    CosineLR,
    LevenbergMarquardt,
    binary_cross_entropy,
    cross_entropy,
    evaluate,
    fit,
    hinge,
    mse,
    plot_decision_boundary,
    plot_grad_norms,
    plot_history,
)

# %% [markdown]
# ## Data and a model
#
# `make_moons` gives micrograd's demo problem: two interleaved half circles, labels -1/+1.
# `MLP(2, [16, 16, 1])` is micrograd's model: with the default arguments (and the global
# `random.seed`) it starts from exactly micrograd's weights. `seed=` gives the model a
# private generator instead.

# %%
X, y = make_moons(100, noise=0.1, seed=0)
model = MLP(2, [16, 16, 1], seed=0)
print(len(model.parameters()), "parameters; first names:",
      [name for name, _ in model.named_parameters()[:3]])

# %% [markdown]
# ## Losses, checked by hand
#
# Binary cross-entropy from a logit `z` is `-t log s - (1-t) log(1-s)` with `s = sigmoid(z)`;
# it simplifies to `softplus(z) - t z`, which stays finite for any `z`. Its gradient is
# `sigmoid(z) - t`.

# %%
z = Value(0.7)
loss = binary_cross_entropy([z], [1])
loss.backward()
s = 1 / (1 + math.exp(-0.7))
assert math.isclose(loss.data, -math.log(s)) and math.isclose(z.grad, s - 1)
binary_cross_entropy([Value(800.0)], [0]).data   # the textbook form would hit log(0)

# %% [markdown]
# ## An optimizer step, by hand
#
# Adam's first step moves every weight by about `lr` against the sign of its gradient:
# `m = (1-b1) g`, `v = (1-b2) g^2`, bias-corrected to `g` and `g^2`, so the step is
# `lr * g / (|g| + eps)`.

# %%
w = Value(2.0)
opt = Adam([w], lr=0.1)
(w * w).backward()           # gradient 4
opt.step()
w.data                       # 2 - 0.1 * 4 / (4 + 1e-8)

# %% [markdown]
# ## Training on the moons
#
# `fit` runs full-batch (`batch_size=None`), mini-batch or stochastic gradient descent and
# returns a history with the loss, accuracy, learning rate and per-layer gradient norms of
# every step. Here: SGD with momentum on micrograd's max-margin (hinge) loss, stopping as
# soon as every training point is classified correctly. That check comes right after a
# forward pass: the model that reached the target is kept as it is (no backward, no update),
# and its loss and accuracy are the last `epoch_loss` and `epoch_accuracy`. (`accuracy`
# holds one entry per update, each measured before it, so all of them are below the target.)

# %%
history = fit(model, hinge, SGD(model.parameters(), lr=0.1, momentum=0.9), (X, y),
              epochs=100, l2=1e-4, target_accuracy=1.0, progress=False)
print(f"{history.steps} steps, {history.seconds:.2f} s, "
      f"final accuracy {history.epoch_accuracy[-1]:.0%}")

# %% tags=["figure"]
plot_decision_boundary(model, X, y)

# %% tags=["figure"]
plot_history(history)

# %% [markdown]
# The horizontal axis counts the steps made: the first point is the untrained model, and
# the star is the model `fit` returned, measured after its last step.
#
# ## The same run, compiled
#
# `fit(..., compile=True)` traces one sample's loss once and runs every batch through the
# generated code instead of building a graph per sample (see notebook 06, which also
# trains on handwritten digits this way). With the straight-line Python backend the
# gradients are the engine's, bit for bit, so training takes the same steps to the same
# model; only faster. (`compile="numpy"` fuses each layer into a matrix product: faster
# still on bigger data, equal to about 1e-15.)

# %%
compiled_model = MLP(2, [16, 16, 1], seed=0)
compiled_history = fit(compiled_model, hinge,
                       SGD(compiled_model.parameters(), lr=0.1, momentum=0.9), (X, y),
                       epochs=100, l2=1e-4, target_accuracy=1.0, progress=False, compile=True)
print(f"eager: {history.steps} steps in {history.seconds:.2f} s; compiled: "
      f"{compiled_history.steps} steps in {compiled_history.seconds:.2f} s (compiling "
      f"included)")
assert compiled_history.steps == history.steps
assert all(math.isclose(a, b, rel_tol=1e-12)
           for a, b in zip(compiled_history.loss, history.loss))
assert compiled_model.state_dict() == model.state_dict()

# %% [markdown]
# ## Vanishing gradients, seen in the history
#
# In a deep stack of sigmoids each layer multiplies the backward signal by at most 1/4
# (the largest slope of the sigmoid), so the first layers get far smaller gradients than the
# last. tanh with Xavier initialisation and ReLU with He initialisation keep them level.
# `history.grad_norms` (one norm per layer, first layer first) shows this directly. Below,
# three 9-layer networks train for 8 full-batch steps on 40 of the moons; the table gives each
# layer's gradient norm at the first step, first layer on the left.

# %%
deep_runs = {}
for activation, init in (("sigmoid", "xavier"), ("tanh", "xavier"), ("relu", "he")):
    deep = MLP(2, [8] * 8 + [1], activation=activation, init=init, seed=1)
    deep_runs[activation] = fit(deep, mse, SGD(deep.parameters(), lr=0.01), (X[:40], y[:40]),
                                epochs=8, progress=False)
    print(f"{activation:8s}", " ".join(f"{g:.0e}" for g in deep_runs[activation].grad_norms[0]))

# %% [markdown]
# The deep sigmoid network, step by step. What to look at: the lines are stacked in layer
# order, `layers.0` (the first layer) at the bottom and `layers.8` (the output layer) at
# the top, about five orders of magnitude apart on the log scale, and they stay apart: the
# first layers barely learn. The ReLU/He network after it keeps all its layers within one
# order of magnitude of each other (mind its y axis: roughly 0.2 to 2, not 1e-5 to 1).

# %% tags=["figure"]
plot_grad_norms(deep_runs["sigmoid"])

# %% tags=["figure"]
plot_grad_norms(deep_runs["relu"])

# %% [markdown]
# ## Three spirals, cross-entropy and Adam
#
# With more than two classes the network outputs one score per class, and `cross_entropy`
# applies a numerically stable softmax (the largest score is subtracted first).

# %% tags=["figure"]
Xs, ys = make_spirals(300, classes=3, seed=0)
spiral_model = MLP(2, [16, 16, 3], init="he", seed=0)
h = fit(spiral_model, cross_entropy, Adam(spiral_model.parameters(), lr=0.02), (Xs, ys),
        epochs=150, target_accuracy=0.95, progress=False)
print(f"{h.steps} steps to {h.epoch_accuracy[-1]:.0%} training accuracy")
plot_decision_boundary(spiral_model, Xs, ys, resolution=40)

# %% [markdown]
# ## Levenberg-Marquardt on a regression
#
# For a least-squares loss, LM uses the Jacobian of the residuals (one backward pass per
# residual) and solves `(J^T J + lambda I) d = -J^T r`: Gauss-Newton steps when they work,
# small gradient steps when they do not. On a small network fitting a noisy sine it needs far
# fewer iterations than gradient descent.

# %%
Xr, yr = make_sine(20, noise=0.05, seed=0)
net = MLP(1, [6, 1], activation="tanh", init="xavier", seed=0)
lm = LevenbergMarquardt(net.parameters(), lambda: [net(x) - t for x, t in zip(Xr, yr)])
errors = [lm.step() for _ in range(15)]
print("LM, mean squared error after 1, 5, 15 steps:",
      [round(errors[k] / len(Xr), 4) for k in (0, 4, 14)])
gd_net = MLP(1, [6, 1], activation="tanh", init="xavier", seed=0)
h = fit(gd_net, mse, Adam(gd_net.parameters(), lr=0.05), (Xr, yr), epochs=15, progress=False)
print("Adam, mean squared error after 15 steps:", round(h.loss[-1], 4))

# %% [markdown]
# ## Schedules, validation and early stopping
#
# A cosine schedule lowers the learning rate smoothly; `patience` stops when the validation
# loss has not improved for that many epochs and puts back the best parameters. The
# accuracy to report is that of the model `fit` returns, measured again with `evaluate`
# (`h.val_accuracy[-1]` belongs to the last epoch run, not to the best one).

# %%
X_train, X_val, y_train, y_val = train_test_split(X, y, test_fraction=0.3, seed=0)
m2 = MLP(2, [16, 16, 1], seed=3)
opt2 = Adam(m2.parameters(), lr=0.05)
h = fit(m2, hinge, opt2, (X_train, y_train), epochs=30, batch_size=10,
        schedule=CosineLR(opt2, total=30), validation=(X_val, y_val), patience=8,
        progress=False)
print(f"epochs run: {len(h.epoch_loss)}, stopped early: {h.stopped_early} {h.stop_reason}")
val_loss, val_acc = evaluate(m2, hinge, (X_val, y_val))
if h.stopped_early:     # the best parameters were put back: their loss is the best seen
    assert math.isclose(val_loss, min(h.val_loss))
print(f"best validation loss seen {min(h.val_loss):.4f}; the model returned: validation "
      f"loss {val_loss:.4f}, accuracy {val_acc:.0%}")

# %% [markdown]
# ## Checkpoints
#
# `save` writes plain JSON atomically (a temporary file, then a rename); `load` checks the
# architecture and every value before changing anything.

# %%
import os
import tempfile

path = os.path.join(tempfile.mkdtemp(), "moons.json")
model.save(path)
copy = MLP(2, [16, 16, 1], seed=99).load(path)
assert all(a.data == b.data for a, b in zip(copy.parameters(), model.parameters()))
try:
    MLP(2, [8, 1]).load(path)
except ValueError as err:
    print(err)
