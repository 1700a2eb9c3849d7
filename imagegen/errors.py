"""Exceptions raised by the image engines."""

from __future__ import annotations


class ImageGenError(Exception):
    """Root of every error raised by :mod:`imagegen`."""


class ImageGenInputError(ImageGenError, ValueError):
    """A request, option or name was ill-formed; the message names the value."""


class UnknownEngineError(ImageGenInputError):
    """No engine is registered under the requested name."""


class GenerationCancelled(ImageGenError):
    """The caller's cancel flag was raised before all images were made."""


class WeightsError(ImageGenInputError):
    """A weights folder is missing parts, is unreadable or belongs to another model."""


class OutOfMemoryError(ImageGenError):
    """The accelerator ran out of memory; the message names the next memory policy to try."""


class ProviderError(ImageGenError):
    """A hosted image service failed, refused the request or answered something unusable."""
