"""The video engine: requests, model families, memory plans, backends over diffusers.

Importing this package is cheap: torch and diffusers load only in the modules that run models
(`loading`, `runner`, `backends`, `cache`), so `request`, `events`, `families` and `sources`
can be used by the CLI and the host client without paying for torch.

    request    GenerationRequest, Pin and the mode builders (text_to_video, extend_forward...)
    events     Job* events, StepInfo, TakeResult, JobCancelledError
    families   which pipeline a folder holds, what it can pin, its size rule (JSON only)
    sources    resolve_model / list_models: demo, models folder, a path, the HF cache
    loading    safetensors-only loading; pickle weights are refused unopened
    memory     MemoryPlan: choose_plan, apply_plan, describe_plan
    runner     run_request(request, out_path, on_step=, is_cancelled=, cache=) -> TakeResult
    longshot   windows chained with overlap, colour matched to the pinned frames
"""
