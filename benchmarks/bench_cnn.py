"""Train chapter 22's convolutional network with nnscratch and with PyTorch on one CPU thread, and
compare their speed.

    python benchmarks/bench_cnn.py                          # 3 epochs of MNIST (a few minutes)
    python benchmarks/bench_cnn.py --epochs 2 --samples 10000   # a quick run

The network is the one of chapter 22, *Convolution*: Conv 1->16 (3x3, padding 1), ReLU, max-pool
2x2, Conv 16->32 (3x3, padding 1), ReLU, max-pool 2x2, Flatten, Dense 1568->128, ReLU,
Dense 128->10, softmax cross-entropy (the chapter's dropout is left out, so that both contestants
compute the same function). Adam with learning rate 1e-3 and epsilon 1e-7, batches of 128,
float32. Both start from the same initial weights (drawn with NumPy, copied into PyTorch) and see
the same data order (one seeded permutation per epoch, shared). They take turns epoch by epoch, in
rotating order, so that whatever else the machine is doing slows them alike; the table shows the
median time per epoch and the ratio to PyTorch.

PyTorch is optional (``pip install -e ".[bench]"``); without it, nnscratch is measured alone.
"""

from __future__ import annotations

import os

# One BLAS / intra-op thread for every contestant; must be set before NumPy (and torch) load.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import nnscratch as nn  # noqa: E402

BATCH = 128
LEARNING_RATE = 1e-3
EPSILON = 1e-7  # nnscratch's default; PyTorch's default is 1e-8, so it is passed explicitly


def machine() -> str:
    """The processor, the number of CPUs and the versions, for the report."""
    import platform
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
            f"NumPy {np.__version__}")


def nnscratch_layers(seed: int) -> list[nn.Layer]:
    """The chapter's network without dropout, float32, He-initialised from ``seed``."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return [nn.Reshape((1, 28, 28)),
            nn.Conv2D(1, 16, 3, padding=1, rng=rng, dtype=f32), nn.ReLU(), nn.MaxPool2D(2),
            nn.Conv2D(16, 32, 3, padding=1, rng=rng, dtype=f32), nn.ReLU(), nn.MaxPool2D(2),
            nn.Flatten(),
            nn.Dense(32 * 7 * 7, 128, weight_scale="he", rng=rng, dtype=f32), nn.ReLU(),
            nn.Dense(128, 10, weight_scale="he", rng=rng, dtype=f32), nn.Softmax()]


class ModelFit:
    """nnscratch as the chapter trains it: ``Model.fit``, one epoch per call, ``nn.fast.Adam``."""

    name = "nnscratch Model.fit"

    def __init__(self, layers: list[nn.Layer]) -> None:
        self.model = nn.Model(layers, loss=nn.CategoricalCrossentropy(),
                              optimizer=nn.fast.Adam(learning_rate=LEARNING_RATE, epsilon=EPSILON))

    def epoch(self, X: np.ndarray, y: np.ndarray, seed: int) -> None:
        # fit draws its order with np.random.default_rng(seed).permutation: the shared order
        self.model.fit(X, y, epochs=1, batch_size=BATCH, seed=seed, progress=False)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return self.model.evaluate(X, y, batch_size=1000)["accuracy"]


class Torch:
    """The usual PyTorch loop: zero_grad, forward, cross_entropy, backward, Adam step."""

    name = "PyTorch"

    def __init__(self, layers: list[nn.Layer]) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        tnn = torch.nn
        self.net = tnn.Sequential(
            tnn.Conv2d(1, 16, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(16, 32, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
            tnn.Linear(32 * 7 * 7, 128), tnn.ReLU(), tnn.Linear(128, 10))
        ours = [layer for layer in layers if layer.params]
        theirs = [m for m in self.net if isinstance(m, (tnn.Conv2d, tnn.Linear))]
        with torch.no_grad():
            for mine, module in zip(ours, theirs):
                W = mine.params["W"]
                W = W if W.ndim == 4 else W.T  # Dense keeps (in, out), torch (out, in)
                module.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
                module.bias.copy_(torch.from_numpy(mine.params["b"].ravel()))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=LEARNING_RATE, eps=EPSILON)
        self.data: tuple | None = None

    def _tensors(self, X: np.ndarray, y: np.ndarray) -> tuple:
        if self.data is None or self.data[0] is not X:  # share X's memory; labels as int64 once
            images = self.torch.from_numpy(X).reshape(-1, 1, 28, 28)
            self.data = (X, images, self.torch.from_numpy(y.astype(np.int64)))
        return self.data[1:]

    def epoch(self, X: np.ndarray, y: np.ndarray, seed: int) -> None:
        torch = self.torch
        X_t, y_t = self._tensors(X, y)
        order = torch.from_numpy(np.random.default_rng(seed).permutation(len(X)))
        self.net.train()
        for start in range(0, len(X), BATCH):
            rows = order[start:start + BATCH]
            self.optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(self.net(X_t[rows]), y_t[rows])
            loss.backward()
            self.optimizer.step()

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        self.net.eval()
        X_t = self.torch.from_numpy(X).reshape(-1, 1, 28, 28)
        with self.torch.no_grad():
            predicted = self.net(X_t).argmax(dim=1).numpy()
        return float(np.mean(predicted == y))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs to train (default 3)")
    parser.add_argument("--samples", type=int, default=60000,
                        help="train on the first SAMPLES images (default: all 60000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and data order")
    args = parser.parse_args()

    (X, y), (X_test, y_test) = nn.load_mnist(dtype=np.float32)
    X, y = X[:args.samples], y[:args.samples]
    kinds: list[type] = [ModelFit]
    has_torch = importlib.util.find_spec("torch") is not None
    if has_torch:
        kinds.append(Torch)
    contestants = [kind(nnscratch_layers(args.seed)) for kind in kinds]

    print(machine())
    if has_torch:
        import torch
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")
    else:
        print("PyTorch is not installed (pip install -e '.[bench]'): measuring nnscratch alone.")
    print(f"{args.epochs} epochs of {len(X)} MNIST images, batch {BATCH}, one thread each\n")

    times: dict[str, list[float]] = {c.name: [] for c in contestants}
    for epoch in range(args.epochs):
        seed = args.seed + epoch
        k = epoch % len(contestants)  # rotate who goes first
        for contestant in contestants[k:] + contestants[:k]:
            start = time.perf_counter()
            contestant.epoch(X, y, seed)
            times[contestant.name].append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: " + ", ".join(f"{name} {t[-1]:.2f} s"
                                                 for name, t in times.items()), flush=True)

    median = {name: float(np.median(t)) for name, t in times.items()}
    reference = median.get(Torch.name)
    print(f"\n{'':22s} {'s/epoch':>8s} {'spread':>7s} {'samples/s':>10s} {'test acc.':>9s} "
          f"{'vs torch':>8s}")
    for c in contestants:
        t = np.array(times[c.name])
        spread = (np.percentile(t, 75) - np.percentile(t, 25)) / median[c.name]
        ratio = f"{median[c.name] / reference:8.2f}" if reference else f"{'-':>8s}"
        print(f"{c.name:22s} {median[c.name]:8.2f} {spread:6.0%} {len(X) / median[c.name]:10.0f} "
              f"{c.accuracy(X_test, y_test):9.4f} {ratio}")
    print("\ns/epoch: median over the epochs; spread: interquartile range / median (machine noise);\n"
          "vs torch: time ratio (below 1: faster than PyTorch).")


if __name__ == "__main__":
    main()
