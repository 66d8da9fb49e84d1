"""nnscratch: the neural network built in the book *Neural Networks from Scratch*, in plain NumPy.

Every layer has ``forward(x)`` and ``backward(grad)``, keeps its ``params`` and ``grads``, and
switches between training and inference with ``train()`` / ``eval()``; every optimiser updates any
layer from those dicts. The chapters build each piece, show that their version matches this one,
and later chapters import it from here.
"""

from . import autograd, fast
from .conv import Conv2D, Flatten, MaxPool2D, Reshape
from .data import (
    FASHION_MNIST_CLASSES,
    MNIST_CLASSES,
    load_dataset,
    load_fashion_mnist,
    load_mnist,
    sine_data,
    spiral_data,
    vertical_data,
)
from .gradcheck import gradcheck, gradcheck_loss, numerical_gradient, relative_error
from .layers import (
    BatchNorm,
    Dense,
    Dropout,
    Layer,
    Linear,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    init_scale,
    regularization_loss,
)
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SigmoidBinaryCrossentropy,
    SoftmaxCrossentropy,
    softmax_crossentropy_grad,
)
from .metrics import accuracy, binary_accuracy, regression_accuracy
from .model import History, Model
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .plotting import plot_decision_boundary
from .schedules import CosineDecay, LinearWarmup, StepDecay
from .training import backward, clip_grad_norm, forward, grad_norm, train_step

__version__ = "0.2.0"

__all__ = [
    "FASHION_MNIST_CLASSES", "MNIST_CLASSES", "load_dataset", "load_fashion_mnist", "load_mnist",
    "History", "Model", "autograd", "fast",
    "CosineDecay", "LinearWarmup", "StepDecay",
    "Adagrad", "Adam", "AdamW", "BatchNorm", "BinaryCrossentropy", "CategoricalCrossentropy",
    "Conv2D", "Dense", "Dropout", "Flatten", "Layer", "MaxPool2D", "Reshape", "Linear", "Loss", "MeanAbsoluteError", "MeanSquaredError",
    "Optimizer", "RMSprop", "ReLU", "SGD", "Sigmoid", "SigmoidBinaryCrossentropy", "Softmax",
    "SoftmaxCrossentropy", "Tanh", "accuracy", "backward", "binary_accuracy", "clip_grad_norm",
    "forward", "grad_norm", "gradcheck", "gradcheck_loss", "init_scale", "numerical_gradient",
    "plot_decision_boundary", "regression_accuracy", "regularization_loss", "sine_data",
    "softmax_crossentropy_grad", "spiral_data", "train_step", "vertical_data",
]
