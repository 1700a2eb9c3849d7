"""Video adapters by name."""

from typing import Any, Protocol

from videogen.adapter import AdapterInfo, VideoAdapter
from videogen.errors import UnknownAdapterError, VideoGenInputError
from videogen.motion import MotionAdapter


class AdapterClass(Protocol):
    """What the registry holds: a constructor taking options, and an availability check."""

    def __call__(self, *args: Any, **kwargs: Any) -> VideoAdapter: ...

    def availability(self) -> AdapterInfo: ...


ADAPTERS: dict[str, AdapterClass] = {"motion": MotionAdapter}


def get_adapter(name: str, **options: Any) -> VideoAdapter:
    """Build the adapter registered as ``name`` (case-insensitive) with ``options``."""
    key = name.strip().lower()
    if key not in ADAPTERS:
        raise UnknownAdapterError(name, ADAPTERS)
    try:
        return ADAPTERS[key](**options)
    except TypeError as exc:
        raise VideoGenInputError(
            f"bad options for video adapter {key!r}: {sorted(options)} ({exc})"
        ) from exc


def adapter_infos() -> list[AdapterInfo]:
    """Every registered adapter and whether it can run here."""
    return [cls.availability() for cls in ADAPTERS.values()]
