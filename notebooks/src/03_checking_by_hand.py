# %% [markdown]
# # 03 · Checking derivatives by hand
#
# You derived a gradient on paper. Is it right? This notebook shows how autograd_lite helps:
# a transcript of every chain-rule step with numbers (`explain`), the expression as a formula
# (`formula`, `latex`), numeric checks (`gradcheck`, `gradgradcheck`, `check_graph`),
# higher-order derivatives (`grad`, `derivative`, `hessian`, `jvp`), your own ops with your
# own derivatives (`custom_op`), and anomaly mode, which points at the line that made a NaN
# or an inf.

# %%
import math

from autograd_lite import Value, detect_anomaly, sigmoid
from autograd_lite.checks import (
    NodeCheck,
    check_graph,
    custom_op,
    gradcheck,
    gradgradcheck,
    unregister_op,
)
from autograd_lite.derivatives import derivative, grad, hessian, jvp
from autograd_lite.transcript import explain, formula, latex

# %% [markdown]
# ## Two neurons, by hand and by the engine
#
# A classic textbook example of backpropagation: two sigmoid neurons share one input, their
# outputs are added, and the cost is the squared error,
#
# `output = sigmoid(w1*input + b1) + sigmoid(w2*input + b2)`, `cost = (expected - output)**2`,
#
# with weights `w1 = 0.2, w2 = 0.4` and biases `b1 = 0.3, b2 = 0.1`. We take the input
# `input = 1.5` and the target `expected = 1.0`.

# %%
x = Value(1.5, label="input")
expected = Value(1.0, label="expected")
w1, w2 = Value(0.2, label="w1"), Value(0.4, label="w2")
b1, b2 = Value(0.3, label="b1"), Value(0.1, label="b2")

z1 = w1 * x + b1
z1.label = "z1"
z2 = w2 * x + b2
z2.label = "z2"
h1, h2 = sigmoid(z1), sigmoid(z2)
h1.label, h2.label = "h1", "h2"
output = h1 + h2
output.label = "output"
error = expected - output
error.label = "error"
cost = error ** 2
cost.label = "cost"
print(formula(cost))
print(latex(cost))
print(f"output = {output.data:.6f}, cost = {cost.data:.6f}")

# %% [markdown]
# The backward pass, one chain-rule step per node, with the local derivative from the rules
# table and the numbers. Each line reads: the derivative we want, the chain rule, the
# numbers, the result, and in brackets the node's definition and its local derivative. The
# products `w1*input` and `w2*input` were not labelled, so they get automatic names in
# reading order: `mul1 = w1 * input` (neuron 1) and `mul2 = w2 * input` (neuron 2). `input`
# feeds both neurons, so its step is a sum of two terms.

# %%
transcript = explain(cost)
print(transcript)
names = {step.name: step for step in transcript}
assert str(names["mul1"]).endswith("[z1 = mul1 + b1, dz1/dmul1 = 1]")
assert "mul2 = w2 * input" in str(names["w2"])

# %% [markdown]
# Reading the numbers from the top: `output` is 1.313844, so `error = 1 - 1.313844 =
# -0.313844` and `dcost/derror = 2 * error = -0.627688`. `error = expected - output` turns
# that into `dcost/doutput = +0.627688`, which flows unchanged into `h1` and `h2` (an add
# passes gradients through). Each sigmoid multiplies by its slope `h * (1 - h)`: 0.228784 for
# neuron 1 and 0.221713 for neuron 2, which gives `dcost/dz1 = 0.143605` and `dcost/dz2 =
# 0.139167`. Finally `dz/dw = input = 1.5`, so `dcost/dw1 = 0.215408` and `dcost/dw2 =
# 0.20875`, while `dz/db = 1` leaves `dcost/db1 = 0.143605` and `dcost/db2 = 0.139167`.

# %%
error_value = 1.0 - output.data
assert math.isclose(output.data, 1.313844, abs_tol=5e-7)
assert math.isclose(names["error"].grad, 2 * error_value, rel_tol=1e-12)  # -0.627688
assert math.isclose(names["h1"].grad, -2 * error_value, rel_tol=1e-12)    # +0.627688
assert math.isclose(h1.data * (1 - h1.data), 0.228784, abs_tol=5e-7)
assert math.isclose(h2.data * (1 - h2.data), 0.221713, abs_tol=5e-7)
for step_name, shown in [("z1", 0.143605), ("z2", 0.139167), ("w1", 0.215408),
                         ("w2", 0.20875), ("b1", 0.143605), ("b2", 0.139167)]:
    assert math.isclose(names[step_name].grad, shown, abs_tol=5e-7), step_name

