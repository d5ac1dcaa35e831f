"""The studio window (PySide6). The only package besides `studio.app` that imports Qt."""
