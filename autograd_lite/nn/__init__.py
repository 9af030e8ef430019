"""Neural networks on top of the engine: micrograd-compatible ``Module``/``Neuron``/``Layer``/
``MLP``, more layers, losses, optimizers, schedules, a training loop and checkpoints.

>>> from autograd_lite.nn import MLP
>>> import random; random.seed(1)
>>> MLP(3, [4, 1])  # doctest: +ELLIPSIS
MLP of [Layer of [ReLUNeuron(3), ..., ReLUNeuron(3)], Layer of [LinearNeuron(4)]]
"""

from .callbacks import (
    Callback,
    CallbackFunction,
    EarlyStopping,
    ProgressBar,
    TargetAccuracy,
)
from .history import History, TrainingRun
from .layers import Activation, BatchNorm, Dropout, Sequential
from .losses import binary_cross_entropy, cross_entropy, hinge, l1_penalty, l2_penalty, mae, mse
from .metrics import argmax_accuracy, logit_accuracy, sign_accuracy
from .modules import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, AdamW, LevenbergMarquardt, Optimizer, RMSprop, Rprop
from .plot import decision_grid, plot_decision_boundary, plot_grad_norms, plot_history
from .schedules import CosineLR, ExponentialLR, ReduceLROnPlateau, Schedule, StepLR
from .search import GeneticAlgorithm, GradientFreeOptimizer, ParticleSwarm, RandomSearch
from .train import evaluate, fit, paused_cyclic_gc
from .work import WorkCounter

__all__ = [
    "MLP",
    "SGD",
    "Activation",
    "Adam",
    "AdamW",
    "BatchNorm",
    "Callback",
    "CallbackFunction",
    "CosineLR",
    "Dropout",
    "EarlyStopping",
    "ExponentialLR",
    "GeneticAlgorithm",
    "GradientFreeOptimizer",
    "History",
    "Layer",
    "LevenbergMarquardt",
    "Module",
    "Neuron",
    "Optimizer",
    "ParticleSwarm",
    "ProgressBar",
    "RMSprop",
    "RandomSearch",
    "ReduceLROnPlateau",
    "Rprop",
    "Schedule",
    "Sequential",
    "StepLR",
    "TargetAccuracy",
    "TrainingRun",
    "WorkCounter",
    "argmax_accuracy",
    "binary_cross_entropy",
    "cross_entropy",
    "decision_grid",
    "evaluate",
    "fit",
    "hinge",
    "l1_penalty",
    "l2_penalty",
    "logit_accuracy",
    "mae",
    "mse",
    "paused_cyclic_gc",
    "plot_decision_boundary",
    "plot_grad_norms",
    "plot_history",
    "sign_accuracy",
]
