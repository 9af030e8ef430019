# %% [markdown]
# # 06 · Compiled batch mode: from moons to handwritten digits
#
# The engine builds a fresh graph for every sample of every step: for micrograd's demo,
# about 8,000 nodes a step, each a Python object. That is what makes it easy to look at,
# and what makes it slow. But a network computes *the same graph* for every sample, only
# with other numbers. `compile` runs your loss once, on one sample, records the graph it
# builds (with the model's parameters as its inputs) and writes it out as code:
#
# * **straight-line Python**: one line per node, forward and backward, run for each
#   sample of the batch (no dependency at all);
# * **fused numpy**: the neurons of a layer read the same inputs, so they become one
#   matrix product; the ReLUs of a layer one array operation.
#
# Calling the result with a batch gives the batch loss and fills every parameter's `.grad`
# with exactly the numbers `backward()` would have put there. This notebook shows the code
# a small network becomes, checks it against the engine, and then trains a network on real
# data: 1,797 handwritten digits.

# %%
import math
import random
import time

import matplotlib.pyplot as plt

import autograd_lite as al
from autograd_lite import Value
from autograd_lite.compiler import compile, compile_loss
from autograd_lite.data import load_digits
from autograd_lite.datasets import make_moons, train_test_split
from autograd_lite.nn import MLP, Adam, argmax_accuracy, cross_entropy, l2_penalty

# %% [markdown]
# ## What a scalar graph becomes
#
# One sample's loss is micrograd's SVM loss, `relu(1 - y * score)`. `compile` takes the
# function and one example sample, `x = [x0, x1]` and its label `y`. A float is *traced*:
# it is an input of the compiled code. (A bare int, like a class label, would be a
# *static* value: one program per label.)

# %%
model = MLP(2, [2, 1], seed=0)
params = model.parameters()


def sample_loss(x, y):
    return (1 + -y * model(x)).relu()


step = compile(sample_loss, [0.5, -0.2], 1.0, params=model)
print(step.source)
# The loop over the samples runs last to first, as the text below says.
assert "for i in reversed(range(len(L))):  # last sample first" in step.source

# %% [markdown]
# Read it from the top: the parameters' numbers are unpacked once per call (`p0 ...`),
# then a loop runs over the samples, last sample first, which is the order in which
# `backward()` meets them (its walk visits nodes in the reverse of the order they were
# made), so that every gradient is added up in the engine's order.
# Each fused neuron is one line (`affine`: `b + w1*x1 + w2*x2`), each ReLU another.
# The backward pass starts at the loss with `g = c` (d(mean)/d(this sample's loss) =
# 1/n) and applies the local derivatives from the rules table, line by line.
#
# It is *nested*: everything a node's gradient reaches sits inside `if g...:`. When a
# sample is classified with margin, the hinge's ReLU passes no gradient and the sample's
# whole backward pass is skipped, as the engine would skip it.
#
# Now the same batch, compiled and eager. The compiled numbers are the engine's, bit for
# bit:

# %%
X, y = make_moons(100, noise=0.1, seed=0)
labels = [float(t) for t in y]

model.zero_grad()
compiled_loss = step(X, labels)
compiled_grads = [p.grad for p in params]

model.zero_grad()
eager_loss = al.sum([sample_loss(x, t) for x, t in zip(X, labels)]) * (1.0 / len(X))
eager_loss.backward()
print(f"loss: compiled {compiled_loss!r}, eager {eager_loss.data!r}")
for p, g in zip(params, compiled_grads):
    print(f"  grad {g: .12f}  eager {p.grad: .12f}")
assert compiled_loss == eager_loss.data
assert compiled_grads == [p.grad for p in params]

# %% [markdown]
# ## Guards: decisions taken from the data
#
# Python `if`s cannot be traced: the trace sees only the branch the example took. So the
# tracer watches the numbers: a comparison of a traced value (`x > 0`, `x.data > 0`,
# `bool(...)`) becomes a **guard**, checked again for every sample. A sample that fails a
# guard gets its own trace: one program per branch.

