# %% [markdown]
# # 01 · Backpropagation by hand, checked
#
# This notebook walks the path of micrograd's lecture ("The spelled-out intro to neural
# networks and backpropagation") with autograd_lite, and every claim is checked by an
# `assert`: the derivative as a slope, the chain rule done by hand on `L = (a*b + c) * f`
# and **graded by `check_answers`** (a deliberate mistake included), why gradients
# accumulate, why backward needs a topological order, a `tanh` neuron stepped node by node,
# and a small network trained with a hand-written loop.

# %%
import math

from autograd_lite import Value, draw_dot, topological_order
from autograd_lite.answers import check_answers

# %% [markdown]
# ## 1. A derivative is a slope
#
# For `f(x) = 3x² - 4x + 5`, nudge `x` by a tiny `h` and see how much `f` moves: the ratio
# tends to the derivative `f'(x) = 6x - 4`. At `x = 3` that is `14`; at `x = -3`, `-22`;
# at `x = 2/3` the slope is `0` (the bottom of the parabola).


# %%
def f(x):
    return 3 * x**2 - 4 * x + 5


h = 1e-6
for x, by_hand in [(3.0, 14.0), (-3.0, -22.0), (2 / 3, 0.0)]:
    slope = (f(x + h) - f(x)) / h
    print(f"x = {x:.4g}: (f(x + h) - f(x))/h = {slope:.6f}, 6x - 4 = {6 * x - 4:.4g}")
    assert abs(slope - by_hand) < 1e-4

# %% tags=["figure"]
import matplotlib.pyplot as plt

xs = [i / 10 for i in range(-50, 51)]
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(xs, [f(x) for x in xs], label="f(x) = 3x² - 4x + 5")
ax.plot([1.5, 4.5], [20 + 14 * (t - 3) for t in (1.5, 4.5)], "--",
        label="slope 14 at x = 3")
ax.scatter([3], [f(3)], zorder=3)
ax.legend()
plt.show()

# %% [markdown]
# With several inputs, each has its own slope. For `d = a*b + c` at `a = 2, b = -3, c = 10`,
# nudging `a` moves `d` by `b = -3` per unit, nudging `b` by `a = 2`, nudging `c` by `1`.

# %%
a, b, c = 2.0, -3.0, 10.0
d1 = a * b + c
slopes = {"a": ((a + h) * b + c - d1) / h,
          "b": (a * (b + h) + c - d1) / h,
          "c": (a * b + (c + h) - d1) / h}
print(slopes)
assert abs(slopes["a"] - b) < 1e-4 and abs(slopes["b"] - a) < 1e-4
assert abs(slopes["c"] - 1.0) < 1e-4

# %% [markdown]
# ## 2. The lecture's expression, and backpropagation by hand
#
# `Value` records how each number was made. Here is the lecture's `L = (a*b + c) * f`, with
# the intermediate values named `e = a*b` and `d = e + c`:

# %% tags=["graph"]
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"
assert (e.data, d.data, L.data) == (-6.0, 4.0, -8.0)
draw_dot(L)

# %% [markdown]
# Now the chain rule by hand, from `L` back to the leaves, writing each gradient into
# `.grad` as the lecture does:
#
# - `dL/dL = 1`.
# - `L = d * f`, so `dL/dd = f = -2` and `dL/df = d = 4`.
# - `d = e + c`, so `dd/de = dd/dc = 1`: a plus node passes the gradient through,
#   `dL/de = dL/dc = -2`.
# - `e = a * b`, so `dL/da = dL/de * b` and `dL/db = dL/de * a`.
#
# The last line below holds a deliberate slip, the most common one with products: the
# node's own value instead of the other factor.

# %%
L.grad = 1.0
d.grad = f.data                 # -2
f.grad = d.data                 # 4
e.grad = d.grad * 1.0           # -2
c.grad = d.grad * 1.0           # -2
a.grad = e.grad * a.data        # the slip: should be e.grad * b.data
b.grad = e.grad * a.data        # -4

# %% [markdown]
# `check_answers(L)` grades the `.grad` values set by hand (without changing them) against
# the chain rule, in backward order, and names the node where the mistake was made:

# %% tags=["table"]
report = check_answers(L)
assert report.first_wrong == "a" and report["a"].mistake == "own_value"
assert [r.name for r in report.wrong] == ["a"]
assert "∂e/∂a is the other factor, b = -3, not a itself (a = 2)" in report["a"].diagnosis
assert a.grad == -4.0           # grading changed nothing
report

# %% [markdown]
# The picture marks each node: green for right, red for wrong, a thick red border (and red
# edges) where the mistake was made.

# %% tags=["graph"]
report.draw()

# %% [markdown]
# Fixed, everything passes. By hand: `dL/da = -2 * -3 = 6` and `dL/db = -2 * 2 = -4`.

# %%
a.grad = e.grad * b.data
report = check_answers(L)
assert report.passed and a.grad == 6.0
print(report)

# %% [markdown]
# The same numbers by nudging: bump one leaf by `h`, recompute `L`, and divide the change
# by `h` (the lecture's check).


