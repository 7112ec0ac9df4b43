"""handtrack: real-time 3D hand tracking from a depth camera.

Public API: :class:`HandTracker`, :class:`HandPose`, :class:`Joint`, :class:`Frame`, :class:`Intrinsics`, and
:func:`handtrack.sources.open_source` for depth sources.
"""

from handtrack.errors import HandtrackError
from handtrack.pose import JOINT_NAMES, HandPose, Handedness, Joint
from handtrack.types import DistortionModel, Frame, Intrinsics
from handtrack.tracker import HandTracker

__version__ = "0.1.0"

__all__ = [
    "DistortionModel", "Frame", "HandPose", "HandTracker", "Handedness", "HandtrackError", "Intrinsics",
    "JOINT_NAMES", "Joint",
    "__version__",
]
