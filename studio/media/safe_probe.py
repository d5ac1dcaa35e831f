"""Probe untrusted files in a child process, so a file that crashes or hangs a decoder fails
the import with a plain message while the studio stays up.

The child holds the file to `MediaLimits` from its header before decoding a frame, runs under
an address-space limit (a crafted header that asks for gigabytes fails there, not in the
machine's swap), and is killed when it takes longer than the timeout.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from studio.core.errors import BadInput
from studio.media.info import DEFAULT_LIMITS, MediaInfo, MediaLimits

log = logging.getLogger(__name__)

# A fresh interpreter (not multiprocessing, which re-runs the caller's __main__ in the child
# and so breaks any script without a main guard). It reads its job from stdin and writes
# its reply to stdout; everything the decoder prints goes to stderr.
_CHILD = "from studio.media.safe_probe import _child_main; _child_main()"
# The child's address space is capped, so it must not reserve memory per core: glibc keeps a
# 64 MB malloc arena per thread, and math libraries start a thread pool per core.
_CHILD_ENV = {"MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def safe_probe(
    path: str | os.PathLike,
    *,
    limits: MediaLimits = DEFAULT_LIMITS,
    _child_hook: Callable[[], object] | None = None,
) -> MediaInfo:
    """`probe` for files from outside, run in a child process. Raises BadInput on any failure.

    `_child_hook` is for tests only: a picklable callable run in the child before probing
    (`os.abort`, or `functools.partial(ctypes.string_at, 0)` for a segfault), to prove a
    crashing decoder cannot take the caller down.
    """
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path} does not exist; check the path." if not path.exists()
                       else f"{path} is not a file; give a video or image file.")
    job = pickle.dumps((str(path.resolve()), limits, _child_hook))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), **_CHILD_ENV)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    try:
        out, err = child.communicate(job, timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        log.warning("probing %s timed out after %s s", path, limits.timeout_s)
        raise BadInput(
            f"{path.name} took more than {limits.timeout_s:g} s to check and was stopped; "
            "the file is probably damaged, so do not import it."
        ) from None
    reply = _unpickle(out) if child.returncode == 0 else None
    if reply is None:
        log.warning("probing %s crashed the child (exit code %s): %s", path, child.returncode,
                    err.decode(errors="replace")[-2000:])
        raise BadInput(
            f"{path.name} crashed the media decoder while it was being checked "
            f"({_describe_exit(child.returncode)}); the file is probably damaged, "
            "so do not import it."
        )
    status, payload = reply
    if status == "ok":
        return payload
    raise BadInput(payload)


def _unpickle(data: bytes):
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 (a half-written reply means the child died)
        return None


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _child_main() -> None:
    """Entry point of the child: read (path, limits, hook) from stdin, reply on stdout."""
    reply_to = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints must not corrupt the reply
    path, limits, hook = pickle.loads(sys.stdin.buffer.read())
    # Imported here, in the child, so the caller's process never loads a decoder for this.
    import av.logging

    from studio.media.probe import probe_checked

    # FFmpeg's errors are how a refused header size is learned (see probe._size_from_log).
    av.logging.set_level(av.logging.ERROR)
    _limit_memory(limits.max_memory_bytes)
    if hook is not None:
        hook()
    try:
        reply = ("ok", probe_checked(path, limits))
    except BadInput as exc:
        reply = ("bad", str(exc))
    except MemoryError:
        reply = ("bad", (f"{Path(path).name} needs more memory to read than a video of its "
                         "size should; the file is probably damaged, so do not import it."))
    except Exception as exc:  # noqa: BLE001 (any failure on an untrusted file is the file's)
        reply = ("bad", (f"{Path(path).name} could not be read ({type(exc).__name__}: "
                         f"{exc}); the file is probably damaged."))
    reply_to.write(pickle.dumps(reply))
    reply_to.close()


def _limit_memory(max_bytes: int) -> None:
    try:
        import resource
    except ImportError:
        return
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            max_bytes = min(max_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard))
    except (ValueError, OSError) as exc:  # macOS refuses RLIMIT_AS; the timeout still holds
        log.debug("could not limit the probe's memory: %s", exc)
