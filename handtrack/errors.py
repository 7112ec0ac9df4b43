"""User-facing errors.

Every problem caused by a user's input (a missing file, a corrupt recording, an unknown camera profile,
no camera connected) raises a subclass of :class:`HandtrackError` with a one-line message that says what is
wrong and, where possible, what to do. The CLI prints that line and exits with code 2; programmers
embedding the library catch ``HandtrackError``.
"""

from __future__ import annotations


class HandtrackError(Exception):
    """An error the user can fix; its message is one line meant for people."""


class SourceError(HandtrackError):
    """A depth source cannot be opened or read (file, folder, recording, camera)."""


class RecordingError(SourceError):
    """A RealSense recording (.bag / .db3) is missing, corrupt, truncated or holds no depth stream."""


class CameraNotFoundError(SourceError):
    """No RealSense camera (or not the requested serial) is connected."""


class ProfileError(HandtrackError):
    """A camera profile is unknown or invalid."""


class FrameError(HandtrackError, ValueError):
    """A Frame built from data that is not what a Frame holds (depth not 2-D uint16 raw units of the intrinsics'
    size, a depth unit that is not positive)."""
