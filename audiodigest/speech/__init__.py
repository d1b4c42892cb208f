"""speech: spoken text -> PCM, through pluggable engines and a content-addressed segment cache.

    engines  the Engine protocol and the registry (entry-point group ``audiodigest.engines``)
    piper    offline neural voices (default)      edge    Microsoft's online voices
    espeak   espeak-ng, fast and robotic           cache   the segment cache
    synth    parallel, resumable synthesis of many segments
"""

from audiodigest.speech.cache import CacheStats, PruneResult, SegmentCache
from audiodigest.speech.engines import (
    Engine,
    UnknownEngineError,
    UnknownVoiceError,
    VoiceInfo,
    engine_names,
    get_engine,
    list_voices,
    register_engine,
    unregister_engine,
    voice_from_settings,
)
from audiodigest.speech.synth import SpeechJob, SynthesisReport, missing_jobs, synthesize_jobs

__all__ = [
    "CacheStats", "Engine", "PruneResult", "SegmentCache", "SpeechJob", "SynthesisReport",
    "UnknownEngineError", "UnknownVoiceError", "VoiceInfo", "engine_names", "get_engine",
    "list_voices", "missing_jobs", "register_engine", "synthesize_jobs", "unregister_engine",
    "voice_from_settings",
]