# %%
w = Value(0.5, label="w")


def branchy(x):
    if x.data > 0:
        return (w * x).log()
    return (w * x) ** 2


guarded = compile(branchy, 2.0)
print("guards of the first program:", guarded.guards[0])
w.grad = 0.0
value = guarded([3.0, -1.0, 0.5, -2.0])
print(f"loss {value:.6f}, dL/dw = {w.grad}, programs traced: {len(guarded.programs)}")
# By hand: mean of d/dw log(w x) = 1/w for x > 0 and d/dw (w x)^2 = 2 w x^2 otherwise.
assert math.isclose(w.grad, (1 / 0.5 + 1 / 0.5 + 2 * 0.5 * 1 + 2 * 0.5 * 4) / 4)
assert len(guarded.programs) == 2

# %% [markdown]
# `max` of traced numbers is followed rather than guarded: `cross_entropy` subtracts the
# largest score before `exp` (so that nothing overflows), and the compiled code recomputes
# that maximum for every sample. Anything the tracer cannot follow (`math.exp(x.data)`,
# a random draw) is refused at compile time or pinned by an exact guard: the compiled
# loss never returns a number the engine would not. A value outside an op's domain, an
# overflow or a non-finite gradient sends the batch to the engine, which raises its own
# error, naming the op.

# %%
log_loss = compile(lambda x: (w * x).log(), 1.0)
try:
    log_loss([1.0, -2.0])
except ValueError as error:
    print(f"{type(error).__name__}: {error}")

# %% [markdown]
# ## Layers fused: the numpy backend
#
# `backend="numpy"` runs the whole batch at once. Affine nodes that read the same inputs
# are the neurons of one layer: their weights are gathered from the parameter vector `P`
# into a matrix, and the layer is one matrix product. Here is micrograd's demo network:

# %%
random.seed(1337)
demo = MLP(2, [16, 16, 1])
demo_params = demo.parameters()


def demo_loss(x, y):
    return (1 + -y * demo(x)).relu()


fused = compile(demo_loss, X[0], labels[0], backend="numpy", params=demo,
                penalty=lambda: l2_penalty(demo_params, 1e-4))
print(fused.source)

# %% [markdown]
# How much does it save? Timing one training step (forward, backward and an SGD update
# of the parameters, which stay `Value`s) on the 100 moons, eagerly and compiled:

# %%
python_step = compile(demo_loss, X[0], labels[0], params=demo,
                      penalty=lambda: l2_penalty(demo_params, 1e-4))


def eager_step():
    demo.zero_grad()
    loss = al.sum([demo_loss(x, t) for x, t in zip(X, labels)]) * (1.0 / len(X))
    (loss + l2_penalty(demo_params, 1e-4)).backward()