# %% [markdown]
# In Jupyter the same transcript renders as LaTeX:

# %% tags=["math"]
transcript

# %% [markdown]
# ### The hand derivation
#
# With `z1 = w1*input + b1`, `h1 = sigmoid(z1)` and `sigmoid' = sigmoid * (1 - sigmoid)`:
#
# * `dcost/doutput = -2 * (expected - output)`
# * `doutput/dh1 = 1`, `dh1/dz1 = h1 * (1 - h1)`, `dz1/dw1 = input`, `dz1/db1 = 1`
# * so `dcost/dw1 = -2 * (expected - output) * h1 * (1 - h1) * input`, and the same for
#   neuron 2.
#
# Computed with plain floats and Python's `math`, independently of the engine:

# %%
s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
inp, target = 1.5, 1.0
H1, H2 = s(0.2 * inp + 0.3), s(0.4 * inp + 0.1)
dcost_doutput = -2 * (target - (H1 + H2))
by_hand = {
    "w1": dcost_doutput * H1 * (1 - H1) * inp,
    "b1": dcost_doutput * H1 * (1 - H1),
    "w2": dcost_doutput * H2 * (1 - H2) * inp,
    "b2": dcost_doutput * H2 * (1 - H2),
}
cost.backward()
for name, node in [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)]:
    print(f"{name}: by hand {by_hand[name]:+.10f}   engine {node.grad:+.10f}   "
          f"transcript {transcript.grad(node):+.10f}")
    assert math.isclose(node.grad, by_hand[name], rel_tol=1e-12)
    assert math.isclose(transcript.grad(node), node.grad, rel_tol=1e-15)

# %% [markdown]
# And against central differences: `gradcheck` rebuilds the function at `w ± eps` for each
# input and compares. The report is a table (in Jupyter, a Markdown table).

# %% tags=["table"]
def two_neurons(w1, w2, b1, b2):
    out = sigmoid(w1 * 1.5 + b1) + sigmoid(w2 * 1.5 + b2)
    return (1.0 - out) ** 2


report = gradcheck(two_neurons, [0.2, 0.4, 0.3, 0.1])
print(report)
assert report.passed
report

# %% [markdown]
# One step of gradient descent, `w1 = w1 - learning_rate * dcost/dw1` for every weight and
# bias, lowers the cost:

# %%
learning_rate = 0.5
for p in (w1, w2, b1, b2):
    p.data -= learning_rate * p.grad
new_cost = two_neurons(w1.data, w2.data, b1.data, b2.data).data
print(f"cost {cost.data:.6f} -> {new_cost:.6f}")
assert new_cost < cost.data

# %% [markdown]
# ## A wrong derivative, caught
#
# Suppose we add an op of our own, softsign(x) = x / (1 + |x|), and derive on paper
# d/dx = 1 / (1 + |x|). (Wrong: the quotient rule gives 1 / (1 + |x|)**2.) `custom_op` adds
# it to the rules table with our derivative; `gradcheck` refutes it.

# %%
@custom_op(derivative=lambda x: 1 / (1 + abs(x)))
def softsign(x):
    return x / (1 + abs(x))


wrong = gradcheck(lambda t: softsign(t), [0.5])
print(wrong)
assert not wrong.passed
assert math.isclose(wrong.rows[0].numeric, 1 / 1.5 ** 2, rel_tol=1e-7)  # the true value

# %% [markdown]
# In a bigger graph, `check_graph` tests every node's local rule against central differences
# of its own forward, and names the first node that disagrees. Under `detect_anomaly()` each
# node remembers the line that created it, so the report points there.

# %%
with detect_anomaly():
    a = Value(0.8, label="a")
    hidden = (a * 2).tanh()
    squashed = softsign(hidden)
    squashed.label = "squashed"
    loss = squashed * squashed
graph_report = check_graph(loss)
print(graph_report)
assert graph_report.first_failure is not None
assert graph_report.first_failure.name == "squashed"

# %% [markdown]
# The numbers check out by hand: `squashed`'s input is `tanh(1.6) = 0.921669`; our rule
# gives `1 / (1 + 0.921669) = 0.520381`, while the true derivative is
# `1 / (1 + 0.921669)**2 = 0.270796`, which is what the central difference found.

