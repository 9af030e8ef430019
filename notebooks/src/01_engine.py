# %% [markdown]
# # 01 · The engine: values, graphs and backward
#
# A `Value` remembers how it was computed. `backward()` walks that record in reverse and
# applies the chain rule. This notebook builds a tiny expression, checks its gradient by
# hand, and trains micrograd's moons classifier with nothing but an import swapped.

# %%
from autograd_lite import Value, draw_dot

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
L.backward()
print(a.grad, b.grad, c.grad, f.grad)

# %% [markdown]
# By hand: `L = (a*b + c) * f`, so `dL/da = b*f = 6`, `dL/db = a*f = -4`, `dL/dc = f = -2`
# and `dL/df = a*b + c = 4`.

# %% tags=["graph"]
assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)
draw_dot(L)

# %% [markdown]
# ## A neuron, and the conventions at kinks
# `relu'(0)` is taken as 0 and `abs'(0)` as 0. Domain edges raise errors that name the op:

# %%
try:
    Value(-1.0).log()
except ValueError as err:
    print(err)

# %% [markdown]
# ## micrograd's demo, unchanged but for the import

# %%
import random

from autograd_lite.datasets import make_moons
from autograd_lite.nn import MLP

random.seed(1337)
X, y = make_moons(100, noise=0.1, seed=0)
model = MLP(2, [16, 16, 1])


def loss_and_accuracy():
    scores = list(map(model, X))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


for k in range(30):
    total_loss, acc = loss_and_accuracy()
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    if k % 10 == 0:
        print(f"step {k} loss {total_loss.data:.4f}, accuracy {acc * 100:.0f}%")