# %%
def L_with(**bumped):
    values = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
    for name, bump in bumped.items():
        values[name] += bump
    return (values["a"] * values["b"] + values["c"]) * values["f"]


for node in (a, b, c, f):
    numeric = (L_with(**{node.label: h}) - L_with()) / h
    print(f"dL/d{node.label}: by hand {node.grad}, by nudging {numeric:.6f}")
    assert abs(numeric - node.grad) < 1e-4

# %% [markdown]
# Answers can also be formulas in the graph's own names. A formula is checked at the
# graph's values *and* at other points (the graph replayed with other leaf values), so a
# formula that is right here only by accident is caught, and the report says where it fails:

# %% tags=["table"]
assert check_answers(L, {"d": "f", "f": "d", "e": "f", "c": "f", "a": "f*b", "b": "f*a"}).passed
accident = check_answers(L, {"a": "-2*b"})      # -2 is dL/de here, but not everywhere
assert accident["a"].value == 6.0 and accident["a"].verdict == "wrong"
assert accident["a"].point is not None and accident["a"].point["f"] != -2.0
assert "Moving f alone already breaks it" in accident["a"].diagnosis
accident

# %% [markdown]
# One step of gradient ascent: nudging every leaf a little along its gradient makes `L`
# larger, from `-8` to `-7.286496` (the lecture's number).

# %%
for leaf in (a, b, c, f):
    leaf.data += 0.01 * leaf.grad
e2 = a * b
L2 = (e2 + c) * f
print(L2.data)
assert abs(L2.data - (-7.286496)) < 1e-9 and L2.data > -8.0

# %% [markdown]
# ## 3. Gradients accumulate: `b = a + a`
#
# When a value is used twice, its gradient is the **sum** of what each use sends back.
# With `b = a + a`, `db/da = 1 + 1 = 2`. Writing `a.grad = ...` (instead of `+=`) for each
# use keeps only the last one and gives `1`: the bug the lecture finds in its first
# `backward`. autograd_lite adds up:

# %%
a = Value(3.0, label="a")
b = a + a
b.label = "b"
b.backward()
assert a.grad == 2.0
one_use = check_answers(b, {"a": 1.0})
assert one_use.first_wrong == "a" and one_use["a"].mistake == "missing_sum"
print(one_use["a"].diagnosis)

# %% [markdown]
# The same with two different uses, the lecture's `a = -2, b = 3`, `d = a*b`, `e = a + b`,
# `f = d*e`. By hand: `df/da = e*b + d*1 = 3 - 6 = -3` and `df/db = e*a + d = -2 - 6 = -8`.

# %%
a, b = Value(-2.0, label="a"), Value(3.0, label="b")
d = a * b
d.label = "d"
e = a + b
e.label = "e"
f = d * e
f.label = "f"
f.backward()
print(a.grad, b.grad)
assert (a.grad, b.grad) == (-3.0, -8.0)

# %% [markdown]
# Because gradients add up, `.grad` also keeps what an *earlier* backward left there: call
# `zero_grad()` (or set `.grad = 0`) before each backward. `check_answers` recognises a
# gradient counted twice:

# %%
f.backward()                                     # a second backward without zero_grad
twice = check_answers(f)
assert (a.grad, b.grad) == (-6.0, -16.0)
assert twice["a"].mistake == "accumulated"
print(twice["a"].diagnosis)
f.zero_grad()

# %% [markdown]
# ## 4. Why a topological order
#
# A node may pass its gradient back only once every node that uses it has passed back to
# it. Sorting the graph so that each node comes after its inputs, then walking that order
# backwards, guarantees it:

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"
order = topological_order(L)
print([node.label for node in order])
position = {node: i for i, node in enumerate(order)}
assert all(position[p] < position[node] for node in order for p in node.parents)

# %% [markdown]
# The lecture sorts with a recursive function. Python limits recursion to about a thousand
# calls, so a chain of 10,000 operations (an unrolled loop, a long sequence) breaks it.
# autograd_lite's walks are iterative:


# %%
def build_topo_recursively(v, topo, visited):
    if v not in visited:
        visited.add(v)
        for child in v.parents:
            build_topo_recursively(child, topo, visited)
        topo.append(v)
    return topo


x = Value(1.0, label="x")
y = x
for _ in range(10_000):
    y = y * 1.0
try:
    build_topo_recursively(y, [], set())
    recursion_failed = False
except RecursionError as err:
    recursion_failed = True
    print("recursive sort:", type(err).__name__, "-", err)
assert recursion_failed
y.backward()
assert x.grad == 1.0
assert len(topological_order(y)) == 20_001      # x, then a constant 1.0 and a product per step
print("autograd_lite: backward through 10,000 nodes, x.grad =", x.grad)

# %% [markdown]
# ## 5. A neuron, one node at a time
#
# The lecture's neuron: inputs `x1, x2`, weights `w1, w2`, bias `b`, output
# `o = tanh(x1*w1 + x2*w2 + b)`. The bias is chosen so that `n = 0.8814` and
# `o = tanh(n) = 1/√2 = 0.7071`.

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1*w1 + x2*w2"
n = x1w1x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
assert abs(o.data - 1 / math.sqrt(2)) < 1e-15