def timed(f, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


runs = {"eager": eager_step,
        "compiled, straight-line Python": lambda: python_step(X, labels, zero_grad=True),
        "compiled, fused numpy": lambda: fused(X, labels, zero_grad=True)}
times = {name: timed(f) for name, f in runs.items()}
for name, t in times.items():
    print(f"{name:<32} {t * 1e3:8.2f} ms   {times['eager'] / t:6.1f}x faster than eager")
assert times["compiled, fused numpy"] < times["eager"]

# %% [markdown]
# (`make bench` measures these against the pure-Python floor and PyTorch, with BLAS
# pinned to one thread.)
#
# ## Real data: handwritten digits
#
# The UCI *optdigits* set: 1,797 images of 8x8 pixels, by E. Alpaydin and C. Kaynak
# (1998), under CC BY 4.0 and shipped with autograd_lite. `load_digits` scales pixels to
# [0, 1]. A quarter of the images are kept aside to test on.

# %% tags=["figure"]
digits_X, digits_y = load_digits()
X_train, X_test, y_train, y_test = train_test_split(digits_X, digits_y, 0.25, seed=0)
print(f"{len(X_train)} training images, {len(X_test)} test images")

fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for ax, image, digit in zip(axes, digits_X[:10], digits_y[:10]):
    ax.imshow([image[r * 8:(r + 1) * 8] for r in range(8)], cmap="gray_r")
    ax.set_title(str(digit))
    ax.axis("off")
plt.show()

# %% [markdown]
# The model is an `MLP(64, [64, 10])`: 4,810 parameters, ten class scores, trained with
# cross-entropy. `compile_loss(model, loss, ...)` is the entry point for a batch loss
# such as `cross_entropy`: the label picks the score to subtract, so it is static and
# each digit gets its own program (ten in all). Each step compiles nothing new: it runs
# the fused code on a mini-batch of 128 images and Adam updates the parameters from
# their `.grad`, exactly as it would after `backward()`.

# %%
model = MLP(64, [64, 10], init="he", seed=0)
optimizer = Adam(model.parameters(), lr=0.01)
start = time.perf_counter()
compiled = compile_loss(model, cross_entropy, X_train[:1], y_train[:1], backend="numpy")

rng = random.Random(0)
order = list(range(len(X_train)))
history = []
for epoch in range(20):
    rng.shuffle(order)
    for k in range(0, len(order), 128):
        batch = order[k:k + 128]
        optimizer.zero_grad()
        loss = compiled.step([X_train[i] for i in batch], [y_train[i] for i in batch])
        optimizer.step()
    test_loss, predictions = compiled.evaluate(X_test, y_test)
    history.append((loss, test_loss, argmax_accuracy(predictions, y_test)))
seconds = time.perf_counter() - start

accuracy = history[-1][2]
print(f"test accuracy {accuracy:.1%} after {len(history)} epochs, {seconds:.1f} s in all "
      f"(compiling included); {len(compiled.compiled.programs)} programs")
assert accuracy >= 0.95  # the time is measured (printed above), never asserted

# %% [markdown]
# For scale: one eager step on a mini-batch of 128 images builds a graph of about 180,000
# nodes. Here is one, for the same mini-batch, against the compiled step:

# %%
batch = list(range(128))
start = time.perf_counter()
model.zero_grad()
cross_entropy([model(X_train[i]) for i in batch], [y_train[i] for i in batch]).backward()
eager_seconds = time.perf_counter() - start
start = time.perf_counter()
compiled.step([X_train[i] for i in batch], [y_train[i] for i in batch])
compiled_seconds = time.perf_counter() - start
print(f"eager {eager_seconds * 1e3:.0f} ms, compiled {compiled_seconds * 1e3:.1f} ms: "
      f"{eager_seconds / compiled_seconds:.0f}x")
model.zero_grad()

# %% tags=["figure"]
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
epochs = range(1, len(history) + 1)
ax_loss.plot(epochs, [h[0] for h in history], label="last training batch")
ax_loss.plot(epochs, [h[1] for h in history], label="test set")
ax_loss.set(title="cross-entropy", xlabel="epoch", yscale="log")
ax_loss.legend()
ax_acc.plot(epochs, [h[2] for h in history])
ax_acc.set(title="test accuracy", xlabel="epoch", ylim=(0.8, 1.0))
plt.show()

# %% [markdown]
# ## The ones it gets wrong
#
# The predictions come back from the compiled code as ten scores per image. The images
# whose highest score is not the true digit:

# %% tags=["figure"]
wrong = [i for i, scores in enumerate(predictions)
         if max(range(10), key=lambda d: scores[d]) != y_test[i]]
print(f"{len(wrong)} of {len(X_test)} test images misclassified")

shown = wrong[:16]
fig, axes = plt.subplots(2, 8, figsize=(12, 3.6))
for ax in axes.flat:
    ax.axis("off")
for ax, i in zip(axes.flat, shown):
    guess = max(range(10), key=lambda d: predictions[i][d])
    ax.imshow([X_test[i][r * 8:(r + 1) * 8] for r in range(8)], cmap="gray_r")
    ax.set_title(f"{y_test[i]} read as {guess}", fontsize=10)
fig.suptitle("misclassified test digits: true digit, then the network's answer")
plt.show()
assert len(wrong) == round((1 - accuracy) * len(X_test))

# %% [markdown]
# Many of these are hard for people too. The compiled code is a teaching artifact as much
# as a speed-up: `compiled.compiled.source` is the program your network became, and
# `compiled.compiled.guards` lists what each program assumes about the data.
#
# *Data: Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits.
# UCI Machine Learning Repository, https://doi.org/10.24432/C50P49 (CC BY 4.0).*

# %% [markdown]
# ## All of it in one call: `fit(..., compile=True)`
#
# The loop above is what `fit` does for you when you pass `compile=`: it compiles the
# batch loss once (`compile_loss`), runs every mini-batch through the compiled code, lets
# the optimizer step from `.grad`, and measures the validation data through the compiled
# code too. `compile=True` uses the straight-line Python backend: no dependency, and the
# same numbers as the engine, bit for bit; `compile="numpy"` uses the fused one (about
# three times faster here). A smaller network this time, `MLP(64, [32, 10])`, with the
# test images as validation data:

# %%
from autograd_lite import no_grad
from autograd_lite.nn import fit, plot_history

digits_model = MLP(64, [32, 10], init="he", seed=0)
start = time.perf_counter()
digits_history = fit(digits_model, cross_entropy, Adam(digits_model.parameters(), lr=0.01),
                     (X_train, y_train), epochs=12, batch_size=64,
                     validation=(X_test, y_test), compile=True, progress=False)
fit_seconds = time.perf_counter() - start
fit_accuracy = digits_history.val_accuracy[-1]
print(f"fit(..., compile=True): test accuracy {fit_accuracy:.1%} after "
      f"{digits_history.steps} steps ({len(digits_history.epoch_loss)} epochs), "
      f"{fit_seconds:.1f} s in all, compiling included")

# The same test accuracy, measured without the compiled code: the engine's own forward
# pass on every test image, and the highest of its ten scores picked by hand.
with no_grad():
    eager_scores = [[score.data for score in digits_model(x)] for x in X_test]
eager_guesses = [max(range(10), key=lambda d: scores[d]) for scores in eager_scores]
eager_accuracy = sum(g == t for g, t in zip(eager_guesses, y_test)) / len(y_test)
print(f"measured eagerly: {eager_accuracy:.1%}")
assert eager_accuracy == fit_accuracy >= 0.95

# %% [markdown]
# `fit` keeps the history as it always does: the loss of every mini-batch and, after each
# epoch, the loss and accuracy on the validation images.

# %% tags=["figure"]
plot_history(digits_history)

# %% [markdown]
# And the test digits this network gets wrong, with the true digit and its answer:

# %% tags=["figure"]
fit_wrong = [i for i, (guess, digit) in enumerate(zip(eager_guesses, y_test)) if guess != digit]
print(f"{len(fit_wrong)} of {len(X_test)} test images misclassified")
fig, axes = plt.subplots(2, 8, figsize=(12, 3.6))
for ax in axes.flat:
    ax.axis("off")
for ax, i in zip(axes.flat, fit_wrong[:16]):
    ax.imshow([X_test[i][r * 8:(r + 1) * 8] for r in range(8)], cmap="gray_r")
    ax.set_title(f"{y_test[i]} read as {eager_guesses[i]}", fontsize=10)
fig.suptitle("trained by fit(..., compile=True): misclassified test digits")
plt.show()
assert len(fit_wrong) == round((1 - fit_accuracy) * len(X_test)) > 0
