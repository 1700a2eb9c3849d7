"""Parallax for the motion adapter: the still bent by its depth guess as the camera moves.

Each frame is drawn through a coarse mesh (PIL's MESH transform, in C). A mesh vertex
samples the still where the plain camera window would, then moves by its nearness ``r``
(−1 far … +1 near, from ``videogen.depth``):

- sideways, by ``parallax · r`` times the window's travel from mid-clip, so near things
  slide past faster than far ones on pans, tilts and drifts;
- towards or away from the window centre, by ``parallax · r`` times the zoom gained since
  the widest frame, so near things grow faster than far ones on a push-in (and shrink
  faster on a pull-out), as with a real dolly.

The camera plan already shortens the window's travel so that the nearest things stay inside
the still; vertices are clamped to it as well.
"""

from typing import TYPE_CHECKING

import numpy as np

from videogen.camera import CameraPlan
from videogen.depth import sample_depth

if TYPE_CHECKING:
    from PIL import Image

MESH_CELL = 64
"""Mesh cell side in output pixels: the depth field is smooth, so this is plenty."""

Mesh = list[tuple[tuple[int, int, int, int], tuple[float, ...]]]


class ParallaxWarp:
    """Per-frame meshes for one clip: ``plan`` over a still with nearness field ``depth``."""

    def __init__(self, plan: CameraPlan, depth: np.ndarray, width: int, height: int) -> None:
        self.plan = plan
        self.depth = depth
        cols = max(2, round(width / MESH_CELL))
        rows = max(2, round(height / MESH_CELL))
        # Even luma boundaries, so the half-size chroma planes share the same vertices.
        self.xs = 2 * np.round(np.linspace(0, width // 2, cols + 1)).astype(int)
        self.ys = 2 * np.round(np.linspace(0, height // 2, rows + 1)).astype(int)
        self.u, self.v = np.meshgrid(self.xs / width, self.ys / height)
        self.centre = (float(plan.centre_x.mean()), float(plan.centre_y.mean()))
        self.widest = float(plan.zoom.min())

    def vertices(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``k``'s mesh vertices in unit coordinates of the still, kept inside it."""
        x, y = self.reach(k)
        return np.clip(x, 0.0, 1.0), np.clip(y, 0.0, 1.0)

    def reach(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Where frame ``k``'s mesh vertices fall in unit coordinates of the still."""
        plan = self.plan
        zoom, cx, cy = float(plan.zoom[k]), float(plan.centre_x[k]), float(plan.centre_y[k])
        qx, qy = (self.u - 0.5) / zoom, (self.v - 0.5) / zoom
        near = sample_depth(self.depth, cx + qx, cy + qy) * plan.parallax
        grow = 1.0 - near * (zoom / self.widest - 1.0)
        x = cx + qx * grow + near * (cx - self.centre[0])
        y = cy + qy * grow + near * (cy - self.centre[1])
        return x, y

    def mesh(self, k: int, source: tuple[int, int], scale: int = 1) -> Mesh:
        """PIL MESH data for frame ``k`` from a ``source``-sized plane, output 1/``scale``."""
        x, y = self.vertices(k)
        x, y = (x * source[0]).tolist(), (y * source[1]).tolist()
        xs, ys = (self.xs // scale).tolist(), (self.ys // scale).tolist()
        cells: Mesh = []
        for j in range(len(ys) - 1):
            top, low = x[j], x[j + 1]
            ytop, ylow = y[j], y[j + 1]
            for i in range(len(xs) - 1):
                cells.append(
                    (
                        (xs[i], ys[j], xs[i + 1], ys[j + 1]),
                        (
                            top[i], ytop[i],
                            low[i], ylow[i],
                            low[i + 1], ylow[i + 1],
                            top[i + 1], ytop[i + 1],
                        ),
                    )
                )  # fmt: skip
        return cells

    def warp(
        self, plane: "Image.Image", k: int, size: tuple[int, int], scale: int
    ) -> "Image.Image":
        """Frame ``k`` of ``plane`` at ``size`` (``scale`` 2 for the half-size chroma planes)."""
        from PIL import Image

        mesh = self.mesh(k, plane.size, scale)
        return plane.transform(size, Image.Transform.MESH, mesh, Image.Resampling.BILINEAR)
