"""What CogVideoX folders look like and what they can do. Importing this costs no torch."""

from studio.engine.families import Family, PinSupport

_NEEDS = ("transformer", "vae", "text_encoder", "tokenizer", "scheduler")
_RULE = "width and height multiples of 16, frames 4k+1"

FAMILIES = (
    # The transformer names no repeated blocks, so regional compilation has nothing to take.
    Family("cogvideox", "CogVideoX text-to-video", ("CogVideoXPipeline",), _NEEDS,
           PinSupport.NOTHING, _RULE, backend="cogvideox_backend.backend:text",
           compilable=False),
    Family("cogvideox_i2v", "CogVideoX image-to-video", ("CogVideoXImageToVideoPipeline",),
           _NEEDS, PinSupport.FIRST_FRAME, _RULE, backend="cogvideox_backend.backend:image",
           compilable=False),
)
