"""The viewer: plays the cut or a take from a read-ahead frame cache, audio-free."""

from studio.ui.viewer.panel import ViewerPanel

__all__ = ["ViewerPanel"]
