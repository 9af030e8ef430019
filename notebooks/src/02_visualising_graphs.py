# %% [markdown]
# # 02 · Visualising gradient graphs
#
# `draw_dot(root)` draws everything `root` depends on: each value is a box
# (label | data | grad), each op a small oval. This notebook shows what the pictures can
# say about backpropagation: the chain rule on the edges, gradients adding up where a value
# is reused, colours for gradient sizes, kinks, big networks, and backward step by step.
#
# Rendering needs graphviz's `dot` program (`sudo apt-get install graphviz` or
# `brew install graphviz`); without it you get one line saying so, and the DOT source.

# %%
from autograd_lite import Value
from autograd_lite.viz import backward_steps, draw_dot, play_backward

a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
f = Value(-2.0, label="f")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * f
L.label = "L"

# %% [markdown]
# ## Before `backward()`: gradients are *not yet computed*, not 0
# A fresh node holds `grad = 0.0`, which looks like "this input does not matter". The
# picture knows better: until a backward pass has reached `L`, every gradient is shown as
# not yet computed. The edges already show the *local* derivatives, straight from the
# rules table: `∂(d*f)/∂d = f = -2`.

# %% tags=["graph"]
draw_dot(L)

# %% [markdown]
# ## After `backward()`: the chain rule on every edge
# Each edge into an op says `∂/∂input = formula = value`, and `back: upstream × local =
# product`, the amount that flows back along it. By hand: `dL/da = b*f = 6`.

# %% tags=["graph"]
L.backward()
assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)
draw_dot(L, edge_labels="chain")

# %% [markdown]
# `grads="compute"` draws d(root)/d(node) without calling backward and without touching
# any `.grad`: handy for a sub-expression, or to compare with what `.grad` holds.

# %% tags=["graph"]
draw_dot(d, grads="compute", rankdir="TB")

# %% [markdown]
# ## Fan-in: gradients add
# `x` is read three times in `y = x*x + x`. Its box shows its gradient as the sum of what
# each use sends back: `7 = 3 + 3 + 1` (that is `2x + 1` at `x = 3`). Unlabelled nodes get
# the names `explain` and the step-through player use (`mul1` here).

# %% tags=["graph"]
x = Value(3.0, label="x")
y = x * x + x
y.label = "y"
y.backward()
draw_dot(y)

# %% [markdown]
# ## Calling `backward()` twice: leaves accumulate
# As in PyTorch, a leaf's `.grad` *adds up* across `backward()` calls, while the edges
# still carry one pass's worth. The picture says so instead of hiding it: `x` holds 14,
# but only `7 = 3 + 3 + 1` flows back in this pass. Call `zero_grad()` between passes.

# %% tags=["graph"]
y.backward()
assert x.grad == 14.0
draw_dot(y)

# %%
y.zero_grad()
y.backward()
assert x.grad == 7.0

# %% [markdown]
# ## Colours: gradient size on a log scale, vanishing and exploding gradients, kinks
# Boxes are filled by |grad| (legend on the left). A chain of saturated `tanh` layers makes
# the gradient *vanish* (dashed blue, ▼); a large factor makes one *explode* (thick red, ▲);
# grey means exactly 0 flows back. An op whose input sits on a kink (`relu` at 0) or where
# the derivative is undefined (`sqrt` at 0) is marked ⚠: there the rules table uses a
# convention, not a true derivative. The numbers written into the expression (the 6s, the
# 5000) are small grey constant nodes, without gradient or marks; label a value to get
# its box.

# %% tags=["graph"]
w = Value(0.9, label="w")
h = w
for _ in range(4):
    h = (h * 6.0).tanh()
h.label = "h"
big = Value(2.0, label="big")
at_kink = Value(0.0, label="k").relu()
out = h + big * 5000.0 + at_kink
out.label = "out"
out.backward()
print(f"w.grad = {w.grad:.3g} (vanishing), big.grad = {big.grad:g} (exploding)")
draw_dot(out, edge_labels="none")

# %% [markdown]
# ## Big graphs: neurons and layers as boxes
# One sample's loss through `MLP(2, [16, 16, 1])` is a picture of 474 nodes (407 values and
# 67 ops): unreadable.
# `draw_dot` finds each neuron (its weights and bias feed one fused `affine` node, followed
# by its activation) and, when the graph does not fit in `max_nodes` (200), draws each
# neuron as one box inside a cluster per layer. Passing the model numbers the boxes as the
# model does, and each layer's cluster says how big the model's layer is. A fully connected
# layer's 16 × 16 edges meet at one junction point.

# %% tags=["graph"]
import random

from autograd_lite.nn import MLP

random.seed(1)
model = MLP(2, [16, 16, 1])
score = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
loss = (score - 1.0) ** 2
loss.label = "loss"
loss.backward()
draw_dot(loss, model=model)

# %% [markdown]
# Or a whole layer per box:

# %% tags=["graph"]
draw_dot(loss, collapse="layers")

# %% [markdown]
# Asking for every node gives a clear message and a hint instead of a useless picture:

# %%
try:
    draw_dot(loss, collapse="none")
except ValueError as err:
    print(err)

# %% [markdown]
# A small network can be drawn in full; its neurons are grouped in clusters:

# %% tags=["graph"]
random.seed(0)
tiny = MLP(2, [2, 1])
tiny_loss = tiny([1.0, -2.0]) ** 2
tiny_loss.label = "loss"
tiny_loss.backward()
draw_dot(tiny_loss, collapse="none", edge_labels="none")

# %% [markdown]
# ## Backward, step by step
# `backward_steps(L)` replays backward one op at a time (with the rules table, leaving
# every `.grad` alone), in the order `explain(L)` reads: `L` first, then each node once all
# its users are done, in the reverse of the order the nodes were made, and then the inputs.
# Each frame highlights the node being processed; gradients not reached yet are shown as
# not yet computed.

# %% tags=["graph"]
steps = backward_steps(L)
for step in steps:
    print(step.text)
steps.draw(2)

# %% [markdown]
# In Jupyter with `ipywidgets` installed, `play_backward(L)` is a play button and a
# slider; without it, the same object displays as a self-contained HTML player.
# `save_html` writes that player to a file that works offline in any browser (buttons,
# slider, arrow keys). Missing folders are made (`out/` is git-ignored in this project).

# %%
path = steps.save_html("out/backward_L.html")
print("saved", path)
play_backward(L)

# %% [markdown]
# ## Saving pictures
# `draw_dot(...)` returns a `graphviz.Digraph`: `.save_as("graph.svg")` (or `.png`, `.pdf`)
# writes the picture and the `.dot` source next to it.

# %%
saved = draw_dot(L).save_as("out/lecture.svg")
print(saved, saved.with_suffix(".dot").exists())
