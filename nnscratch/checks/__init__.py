r"""Self-checks for the exercises: run *your* function or class on prepared cases and read, in
plain words, which of its properties hold.

    from nnscratch import checks
    checks.check_softmax(my_softmax)

prints one line per property, for example::

    check_softmax(my_softmax):
      rows sum to 1 ✓
      stable for large logits (±1000): got [nan nan nan] for logits (1000, 999, 998) ✗ — subtract
      the row maximum first: e^1000 overflows to inf and inf / inf is nan

and returns a :class:`CheckResult`, true when every property holds, with ``.passed`` and ``.lines``;
its ``repr`` is a one-line summary, so a notebook cell that ends with the call shows it. A check
never raises because of the code it checks: an exception in your code (also the
``NotImplementedError`` of an unfinished exercise, and ``sys.exit()``) is reported as ✗ with its
message and a hint; only interrupting the kernel stops a check. There is no time limit: a function
that never returns keeps the check waiting. The expected answers come from the package's own tested
pieces (``nnscratch.Softmax`` and so on), compared with a tolerance.

Where a check takes "a function or a class", you may pass a function, a class with a ``forward``
method (instantiated without arguments), or an object with a ``forward`` method. What each check
expects (chapter in brackets):

* ``check_neuron(neuron)``: ``neuron(inputs, weights, bias) -> float`` (1).
* ``check_layer(layer_output)``: ``layer_output(inputs, weights, biases) -> (batch, n_neurons)``
  with ``weights`` of shape ``(n_inputs, n_neurons)`` (2).
* ``check_dense(Dense)``: a class ``Dense(n_inputs, n_neurons)`` (``rng=`` passed when accepted)
  with ``forward(x)``, weights in ``params["W"]``/``params["b"]`` or ``weights``/``biases`` (3).
* ``check_relu(relu)``, ``check_sigmoid(sigmoid)``: a function or class,
  ``(batch, n) -> (batch, n)`` (4).
* ``check_softmax(softmax)``: a function or class, logits ``(N, K)`` -> probabilities (5).
* ``check_categorical_crossentropy(loss)``: ``loss(y_pred, y_true) -> float``, integer or one-hot
  labels (6).
* ``check_accuracy(accuracy)``: ``accuracy(y_pred, y_true) -> float`` (6).
* ``check_logit_slopes(mse_slope, ce_slope)``: ``mse_slope(z, y)`` and ``ce_slope(z, y)``, the
  slopes with respect to the logit ``z`` of the squared error and the cross-entropy of a sigmoid
  output with labels ``y`` (0 or 1), element-wise (6).
* ``check_numerical_derivative(derivative)``: ``derivative(f, x, h) -> float`` (8).
* ``check_numerical_gradient(gradient)``: ``gradient(f, x, h) -> array``, where ``f()`` reads ``x``
  (8).
* ``check_dense_backward(Dense)``: a class with ``forward(x)``, ``backward(grad) -> dX`` and
  ``grads["W"]``/``grads["b"]`` (9).
* ``check_relu_backward(ReLU)``, ``check_softmax_backward(Softmax)``: a class with ``forward`` and
  ``backward`` (9).
* ``check_softmax_crossentropy_backward(grad)``: ``grad(probs, labels) -> dL/dz`` (9).
* ``check_sgd(SGD)``: ``SGD(learning_rate=, momentum=)`` with ``step(layers)`` (10).
* ``check_gradient_noise(predicted_noise)``: ``predicted_noise(per_sample, batch_size) -> float``,
  the rms relative deviation of a mini-batch gradient predicted from the per-sample gradients (10).
* ``check_adam(Adam)``: ``Adam(learning_rate=, beta_1=, beta_2=, epsilon=)`` with ``step(layers)``
  (11).
* ``check_train_val_split(split)``:
  ``split(X, y, val_fraction, rng) -> (X_fit, y_fit, X_val, y_val)``, a shuffled split drawn from
  ``rng`` (12).
* ``check_k_fold(k_fold_indices)``: ``k_fold_indices(n, k, rng)`` -> ``k`` pairs
  ``(train_idx, val_idx)``, the runs of k-fold cross-validation on ``n`` samples shuffled by ``rng``
  (12).
* ``check_l2_penalty(penalty, gradient=None)``: ``penalty(weights, lam) -> float`` and
  ``gradient(weights, lam) -> array`` (13).
* ``check_dropout(Dropout)``: ``Dropout(rate)`` (``rng=`` passed when accepted) with ``forward``,
  ``backward`` and ``train()``/``eval()`` or a ``training`` attribute (13).
* ``check_mse(mse)``: ``mse(y_pred, y_true) -> float`` (14).
* ``check_binary_crossentropy(loss)``: ``loss(y_pred, y_true) -> float`` for sigmoid outputs (14).
* ``check_minibatches(minibatches)``: ``minibatches(n, batch_size, rng)`` -> the index arrays of one
  epoch's shuffled mini-batches (15).
* ``check_parse_idx(parse_idx)``: ``parse_idx(data) -> array`` from the bytes of an IDX file of any
  type and number of dimensions, ``ValueError`` for a damaged or foreign file (16).
* ``check_precision_recall(precision_recall)``: ``precision_recall(cm) -> (precision, recall)`` per
  class from a confusion matrix, 0 where nothing was predicted or present (17).
* ``check_save_load(save, load)``: ``save(path, model)`` and ``load(path, model)`` for a model's
  parameters in an ``.npz`` file, loaded safely (18).
* ``check_flush_subnormals(flush)``: ``flush(a)`` sets the subnormal values of a float array to 0
  in place (19).
* ``check_glorot_uniform(glorot_uniform)``: ``glorot_uniform(n_inputs, n_neurons, rng) -> W``,
  uniform weights with Glorot's variance $2/(n_\text{inputs} + n_\text{neurons})$ (20).
* ``check_batchnorm_forward(batchnorm_forward)``: ``batchnorm_forward(x, gamma, beta, epsilon)``
  -> each column normalised over the batch, scaled by ``gamma`` and shifted by ``beta`` (21).
* ``check_conv2d(conv2d)``: ``conv2d(x, W, b, stride, padding) -> (N, F, OH, OW)`` for images
  ``x`` ``(N, C, H, W)``, filters ``W`` ``(F, C, kh, kw)`` and biases ``b`` ``(F,)`` (22).
* ``check_value_op(op, name, Value=None)``: ``op(x)`` or ``op(a, b)``, one operation of a scalar
  ``Value`` class (``"tanh"``, ``"sigmoid"``, ``"exp"``, ``"log"``, ``"div"``, ``"sub"``) that
  returns a ``Value`` with its operands as ``_parents`` and a local ``_backward`` (23).

The checks live in one module per Part of the book: ``forward_pass`` (chapters 1-6), ``learning``
(7-11), ``generalisation`` (12-15) and ``real_data`` (16-19), and for Part V one module per
chapter or pair of chapters, ``initialisation`` (20 and 21), ``convolution`` (22) and
``autodiff`` (23); ``harness`` is
what they share
(calling your code safely, one ✓ or ✗ line per property).
"""

