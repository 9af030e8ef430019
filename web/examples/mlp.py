# One sample through a small MLP: 2 inputs, 3 tanh neurons, 1 linear output, squared error.
# Each neuron is one fused node (w1*x1 + w2*x2 + b); its weights and bias are the leaves.
from autograd_lite import Value
from autograd_lite.nn import MLP

model = MLP(2, [3, 1], activation="tanh", seed=1)
# name the parameters, so the transcript and the answers speak of h2_w1, not x7:
hidden, output = model.layers
for name, neuron in zip(["h1", "h2", "h3", "out"], hidden.neurons + output.neurons):
    for i, w in enumerate(neuron.w, 1):
        w.label = f"{name}_w{i}"
    neuron.b.label = f"{name}_b"

x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
target = 1.0
y = model(x)
y.label = "y"
loss = (y - target) ** 2
loss.label = "loss"
loss.backward()
print(f"y = {y.data:.4f}, loss = {loss.data:.4f}")
loss
