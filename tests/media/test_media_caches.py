"""Thumbnails, the thumbnail disk cache, the frame cache and content hashes."""

import hashlib
import shutil

import numpy as np
import pytest

from studio.media import FrameCache, ThumbnailCache, content_hash, thumbnail, write_video


@pytest.fixture
def clip(tmp_path, frames_factory):
    return write_video(tmp_path / "clip.mkv", frames_factory(12, 96, 128), 24)


def test_thumbnail_keeps_aspect_and_shows_the_frame(clip, frames_factory, nearest_of):
    small = thumbnail(clip, frame=7, max_size=64)
    assert small.shape == (48, 64, 3) and small.dtype == np.uint8
    shrunk = [thumbnail(clip, i, 64) for i in range(12)]
    assert nearest_of(small, np.stack(shrunk)) == 7
    # Never enlarged.
    assert thumbnail(clip, 0, max_size=500).shape == (96, 128, 3)


def test_thumbnail_cache_writes_pngs_keyed_by_content(tmp_path, clip):
    cache = ThumbnailCache(tmp_path / "thumbs")
    first = cache.get(clip, frame=3, max_size=64)
    files = list((tmp_path / "thumbs").glob("*.png"))
    assert len(files) == 1
    assert files[0].name.startswith(content_hash(clip)[:32])
    assert np.array_equal(first, thumbnail(clip, 3, 64))
    # Same content under another name: the same cached file, nothing new written.
    twin = shutil.copy(clip, tmp_path / "renamed.mkv")
    assert cache.path_for(twin, 3, 64) == files[0]
    assert len(list((tmp_path / "thumbs").glob("*.png"))) == 1
    assert cache.clear() == 1


def test_thumbnail_cache_follows_a_changed_file(tmp_path, frames_factory):
    path = write_video(tmp_path / "clip.mkv", frames_factory(2), 24)
    cache = ThumbnailCache(tmp_path / "thumbs")
    before = cache.get(path)
    write_video(path, frames_factory(2)[::-1].copy(), 24)  # frame 0 is now the old frame 1
    after = cache.get(path)
    assert not np.array_equal(before, after)


def test_frame_cache_hits_evicts_and_bounds_bytes(clip, frames_factory):
    frame_bytes = 96 * 128 * 3
    cache = FrameCache(max_bytes=5 * frame_bytes, readahead=3)
    picture = cache.get(clip, 4)
    assert np.array_equal(picture, frames_factory(12, 96, 128)[4])
    assert not picture.flags.writeable
    # The miss decoded a run ahead: 4, 5, 6.
    assert all(cache.has(clip, i) for i in (4, 5, 6)) and not cache.has(clip, 7)
    assert cache.get(clip, 5) is cache.get(clip, 5)
    cache.get(clip, 0)  # 0, 1, 2 -> 6 frames wanted, room for 5: the oldest (4) goes
    assert cache.bytes_used <= 5 * frame_bytes and len(cache) == 5
    assert not cache.has(clip, 4) and cache.has(clip, 5)
    small = cache.get(clip, 0, size=(32, 24))
    assert small.shape == (24, 32, 3)
    cache.drop(clip)
    assert len(cache) == 0 and cache.bytes_used == 0


def test_content_hash_is_the_sha256(tmp_path):
    data = np.random.default_rng(1).bytes(3 * 1024 * 1024 + 17)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert content_hash(path) == hashlib.sha256(data).hexdigest()
