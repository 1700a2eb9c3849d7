"""Hosted video adapters: fal.ai, Replicate, Google Veo (Gemini API) and Kling.

Each submits the storyboard still with a prompt, polls the provider's job, downloads the clip
at once from the provider's documented hosts only, and conforms it to the shot's slot (see
:func:`videogen.jobs.run_job`). Keys come from the environment only and are never logged.
"""

from videogen.hosted.fal import FalAdapter
from videogen.hosted.kling import KlingAdapter
from videogen.hosted.replicate import ReplicateAdapter
from videogen.hosted.veo import VeoAdapter

__all__ = ["FalAdapter", "KlingAdapter", "ReplicateAdapter", "VeoAdapter"]
