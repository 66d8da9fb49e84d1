"""nnscratch: the neural network built in the book *Neural Networks from Scratch*, in plain NumPy.

Every layer has ``forward(x)`` and ``backward(grad)``, keeps its ``params`` and ``grads``, and
switches between training and inference with ``train()`` / ``eval()``; every optimiser updates any
layer from those dicts. The chapters build each piece, show that their version matches this one,
and later chapters import it from here.
"""

from . import fast
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
from .layers import Dense, Dropout, Layer, Linear, ReLU, Sigmoid, Softmax, regularization_loss
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SoftmaxCrossentropy,
    softmax_crossentropy_grad,
)
from .metrics import accuracy, binary_accuracy, regression_accuracy
from .model import History, Model
from .optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
from .plotting import plot_decision_boundary
from .training import backward, forward, train_step

__version__ = "0.1.0"

__all__ = [
    "FASHION_MNIST_CLASSES", "MNIST_CLASSES", "load_dataset", "load_fashion_mnist", "load_mnist",
    "History", "Model", "fast",
    "Adagrad", "Adam", "BinaryCrossentropy", "CategoricalCrossentropy", "Conv2D", "Dense",
    "Dropout", "Flatten", "Layer", "MaxPool2D", "Reshape",
    "Linear", "Loss", "MeanAbsoluteError", "MeanSquaredError", "Optimizer", "RMSprop", "ReLU", "SGD",
    "Sigmoid", "Softmax", "SoftmaxCrossentropy", "accuracy", "backward", "binary_accuracy", "forward", "gradcheck",
    "gradcheck_loss", "numerical_gradient", "plot_decision_boundary", "regression_accuracy",
    "regularization_loss", "sine_data", "softmax_crossentropy_grad", "spiral_data", "train_step", "vertical_data",
]
