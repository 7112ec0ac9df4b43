"""The method's pieces: encoders, decoders, losses."""

import pytest

torch = pytest.importorskip("torch", reason="the models need PyTorch (the train extra)")

from handtrack.models.config import LossConfig  # noqa: E402
from handtrack.models.decoders import (  # noqa: E402
    depth_regression_decode,
    heatmap_confidence,
    normalise_heatmaps,
    plane_regression_decode,
)
from handtrack.models.losses import StageOutput, make_targets, pwr_loss  # noqa: E402
from handtrack.models.targets import gaussian_kernel, heatmap_target, offset_target  # noqa: E402


def _hand_image(n: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    image = torch.full((1, 1, n, n), 1.0)
    image[..., 8:56, 10:54] = 0.3 * torch.rand(1, 1, 48, 44, generator=g) - 0.15  # hand pixels
    return image, (image < 1.0).float()


def test_heatmap_target_is_a_distribution_centred_on_the_joint():
    g = torch.Generator().manual_seed(1)
    uv = torch.rand(4, 21, 2, generator=g) * 0.7 - 0.35  # inside, away from the border
    maps = heatmap_target(uv, 64)
    assert maps.shape == (4, 21, 64, 64) and torch.all(maps >= 0)
    torch.testing.assert_close(maps.sum(dim=(-2, -1)), torch.ones(4, 21))
    torch.testing.assert_close(plane_regression_decode(maps), uv, atol=1e-5, rtol=0)


def test_gaussian_kernel_is_k_by_k_and_symmetric():
    k = gaussian_kernel(7, 1.5)
    assert k.shape == (7, 7) and torch.allclose(k, k.T) and torch.allclose(k, k.flip(0))
    assert k.sum().item() == pytest.approx(1.0)


def test_encode_decode_round_trip_of_depth():
    image, mask = _hand_image()
    uv = torch.tensor([[[0.0, 0.0], [0.1, -0.2], [-0.15, 0.25]]])
    d = torch.tensor([[0.2, -0.4, 0.05]])
    heatmaps = heatmap_target(uv, 64)
    offsets = offset_target(d, heatmaps, image, mask)
    torch.testing.assert_close(depth_regression_decode(heatmaps, offsets, image, mask), d, atol=1e-5, rtol=0)


def test_decoders_are_differentiable():
    torch.manual_seed(0)
    n = 6
    logits = torch.randn(1, 2, n, n, dtype=torch.float64, requires_grad=True)
    temperature = torch.ones(2, dtype=torch.float64, requires_grad=True)
    offsets = torch.randn(1, 2, n, n, dtype=torch.float64, requires_grad=True)
    image = torch.rand(1, 1, n, n, dtype=torch.float64)
    mask = (torch.rand(1, 1, n, n) > 0.3).double()

    def plane(lg, t):
        return plane_regression_decode(normalise_heatmaps(lg, t).double())

    def depth(lg, off):
        return depth_regression_decode(normalise_heatmaps(lg, temperature).double(), off, image, mask).double()

    # The decoders compute in float32 internally; check their formulas in float64 directly as well.
    h = torch.softmax(logits.reshape(1, 2, -1), -1).reshape(1, 2, n, n)
    assert torch.autograd.gradcheck(lambda x: plane_regression_decode(x), (h.detach().requires_grad_(),))
    assert torch.autograd.gradcheck(
        lambda hh, off: ((hh * mask) * (image + off)).sum((-2, -1)) / (hh * mask).sum((-2, -1)),
        (h.detach().requires_grad_(), offsets))
    # And through the real functions (float32 inside): gradients exist and are finite.
    out = plane(logits, temperature).sum() + depth(logits, offsets).sum()
    out.backward()
    for t in (logits, temperature, offsets):
        assert t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0


def test_loss_is_zero_on_perfect_predictions_and_positive_otherwise():
    image, mask = _hand_image()
    uvd = torch.tensor([[[0.0, 0.0, 0.1], [0.12, -0.1, -0.2]]])
    config = LossConfig(offset_weight=1.0)
    target = make_targets(uvd, image, mask, config)
    perfect = StageOutput(uvd.clone(), target.heatmaps.clone(), target.offsets.clone())
    assert pwr_loss([perfect, perfect], target, config)["total"].item() == pytest.approx(0.0, abs=1e-12)
    worse = StageOutput(uvd + 0.01, target.heatmaps.roll(1, dims=-1), target.offsets + 0.1)
    terms = pwr_loss([perfect, worse], target, config)
    assert all(terms[k].item() > 0 for k in ("uv", "d", "H", "D", "total"))


def test_confidence_is_high_for_a_sharp_heatmap_and_low_for_a_flat_one():
    uv = torch.zeros(1, 1, 2)
    sharp = heatmap_target(uv, 64)
    flat = torch.full((1, 1, 64, 64), 1.0 / 4096)
    assert heatmap_confidence(sharp, uv).item() > 0.9
    assert heatmap_confidence(flat, uv).item() < 0.02


def test_confidence_is_continuous_in_the_centre():
    """All mass on one pixel 3 or 4 px from the centre (the window's inner and outer rim): moving the centre by
    0.006 px in or out changes the confidence by about that much, never by the whole pixel's mass (a hard-edged
    disc jumped 0 -> 1, and showed up as a 1e-2 ONNX-vs-torch difference on trained weights)."""
    heatmaps = torch.zeros(1, 1, 64, 64)
    heatmaps[0, 0, 32, 40] = 1.0
    step = torch.tensor([1e-4, 0.0])
    for offset_px in (3, 4):
        centre = torch.tensor([[[(40 - offset_px + 0.5) / 64 - 0.5, (32 + 0.5) / 64 - 0.5]]])
        inner = heatmap_confidence(heatmaps, centre + step).item()
        outer = heatmap_confidence(heatmaps, centre - step).item()
        assert abs(inner - outer) < 0.02, offset_px


def _four_neighbour_then_gaussian(uv: torch.Tensor, n: int) -> torch.Tensor:
    """The paper's encoder written out directly: bilinear split to four pixels, a 7 x 7 Gaussian, renormalise."""
    p = ((uv + 0.5) * n - 0.5).clamp(0.0, n - 1.0)
    out = torch.zeros(*uv.shape[:-1], n, n, dtype=uv.dtype)
    for idx in torch.cartesian_prod(*[torch.arange(s) for s in uv.shape[:-1]]):
        b, j = idx.tolist()
        x, y = p[b, j].tolist()
        x0, y0 = min(int(x), n - 2), min(int(y), n - 2)
        fx, fy = x - x0, y - y0
        out[b, j, y0, x0] += (1 - fx) * (1 - fy)
        out[b, j, y0, x0 + 1] += fx * (1 - fy)
        out[b, j, y0 + 1, x0] += (1 - fx) * fy
        out[b, j, y0 + 1, x0 + 1] += fx * fy
    k = gaussian_kernel(7, 1.5, uv.dtype)
    blurred = torch.nn.functional.conv2d(out.view(-1, 1, n, n), k[None, None], padding=3).view(out.shape)
    return blurred / blurred.sum(dim=(-2, -1), keepdim=True)


def test_separable_heatmap_target_equals_the_direct_construction():
    g = torch.Generator().manual_seed(3)
    uv = torch.rand(3, 5, 2, generator=g, dtype=torch.float64) * 1.4 - 0.7  # some beyond the border
    uv[0, 0] = torch.tensor([0.5 - 0.5 / 64, -0.5 + 0.5 / 64], dtype=torch.float64)  # exactly on border pixels
    torch.testing.assert_close(heatmap_target(uv, 64), _four_neighbour_then_gaussian(uv, 64), atol=1e-12, rtol=0)


def test_fast_layers_equal_their_torch_counterparts():
    from handtrack.models.pwr import block_mean, pixel_shuffle

    x = torch.randn(2, 12, 8, 8)
    torch.testing.assert_close(pixel_shuffle(x, 2), torch.nn.functional.pixel_shuffle(x, 2), atol=0, rtol=0)
    torch.testing.assert_close(block_mean(x, 2), torch.nn.functional.avg_pool2d(x, 2))


def test_transposed_convolution_equals_the_1x1_convolution_and_shuffle():
    from handtrack.models.pwr import pixel_shuffle, shuffled_conv1x1

    g = torch.Generator().manual_seed(5)
    features = torch.randn(3, 8, 5, 7, generator=g)
    weight, bias = torch.randn(4 * 6, 8, 1, 1, generator=g), torch.randn(4 * 6, generator=g)
    expected = pixel_shuffle(torch.nn.functional.conv2d(features, weight, bias), 2)
    got = shuffled_conv1x1(features, weight, bias, 2)
    assert got.shape == (3, 6, 10, 14)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    # a wrong channel order (the shuffle's i and j swapped) would not pass
    swapped = weight.view(6, 2, 2, 8, 1, 1).transpose(1, 2).reshape(24, 8, 1, 1)
    assert (shuffled_conv1x1(features, swapped, bias, 2) - expected).abs().max() > 0.1


def test_lite_heads_give_the_same_outputs_in_inference_and_training_form():
    """Inference runs the heads as transposed convolutions, training as 1 x 1 convolution + shuffle."""
    from handtrack.models import build_network
    from handtrack.models.config import ModelConfig

    torch.manual_seed(0)
    net = build_network(ModelConfig(stem="lite", features=16, levels=2)).eval()
    for head in net.heads:
        torch.nn.init.normal_(head.maps.weight, std=0.3)  # not the near-zero start: maps that differ per pixel
        torch.nn.init.normal_(head.maps.bias, std=0.3)
    crops = torch.rand(2, 1, 128, 128)
    with torch.no_grad():
        inference = net(crops)
        for head in net.heads:
            head.train()
        training = net(crops)
    for a, b in zip(inference, training):
        torch.testing.assert_close(a.heatmaps, b.heatmaps, atol=1e-6, rtol=1e-4)
        torch.testing.assert_close(a.offsets, b.offsets, atol=1e-4, rtol=1e-4)  # float rounding of sums
        torch.testing.assert_close(a.uvd, b.uvd, atol=1e-4, rtol=1e-4)


def test_separable_block_network_runs_and_unknown_block_is_refused():
    from handtrack.models import build_network
    from handtrack.models.config import ModelConfig

    net = build_network(ModelConfig(stem="lite", features=16, levels=2, block="separable"))
    out = net(torch.rand(2, 1, 128, 128))
    assert out[-1].uvd.shape == (2, 21, 3) and out[-1].heatmaps.shape == (2, 21, 64, 64)
    with pytest.raises(ValueError, match="block"):
        ModelConfig(block="fancy")
