"""Video generation: adapters that turn stills into clips, the timeline, and export."""

from videogen._files import check_output_path
from videogen.adapter import (
    AdapterInfo,
    Capabilities,
    Job,
    JobAdapter,
    JobState,
    JobStatus,
    VideoAdapter,
)
from videogen.edits import move_clip, reorder_clip, set_transition, snap_to_beats, trim_clip
from videogen.errors import (
    DiskFullError,
    ExportError,
    GenerationCancelled,
    MediaError,
    ProviderAuthError,
    ProviderError,
    UnknownAdapterError,
    VideoGenError,
    VideoGenInputError,
)
from videogen.export import export_video
from videogen.motion import MotionAdapter
from videogen.otio import export_otio
from videogen.presets import PRESETS, ExportPreset, get_preset
from videogen.probe import VideoInfo, probe_video
from videogen.registry import ADAPTERS, adapter_class, adapter_infos, get_adapter
from videogen.request import CAMERA_MOVES, ClipRequest
from videogen.timeline import (
    Gap,
    Placement,
    TextOverlay,
    Timeline,
    TimelineClip,
    Track,
    Transition,
    frames_to_seconds,
    seconds_to_frames,
)

__all__ = [
    "ADAPTERS",
    "CAMERA_MOVES",
    "PRESETS",
    "AdapterInfo",
    "Capabilities",
    "ClipRequest",
    "DiskFullError",
    "ExportError",
    "ExportPreset",
    "Gap",
    "GenerationCancelled",
    "Job",
    "JobAdapter",
    "JobState",
    "JobStatus",
    "MediaError",
    "MotionAdapter",
    "Placement",
    "ProviderAuthError",
    "ProviderError",
    "TextOverlay",
    "Timeline",
    "TimelineClip",
    "Track",
    "Transition",
    "UnknownAdapterError",
    "VideoAdapter",
    "VideoGenError",
    "VideoGenInputError",
    "VideoInfo",
    "adapter_class",
    "adapter_infos",
    "check_output_path",
    "export_otio",
    "export_video",
    "frames_to_seconds",
    "get_adapter",
    "get_preset",
    "move_clip",
    "probe_video",
    "reorder_clip",
    "seconds_to_frames",
    "set_transition",
    "snap_to_beats",
    "trim_clip",
]
