"""Train the same MLP with nnscratch and with PyTorch on one CPU thread, and compare their speed.

    python benchmarks/bench_mlp.py              # 10 epochs of Fashion-MNIST (about a minute)
    python benchmarks/bench_mlp.py --epochs 3   # a quick run

The contestants train a 784-128-128-10 network (ReLU, softmax cross-entropy, Adam with learning
rate 1e-3 and epsilon 1e-7, batches of 128, float32) from the same initial weights (drawn with
NumPy, copied into PyTorch) on the same data order (one seeded permutation per epoch, shared).
The contestants take turns epoch by epoch, in rotating order, so that whatever else the machine
is doing slows them alike; the table shows the median time per epoch. A third row, "matrix
products", times only the 8 matrix products of each training step (NumPy, float32, same shapes):
no implementation that computes them this way can be faster, so nnscratch's "share of the limit"
says how close to that it gets. nnscratch runs in two configurations: "plain", its core as the
chapters write it (nn.Adam), and "fast", with the speed-ups of chapter 19 (nn.fast.Adam);
"fast Model.fit" is the fast configuration trained through nnscratch's Model.

PyTorch is optional (``pip install -e ".[bench]"``); without it, the nnscratch rows are measured
alone and the script says so.
"""

from __future__ import annotations

import os

# One BLAS / intra-op thread for every contestant; must be set before NumPy (and torch) load.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import nnscratch as nn  # noqa: E402

SIZES = (784, 128, 128, 10)
BATCH = 128
LEARNING_RATE = 1e-3
EPSILON = 1e-7  # nnscratch's default; PyTorch's default is 1e-8, so it is passed explicitly


def initial_weights(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-initialised float32 weights and zero biases, ``[(W, b), ...]`` with ``W`` of shape (in, out)."""
    rng = np.random.default_rng(seed)
    return [((rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in)).astype(np.float32),
             np.zeros((1, n_out), dtype=np.float32)) for n_in, n_out in zip(SIZES, SIZES[1:])]


def nnscratch_layers(weights: list[tuple[np.ndarray, np.ndarray]]) -> list[nn.Layer]:
    """Dense-ReLU-Dense-ReLU-Dense in float32 with the given initial weights."""
    layers: list[nn.Layer] = []
    for i, (W, b) in enumerate(weights):
        dense = nn.Dense(*W.shape, dtype=np.float32)
        dense.params["W"][...], dense.params["b"][...] = W, b
        layers += [dense] if i == len(weights) - 1 else [dense, nn.ReLU()]
    return layers


class Nnscratch:
    """The training loop of the book, ``train_step`` over shuffled mini-batches, with the plain core:
    ``nn.Adam`` as chapter 11 writes it. The first layer skips the gradient of the data
    (``input_grad=False``, an argument of the plain core's backward pass)."""

    name = "nnscratch plain"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.layers = nnscratch_layers(weights)
        self.loss = nn.SoftmaxCrossentropy()
        self.optimizer = self.make_optimizer()

    def make_optimizer(self) -> nn.Optimizer:
        return nn.Adam(learning_rate=LEARNING_RATE, epsilon=EPSILON)

    def epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray, seed: int) -> None:
        for start in range(0, len(X), BATCH):
            rows = order[start:start + BATCH]
            nn.train_step(self.layers, self.loss, self.optimizer, X[rows], y[rows],
                          input_grad=False)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        for layer in self.layers:
            layer.eval()
        return float(np.mean(nn.forward(self.layers, X).argmax(axis=1) == y))


class NnscratchFast(Nnscratch):
    """The same loop with the speed-ups of chapter 19: ``nn.fast.Adam`` (in place, folded bias
    corrections, float32 subnormals flushed)."""

    name = "nnscratch fast"

    def make_optimizer(self) -> nn.Optimizer:
        return nn.fast.Adam(learning_rate=LEARNING_RATE, epsilon=EPSILON)


class ModelFit(NnscratchFast):
    """The fast configuration trained by ``nnscratch.Model.fit``, one epoch per call, without
    progress bar (fit itself skips the first layer's input gradient)."""

    name = "nnscratch fast Model.fit"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        super().__init__(weights)
        self.model = nn.Model(self.layers, loss=self.loss, optimizer=self.optimizer)

    def epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray, seed: int) -> None:
        # fit draws its order with np.random.default_rng(seed).permutation: the shared order
        self.model.fit(X, y, epochs=1, batch_size=BATCH, seed=seed, progress=False)