from .autodiff import check_value_op
from .convolution import check_conv2d
from .forward_pass import (check_accuracy, check_categorical_crossentropy, check_dense, check_layer,
                           check_logit_slopes, check_neuron, check_relu, check_sigmoid,
                           check_softmax)
from .generalisation import (check_binary_crossentropy, check_dropout, check_k_fold,
                             check_l2_penalty, check_minibatches, check_mse,
                             check_train_val_split)
from .harness import CheckResult
from .initialisation import check_batchnorm_forward, check_glorot_uniform
from .learning import (check_adam, check_dense_backward, check_gradient_noise,
                       check_numerical_derivative, check_numerical_gradient, check_relu_backward,
                       check_sgd, check_softmax_backward, check_softmax_crossentropy_backward)
from .real_data import (check_flush_subnormals, check_parse_idx, check_precision_recall,
                        check_save_load)

__all__ = [
    "CheckResult",
    # Part I (chapters 1-6)
    "check_accuracy", "check_categorical_crossentropy", "check_dense", "check_layer",
    "check_logit_slopes", "check_neuron", "check_relu", "check_sigmoid", "check_softmax",
    # Part II (chapters 7-11)
    "check_adam", "check_dense_backward", "check_gradient_noise", "check_numerical_derivative",
    "check_numerical_gradient", "check_relu_backward", "check_sgd", "check_softmax_backward",
    "check_softmax_crossentropy_backward",
    # Part III (chapters 12-15)
    "check_binary_crossentropy", "check_dropout", "check_k_fold", "check_l2_penalty",
    "check_minibatches", "check_mse", "check_train_val_split",
    # Part IV (chapters 16-19)
    "check_flush_subnormals", "check_parse_idx", "check_precision_recall", "check_save_load",
    # Part V (chapters 20-23)
    "check_batchnorm_forward", "check_conv2d", "check_glorot_uniform", "check_value_op",
]
