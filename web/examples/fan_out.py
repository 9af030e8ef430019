# Fan-out: a is used twice, so its gradient is the sum over both uses.
# db/da = 1 + 1 = 2 (micrograd's lecture found the bug where it came out as 1).
from autograd_lite import Value

a = Value(3.0, label='a')
b = a + a; b.label = 'b'
b.backward()
b
