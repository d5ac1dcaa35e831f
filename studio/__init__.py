"""Studio: a timeline editor for filmmakers who make video with local AI models."""

__version__ = "0.1.0"