# %% [markdown]
# Each node's `_backward()` applies its own local step of the chain rule: it adds
# `node.grad * d(node)/d(input)` to each input's `.grad`. Seed `o.grad = 1` and call them
# from the output back, as the lecture does. By hand: `do/dn = 1 - o² = 0.5`; a plus node
# passes `0.5` to `b` and to `x1*w1 + x2*w2` and on to both products; then
# `do/dx1 = w1 * 0.5 = -1.5`, `do/dw1 = x1 * 0.5 = 1`, `do/dx2 = w2 * 0.5 = 0.5` and
# `do/dw2 = x2 * 0.5 = 0` (the input `x2` is 0, so `w2` cannot matter).

# %%
o.grad = 1.0
o._backward()
assert abs(n.grad - 0.5) < 1e-15
n._backward()
x1w1x2w2._backward()
x1w1._backward()
x2w2._backward()
hand = {x1: -1.5, w1: 1.0, x2: 0.5, w2: 0.0, b: 0.5}
for node, value in hand.items():
    print(f"do/d{node.label} = {node.grad:.6f}")
    assert abs(node.grad - value) < 1e-12
assert check_answers(o).passed

# %% tags=["graph"]
draw_dot(o)

# %% [markdown]
# The node-by-node calls are what `backward()` does, in topological order, from a clean
# slate:

# %%
stepped = {node: node.grad for node in hand}
o.zero_grad()
o.backward()
assert all(node.grad == stepped[node] for node in hand)

# %% [markdown]
# ## 6. tanh from exp: same function, same gradients
#
# `tanh(n) = (e^(2n) - 1) / (e^(2n) + 1)`. Built from `exp`, `-`, `+` and `/`, the graph is
# larger, but the chain rule through it gives the same gradients: the level of detail at
# which operations are written is up to us, as long as each knows its local derivative.

# %%
leaves = {name: Value(v.data, label=v.label) for name, v in
          {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}.items()}
n2 = leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]
n2.label = "n"
e2n = (2 * n2).exp()
e2n.label = "e2n"
o2 = (e2n - 1) / (e2n + 1)
o2.label = "o"
o2.backward()
assert abs(o2.data - o.data) < 1e-15
by_tanh = {node.label: node.grad for node in hand}
for name, node in leaves.items():
    print(f"do/d{name}: through tanh {by_tanh[name]:.6f}, through exp {node.grad:.6f}")
    assert abs(node.grad - by_tanh[name]) < 1e-12

# %% tags=["graph"]
draw_dot(o2)

# %% [markdown]
# ## 7. A small network and a hand-written training loop
#
# `MLP(3, [4, 4, 1])` with `tanh` everywhere, as in the lecture, on its four samples with
# targets `±1`. The loop is the lecture's: forward, squared-error loss, zero the
# gradients, backward, step against the gradient.

# %%
from autograd_lite.nn import MLP

xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=1337)
print(len(model.parameters()), "parameters")   # (3+1)*4 + (4+1)*4 + (4+1)*1
assert len(model.parameters()) == 41

losses = []
for k in range(40):
    ypred = [model(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data += -0.05 * p.grad
    losses.append(loss.data)
    if k % 10 == 0:
        print(f"step {k:2d}  loss {loss.data:.4f}")
print("predictions:", [round(y.data, 3) for y in ypred])
assert losses[-1] < 0.1 * losses[0]
assert all((y.data > 0) == (t > 0) for y, t in zip(ypred, ys))

# %% [markdown]
# One sample's loss can be checked by hand like any other graph. The gradient of the loss
# with respect to the network's output `y` is `2*(y - target)`:

# %%
y_out = model(xs[0])
y_out.label = "y"
one = (y_out - ys[0]) ** 2
one.label = "loss"
grade = check_answers(one, {"y": "2*(y - 1)"})
assert grade.passed and grade["y"].expected == 2 * (y_out.data - 1)
print(grade)

# %% [markdown]
# ## Try it yourself
#
# `exercise(level, seed)` makes a fresh expression to differentiate by hand (levels `op`,
# `chain`, `fan-out`, `neuron`, `network`); `.check(answers)` grades it as above, and
# `.latex()` prints it for a worksheet. In the step-through player,
# `play_backward(root, answer_mode=True)` asks for each gradient before the step that
# computes it.

# %%
from autograd_lite.exercises import exercise

ex = exercise("fan-out", seed=7)
print(ex)
key = ex.answers
attempt = {name: key[name] for name in ex.backward_names()[:3]}
assert ex.check(attempt).passed

# %% [markdown]
# ## Where next
#
# - **02 · Visualising graphs**: `draw_dot` in depth, neurons collapsed into boxes, and the
#   step-through player.
# - **03 · Checking by hand**: chain-rule transcripts (`explain`), `gradcheck`, your own ops
#   with your own derivatives, and anomaly mode.
# - **04 · Training**: losses, optimizers, schedules and `fit` on toy datasets.
# - **05 · Backprop and its alternatives**: what the articles claim about backpropagation,
#   measured.
