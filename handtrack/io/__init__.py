"""Writing data out: RealSense recordings (and, later, pose files and videos)."""

from handtrack.io.recorder import RecordingWriter

__all__ = ["RecordingWriter"]
