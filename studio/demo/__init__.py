"""The demo model: procedural scenes, its trainer and evaluator (see assets/models/demo/README.md)."""
