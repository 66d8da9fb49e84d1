"""The self-check of chapter 22 (Part V): it passes the chapter's solution, fails the typical
mistakes with the hint written for them, and reports, never raises, unfinished or broken code."""

from __future__ import annotations

import numpy as np

from nnscratch import checks

from check_helpers import assert_reference_passes, failed_lines, run
from test_conv import conv_loops as conv2d  # the chapter's plain loops: the reference solution


def conv2d_flipped(x, W, b, stride=1, padding=0):
    return conv2d(x, W[:, :, ::-1, ::-1], b, stride, padding)


def conv2d_off_by_one(x, W, b, stride=1, padding=0):
    y = conv2d(x, W, b, stride, padding)
    return y[:, :, :-1, :-1]


def conv2d_no_padding(x, W, b, stride=1, padding=0):
    return conv2d(x, W, b, stride, 0)


def conv2d_one_sided_padding(x, W, b, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, 0), (padding, 0)))
    return conv2d(x, W, b, stride, 0)


def conv2d_ignores_stride(x, W, b, stride=1, padding=0):
    return conv2d(x, W, b, 1, padding)


def conv2d_no_bias(x, W, b, stride=1, padding=0):
    return conv2d(x, W, np.zeros_like(b), stride, padding)


def conv2d_first_channel_only(x, W, b, stride=1, padding=0):
    return conv2d(x[:, :1], W[:, :1], b, stride, padding)


def conv2d_pads_in_place(x, W, b, stride=1, padding=0):
    x[...] = 0.0 if padding else x
    return conv2d(x, W, b, stride, padding)


def fails(fn, capsys, *fragments):
    result, out = run(checks.check_conv2d, fn, capsys=capsys)
    assert not result, out
    text = "\n".join(failed_lines(out))
    for fragment in fragments:
        assert fragment in text, out
    return result


REFERENCES = [("conv2d", checks.check_conv2d, (conv2d,))]


def test_reference_passes(capsys):
    for _, check, args in REFERENCES:
        assert_reference_passes(check, list(args), capsys, min_checks=6)


def test_flipped_kernel(capsys):
    fails(conv2d_flipped, capsys, "the kernel is flipped", "cross-correlation")


def test_off_by_one_output_size(capsys):
    fails(conv2d_off_by_one, capsys, "expected (2, 1, 3, 4)", "floor((H + 2*padding - kh) / stride) + 1")


def test_padding_ignored_or_one_sided(capsys):
    fails(conv2d_no_padding, capsys, "padding 1", "floor(")
    fails(conv2d_one_sided_padding, capsys, "padding 1", "floor(")


def test_stride_ignored(capsys):
    fails(conv2d_ignores_stride, capsys, "stride 2")


def test_bias_missing(capsys):
    fails(conv2d_no_bias, capsys, "the bias is missing", "b[f]")


def test_channels_not_summed(capsys):
    fails(conv2d_first_channel_only, capsys, "sum over the channels c")


def test_changes_its_input(capsys):
    fails(conv2d_pads_in_place, capsys, "x was changed", "np.pad returns one")


def test_unfinished_and_broken_code_is_reported(capsys):
    def stub(*args):
        raise NotImplementedError("Exercise ex-22-conv-loops: write your code here")

    def broken(*args):
        raise ZeroDivisionError("division by zero")

    result, out = run(checks.check_conv2d, stub, capsys=capsys)
    assert not result and len(failed_lines(out)) == 1 and "is not written yet" in out
    result, out = run(checks.check_conv2d, broken, capsys=capsys)
    assert not result and "raised ZeroDivisionError: division by zero" in out
    result, out = run(checks.check_conv2d, None, capsys=capsys)
    assert not result
