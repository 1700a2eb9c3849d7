"""MoviePy's ffmpeg video writer, fed raw yuv420p frames."""

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter

from videogen.frames import widen_pipe
from videogen.probe import ffmpeg_exe


class PlanarWriter(FFMPEG_VideoWriter):
    """``moviepy.video.io.ffmpeg_writer.FFMPEG_VideoWriter`` taking I420 frames.

    MoviePy 2.2's writer always declares its input rgb24 (its ``pixel_format`` argument is
    overwritten) and appends ``-pix_fmt yuva420p``, so frames that are yuv420p already would
    be converted to RGB and back. This builds the same command with a yuv420p input, an
    explicit stream map (a cover picture in the song file must not become the video) and
    the caller's output options; ``write_frame`` (with MoviePy's error reporting) and
    ``close`` are MoviePy's own.
    """

    def __init__(
        self,
        filename: str,
        size: tuple[int, int],
        fps: int,
        *,
        audio: Path | None,
        output_args: list[str],
    ) -> None:
        self.filename = filename
        self.codec = "libx264"
        self.audio_codec = "aac" if audio is not None else None
        self.ext = Path(filename).suffix.lstrip(".")
        self.returncode: int | None = None
        # MoviePy's write_frame reads the log back from here when ffmpeg fails.
        self.logfile: Any = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by close())
        cmd = [ffmpeg_exe(), "-y", "-hide_banner", "-nostdin", "-loglevel", "error"]
        cmd += ["-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{size[0]}x{size[1]}"]
        cmd += ["-pix_fmt", "yuv420p", "-r", str(fps), "-an", "-i", "-"]
        if audio is not None:
            cmd += ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0"]
        else:
            cmd += ["-map", "0:v:0"]
        cmd += [*output_args, filename]
        self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.logfile
        )
        widen_pipe(self.proc.stdin)

    def abort(self) -> None:
        """Kill ffmpeg (the output is abandoned)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def close(self) -> None:
        """Close MoviePy's way, keeping ffmpeg's exit status in ``returncode``."""
        proc = self.proc
        if proc is not None:
            try:
                super().close()
            except BrokenPipeError:  # ffmpeg already gone (aborted or failed)
                proc.wait()
                self.proc = None
            self.returncode = proc.returncode

    def log(self) -> str:
        """What ffmpeg printed (errors only), stripped."""
        self.logfile.seek(0)
        return str(self.logfile.read()).strip()