class Torch:
    """The usual PyTorch loop: zero_grad, forward, cross_entropy, backward, Adam step."""

    name = "PyTorch"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        linears = [torch.nn.Linear(*W.shape) for W, _ in weights]
        with torch.no_grad():
            for linear, (W, b) in zip(linears, weights):
                linear.weight.copy_(torch.from_numpy(W.T.copy()))  # torch stores W as (out, in)
                linear.bias.copy_(torch.from_numpy(b.ravel()))
        modules: list[torch.nn.Module] = []
        for linear in linears:
            modules += [linear, torch.nn.ReLU()]
        self.net = torch.nn.Sequential(*modules[:-1])
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=LEARNING_RATE, eps=EPSILON)
        self.data: tuple | None = None

    def _tensors(self, X: np.ndarray, y: np.ndarray) -> tuple:
        if self.data is None or self.data[0] is not X:  # share X's memory; labels as int64 once
            self.data = (X, self.torch.from_numpy(X), self.torch.from_numpy(y.astype(np.int64)))
        return self.data[1:]

    def epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray, seed: int) -> None:
        torch = self.torch
        X_t, y_t = self._tensors(X, y)
        order_t = torch.from_numpy(order)
        self.net.train()
        for start in range(0, len(X), BATCH):
            rows = order_t[start:start + BATCH]
            self.optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(self.net(X_t[rows]), y_t[rows])
            loss.backward()
            self.optimizer.step()

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        self.net.eval()
        with self.torch.no_grad():
            predicted = self.net(self.torch.from_numpy(X)).argmax(dim=1).numpy()
        return float(np.mean(predicted == y))


class MatrixProducts:
    """Only the matrix products of each step (3 forward, 3 for dL/dW, 2 for dL/dX), NumPy float32."""

    name = "matrix products"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        rng = np.random.default_rng(1)
        self.W = [W.copy() for W, _ in weights]
        # inputs and output gradients of the three layers, random values of the right shapes
        self.A = [rng.random((BATCH, n), dtype=np.float32) for n in SIZES[:-1]]
        self.G = [rng.random((BATCH, n), dtype=np.float32) for n in SIZES[1:]]

    def epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray, seed: int) -> None:
        W, A, G = self.W, self.A, self.G
        for _ in range(0, len(X), BATCH):
            A[0] @ W[0], A[1] @ W[1], A[2] @ W[2]          # forward
            A[2].T @ G[2], A[1].T @ G[1], A[0].T @ G[0]    # dL/dW
            G[2] @ W[2].T, G[1] @ W[1].T                   # dL/dX (not for the data)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float("nan")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, NumPy {np.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs to train (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and data order")
    parser.add_argument("--no-model", action="store_true", help="leave out the Model.fit row")
    args = parser.parse_args()

    (X, y), (X_test, y_test) = nn.load_fashion_mnist(dtype=np.float32)
    weights = initial_weights(args.seed)
    kinds: list[type] = [Nnscratch, NnscratchFast] + ([] if args.no_model else [ModelFit])
    has_torch = importlib.util.find_spec("torch") is not None
    if has_torch:
        kinds.append(Torch)
    kinds.append(MatrixProducts)
    contestants = [kind(weights) for kind in kinds]

    print(machine())
    if has_torch:
        import torch
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")
    else:
        print("PyTorch is not installed (pip install -e '.[bench]'): measuring nnscratch alone.")
    print(f"{args.epochs} epochs of {len(X)} Fashion-MNIST images, batch {BATCH}, one thread each\n")

    times: dict[str, list[float]] = {c.name: [] for c in contestants}
    for epoch in range(args.epochs):
        seed = args.seed + epoch
        order = np.random.default_rng(seed).permutation(len(X))
        k = epoch % len(contestants)  # rotate who goes first
        for contestant in contestants[k:] + contestants[:k]:
            start = time.perf_counter()
            contestant.epoch(X, y, order, seed)
            times[contestant.name].append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: " + ", ".join(f"{name} {t[-1]:.3f} s" for name, t in times.items()), flush=True)

    median = {name: float(np.median(t)) for name, t in times.items()}
    limit = median[MatrixProducts.name]
    reference = median.get(Torch.name)
    print(f"\n{'':26s} {'s/epoch':>8s} {'spread':>7s} {'samples/s':>10s} {'test acc.':>9s} "
          f"{'vs torch':>8s} {'share of limit':>14s}")
    for c in contestants:
        t = np.array(times[c.name])
        spread = (np.percentile(t, 75) - np.percentile(t, 25)) / median[c.name]
        ratio = f"{median[c.name] / reference:8.2f}" if reference else f"{'-':>8s}"
        acc = c.accuracy(X_test, y_test)
        acc_text = f"{acc:9.4f}" if acc == acc else f"{'-':>9s}"
        print(f"{c.name:26s} {median[c.name]:8.3f} {spread:6.0%} {len(X) / median[c.name]:10.0f} {acc_text} "
              f"{ratio} {limit / median[c.name]:14.0%}")
    print("\ns/epoch: median over the epochs; spread: interquartile range / median (machine noise);\n"
          "vs torch: time ratio (below 1: faster than PyTorch); share of limit: matrix-product time / own time.")


if __name__ == "__main__":
    main()
