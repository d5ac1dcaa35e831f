"""Interchange: the cut handed to editing suites and back, deliverable media, C2PA provenance.

Entry points (import them from their modules; this package imports nothing on its own, so
loading one part does not load OpenTimelineIO, PyAV and the C2PA library all at once):

- `export.export_timeline(project, bundle_path, fmt, out, collect=, media_format=)`:
  otio / fcp7 / fcpx / edl / aaf, through the OpenTimelineIO adapters (`formats.py`).
- `export.export_render(project, bundle_path, out, media_format)`: the whole cut as one
  prores / dnxhr / h264 file or a PNG sequence (`render.py`, `encoders.py`).
- `timeline_import.import_timeline(project, bundle_path, path, stack=None)`: a timeline
  file as new tracks, its media relinked by name beside it.
- `c2pa_sign.sign_file(path, kind=, recipe=, ingredients=)` and
  `c2pa_verify.verify_file(path)`: Content Credentials signed with this installation's
  identity (`c2pa_identity.py`).
"""
