"""Still images: formats, alpha, 16-bit, sizes read from the header alone."""

import cv2
import numpy as np
import pytest

from studio.core.errors import BadInput
from studio.core.model import MediaKind
from studio.media import load_image, probe, safe_probe
from studio.media.sniff import read_image_header

# Smooth ramps in red and green, flat blue: lossy codecs keep these well, and a red/blue
# swap would show at once.
RGB = np.zeros((30, 40, 3), np.uint8)
RGB[..., 0] = np.linspace(0, 255, 40, dtype=np.uint8)[None, :]
RGB[..., 1] = np.linspace(0, 255, 30, dtype=np.uint8)[:, None]
RGB[..., 2] = 200


def _write(path, bgr_or_bgra, params=()):
    assert cv2.imwrite(str(path), bgr_or_bgra, list(params))
    return path


@pytest.mark.parametrize("ext, fmt, exact", [(".png", "png", True), (".webp", "webp", False),
                                             (".jpg", "jpeg", False)])
def test_formats_probe_and_load(tmp_path, ext, fmt, exact):
    path = _write(tmp_path / f"still{ext}", cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR))
    header = read_image_header(path)
    assert (header.format, header.width, header.height) == (fmt, 40, 30)
    info = probe(path)
    assert (info.kind, info.frames, info.width, info.height, info.ext) == (
        MediaKind.IMAGE, 1, 40, 30, header.ext)
    image = load_image(path)
    assert image.shape == (30, 40, 3) and image.dtype == np.uint8
    if exact:
        assert np.array_equal(image, RGB)
    else:  # lossy: close, and colours not swapped
        assert np.abs(image.astype(int) - RGB).mean() < 6


def test_lossless_webp_header(tmp_path):
    path = _write(tmp_path / "l.webp", cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR),
                  (cv2.IMWRITE_WEBP_QUALITY, 101))
    assert (read_image_header(path).width, read_image_header(path).height) == (40, 30)
    assert np.array_equal(load_image(path), RGB)


def test_alpha_is_dropped_and_16_bit_is_scaled(tmp_path):
    bgra = np.dstack([cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR), np.full((30, 40), 7, np.uint8)])
    assert np.array_equal(load_image(_write(tmp_path / "a.png", bgra)), RGB)
    deep = cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257
    assert np.array_equal(load_image(_write(tmp_path / "d.png", deep)), RGB)
    gray = _write(tmp_path / "g.png", RGB[..., 0])
    assert np.array_equal(load_image(gray), np.repeat(RGB[..., :1], 3, axis=2))


def test_resize_and_safe_probe(tmp_path):
    path = _write(tmp_path / "s.png", cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR))
    assert load_image(path, size=(20, 15)).shape == (15, 20, 3)
    info = safe_probe(path)
    assert (info.kind, info.width, info.height) == (MediaKind.IMAGE, 40, 30)


def test_damaged_image_bodies(tmp_path):
    path = _write(tmp_path / "s.png", cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR))
    cut = tmp_path / "cut.png"
    cut.write_bytes(path.read_bytes()[:20])
    with pytest.raises(BadInput, match="starts like a PNG image but its header is damaged"):
        probe(cut)
    body = tmp_path / "body.png"
    body.write_bytes(path.read_bytes()[:60])
    with pytest.raises(BadInput, match="body.png is a damaged PNG image"):
        safe_probe(body)
