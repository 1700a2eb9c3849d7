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
from videogen.errors import (
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
from videogen.probe import VideoInfo, probe_video
from videogen.registry import ADAPTERS, adapter_class, adapter_infos, get_adapter
from videogen.request import CAMERA_MOVES, ClipRequest
from videogen.timeline import (
    Gap,
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
    "AdapterInfo",
    "Capabilities",
    "ClipRequest",
    "ExportError",
    "Gap",
    "GenerationCancelled",
    "Job",
    "JobAdapter",
    "JobState",
    "JobStatus",
    "MediaError",
    "MotionAdapter",
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
    "export_video",
    "frames_to_seconds",
    "get_adapter",
    "probe_video",
    "seconds_to_frames",
]
