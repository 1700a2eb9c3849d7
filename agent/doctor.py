"""`storybeat doctor`: what this machine can run (engines, adapters, weights, devices, database)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from dataclasses import asdict, dataclass

from agent.config import Settings


@dataclass(frozen=True)
class Check:
    area: str
    name: str
    ok: bool
    detail: str
    required: bool = False


def run_checks(settings: Settings) -> list[Check]:
    checks = [_python(), _data_dir(settings), _database(settings), _ffmpeg()]
    checks += _engines() + _adapters() + [_flux2_weights(settings), _torch()]
    return checks


def _python() -> Check:
    version = importlib.metadata.version("storybeat")
    return Check("system", "storybeat", True, f"{version} on Python {platform.python_version()}")


def _data_dir(settings: Settings) -> Check:
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        ok = os.access(path, os.W_OK)
    except OSError as exc:
        return Check("system", "data dir", False, f"{path}: {exc.strerror}", required=True)
    return Check("system", "data dir", ok, str(path), required=True)


def _database(settings: Settings) -> Check:
    from storage import StorageError, open_database
    from storage.db import mask_url

    url = settings.db_url
    try:
        db = open_database(url)
    except StorageError as exc:
        return Check("system", "database", False, str(exc), required=True)
    db.dispose()
    return Check("system", "database", True, f"{mask_url(url)} (migrated)", required=True)


def _ffmpeg() -> Check:
    from audio.ffmpeg import ffmpeg_exe

    try:
        exe = ffmpeg_exe()
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, check=True)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        return Check("system", "ffmpeg", False, str(exc), required=True)
    return Check("system", "ffmpeg", True, out.stdout.split("\n", 1)[0][:60])


def _engines() -> list[Check]:
    from imagegen import engine_infos

    return [Check("image engine", i.name, i.available, i.detail) for i in engine_infos()]


def _adapters() -> list[Check]:
    from videogen import adapter_infos

    return [Check("video adapter", i.name, i.available, i.detail) for i in adapter_infos()]


def _flux2_weights(settings: Settings) -> Check:
    """The FLUX.2 folder's variant, or what is wrong with it; required when flux2 is chosen."""
    from imagegen.errors import WeightsError
    from imagegen.flux2 import inspect_weights

    required = settings.image_engine.strip().lower() == "flux2"
    folder = settings.flux2_weights
    if folder is None:
        return Check("weights", "flux2", False, "STORYBEAT_FLUX2_WEIGHTS not set", required)
    try:
        info = inspect_weights(folder)
    except WeightsError as exc:
        return Check("weights", "flux2", False, " ".join(str(exc).split()), required)
    detail = f"{info.label} at {info.folder}"
    if info.single_file is not None:
        detail += f" (transformer from BFL file {info.single_file.name})"
    return Check("weights", "flux2", True, detail, required)


def _torch() -> Check:
    try:
        import torch
    except ImportError as exc:
        return Check("devices", "torch", False, f"not importable: {exc}")
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append("mps")
    return Check("devices", "torch", True, f"{torch.__version__}: {', '.join(devices)}")


def as_dicts(checks: list[Check]) -> list[dict[str, object]]:
    return [asdict(c) for c in checks]
