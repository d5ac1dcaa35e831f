"""Still images as RGB arrays (OpenCV): PNG, JPEG, WebP; alpha dropped, 16-bit scaled to 8."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import cv2
import numpy as np

from studio.core.errors import BadInput
from studio.media.info import MediaLimits
from studio.media.sniff import read_image_header

log = logging.getLogger(__name__)


def load_image(
    path: str | os.PathLike, size: tuple[int, int] | None = None
) -> np.ndarray:
    """The image as an HxWx3 uint8 RGB array; `size` is (width, height) to resize to."""
    path = Path(path)
    header = read_image_header(path) if path.is_file() else None
    if header is None:
        raise BadInput(f"{path.name} is not a PNG, JPEG or WebP image; check the file.")
    limit = MediaLimits().max_pixels
    if header.width * header.height > limit:
        raise BadInput(
            f"{path.name} claims {header.width}x{header.height} pixels, more than the "
            f"{limit:,} pixels the studio accepts; scale it down first."
        )
    # IMREAD_COLOR drops alpha and applies EXIF rotation; ANYDEPTH keeps 16-bit samples.
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)
    if image is None:
        raise BadInput(f"{path.name} is a damaged {header.format.upper()} image; "
                       "export it again.")
    return to_rgb8(image, size)


def to_rgb8(image: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """An OpenCV BGR array of any depth -> uint8 RGB, optionally resized to (width, height)."""
    if image.dtype == np.uint16:
        image = ((image.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image.astype(np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    else:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if size is not None:
        image = resize(image, size)
    return np.ascontiguousarray(image)


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    if width <= 0 or height <= 0:
        raise ValueError(f"a size must be positive, not {width}x{height}")
    if (image.shape[1], image.shape[0]) == (width, height):
        return image
    shrinking = width < image.shape[1] and height < image.shape[0]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return cv2.resize(image, (width, height), interpolation=interpolation)
