"""Media: probe, decode, encode, thumbnails and frame caches (PyAV + OpenCV; no Qt, no torch).

The names below are the package's interface; import them from `studio.media`.
"""

from studio.media.decode import decode_frames, iter_frames, read_frames
from studio.media.encode import CODECS, available_codecs, write_png_sequence, write_video
from studio.media.frame_cache import FrameCache
from studio.media.images import load_image
from studio.media.info import MediaInfo, MediaLimits
from studio.media.ingest import content_hash, import_media
from studio.media.probe import probe
from studio.media.safe_probe import safe_probe
from studio.media.thumbnails import ThumbnailCache, thumbnail
from studio.media.writer import VideoWriter

__all__ = [
    "CODECS",
    "FrameCache",
    "MediaInfo",
    "MediaLimits",
    "ThumbnailCache",
    "VideoWriter",
    "available_codecs",
    "content_hash",
    "decode_frames",
    "import_media",
    "iter_frames",
    "load_image",
    "probe",
    "read_frames",
    "safe_probe",
    "thumbnail",
    "write_png_sequence",
    "write_video",
]