# %%
u = math.tanh(1.6)
wrong_node = graph_report.first_failure
assert isinstance(wrong_node, NodeCheck)
assert math.isclose(wrong_node.analytic, 1 / (1 + u), rel_tol=1e-12)
assert math.isclose(wrong_node.numeric, 1 / (1 + u) ** 2, rel_tol=1e-7)

# %% [markdown]
# Fix the derivative and register it again (the same name replaces the rule):

# %% tags=["table"]
@custom_op(derivative=lambda x: 1 / (1 + abs(x)) ** 2)
def softsign(x):
    return x / (1 + abs(x))


assert gradcheck(lambda t: softsign(t), [0.5]).passed
assert gradgradcheck(lambda t: softsign(t), [0.5]).passed
gradcheck(lambda t: softsign(t), [-1.3])

# %% [markdown]
# `gradgradcheck` checks second derivatives. A derivative written with `math.cos` works on
# floats, so first derivatives pass, but it is a dead end for the derivative graph, and
# second derivatives come out wrong:

# %%
@custom_op(derivative=lambda x: math.cos(x))
def my_sin(x):
    return math.sin(x)


assert gradcheck(lambda t: my_sin(t), [0.6]).passed
second_order = gradgradcheck(lambda t: my_sin(t), [0.6])
print(second_order)
assert not second_order.passed
unregister_op("my_sin")
unregister_op("softsign")

# %% [markdown]
# ## At a kink, the analytic value is a convention
#
# `relu` has no derivative at 0: its slope is 0 on the left and 1 on the right. autograd_lite,
# like PyTorch, uses `relu'(0) = 0`. A central difference straddles the kink and sees the
# average, `(relu(h) - relu(-h)) / 2h = 1/2`, so gradcheck fails there, and its note says why:

# %%
at_kink = gradcheck(lambda x: x.relu(), [0.0])
print(at_kink)
assert (at_kink.rows[0].analytic, at_kink.rows[0].numeric) == (0.0, 0.5)
assert "kink" in at_kink.rows[0].note
assert gradcheck(lambda x: x.relu(), [0.3]).passed  # away from the kink all is well

# %% [markdown]
# ## Higher-order derivatives and forward mode
#
# `grad(..., create_graph=True)` returns gradients that can be differentiated again.
# `derivative(f, x, n)` does it n times: the n-th derivative of sin is sin(x + n*pi/2).

# %%
for n in range(6):
    d = derivative(lambda t: t.sin(), 0.5, n)
    assert math.isclose(d, math.sin(0.5 + n * math.pi / 2), rel_tol=1e-12)
    print(n, round(d, 6))

t = Value(2.0)
(first,) = grad(t ** 3, t, create_graph=True)
(second,) = grad(first, t)
print(first.data, second.data)  # 3 t**2 = 12, 6 t = 12

# %% [markdown]
# The Hessian of the Rosenbrock function (1 - x)**2 + 100 (y - x**2)**2 at its minimum (1, 1),
# by hand: [[2 - 400 (y - x**2) + 800 x**2, -400 x], [-400 x, 200]] = [[802, -400], [-400, 200]].

# %%
H = hessian(lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2, [1.0, 1.0])
print(H)
assert H == [[802.0, -400.0], [-400.0, 200.0]]

# %% [markdown]
# Forward mode: `jvp` pushes a tangent through the graph in one forward walk, with the same
# local partials. The directional derivative equals `v . grad f`:

# %%
def f(x, y):
    return (x * y).sin() + x.exp()


value, directional = jvp(f, [0.5, 2.0], [1.0, -1.0])
px, py = Value(0.5), Value(2.0)
gx, gy = grad(f(px, py), [px, py])
print(directional, gx.data - gy.data)
assert math.isclose(directional, gx.data * 1.0 + gy.data * -1.0, rel_tol=1e-12)

# %% [markdown]
# ## Anomaly mode
#
# A NaN or inf always raises, in the forward and the backward pass, naming the op and its
# inputs. Under `detect_anomaly()` the message also names the line that made the node. Here
# `1/c` is finite, but its derivative -1/c**2 overflows:

# %%
with detect_anomaly():
    c = Value(1e-200, label="c")
    y = 1 / c
try:
    y.backward()
except ArithmeticError as err:
    print(type(err).__name__, err)
