"""CogVideoX image-to-video: the backend lives with the text-to-video one in cogvideox.py."""

from studio.engine.backends.cogvideox import CogVideoXImageBackend

BACKEND = CogVideoXImageBackend
