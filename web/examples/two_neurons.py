# Two sigmoid neurons share one input; their outputs are added and the cost is the squared
# error (notebook 03): output = sigmoid(w1*input + b1) + sigmoid(w2*input + b2).
from autograd_lite import Value, sigmoid

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
cost.backward()
print(f"output = {output.data:.6f}, cost = {cost.data:.6f}")
cost
