"""Pictures of gradient graphs: ``draw_dot``, step-through backward, an offline player.

>>> from autograd_lite import Value
>>> from autograd_lite.viz import draw_dot, backward_steps
>>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
>>> "not yet computed" in draw_dot(y).source
True
>>> len(backward_steps(y))          # the seed, then the one op
2
"""

from . import renderers
from .example import example_graph, save_example_graph
from .graph import DrawOptions, GraphTooLarge, draw_dot
from .render import (
    GradGraph,
    GraphvizNotFound,
    can_render,
    dot_available,
    save,
    set_renderer,
    to_svg,
)
from .steps import BackwardStep, BackwardSteps, backward_steps, play_backward

__all__ = [
    "BackwardStep",
    "BackwardSteps",
    "can_render",
    "renderers",
    "DrawOptions",
    "GradGraph",
    "GraphTooLarge",
    "GraphvizNotFound",
    "backward_steps",
    "dot_available",
    "draw_dot",
    "example_graph",
    "play_backward",
    "save",
    "save_example_graph",
    "set_renderer",
    "to_svg",
]
