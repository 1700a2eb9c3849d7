"""The in-repo FLUX.2 engine (local weights) and its variants."""

from imagegen.flux2.engine import Flux2Engine
from imagegen.flux2.variants import VARIANTS, Variant, WeightsInfo, inspect_weights

__all__ = ["VARIANTS", "Flux2Engine", "Variant", "WeightsInfo", "inspect_weights"]
