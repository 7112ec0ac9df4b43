"""handtrack: real-time 3D hand tracking from a depth camera.

Public API: :class:`HandTracker`, :class:`HandPose` (and its :class:`HandMeasures`: palm, pinch, grab, fingers
extended), :class:`Joint`, :class:`Frame`, :class:`Intrinsics`, and :func:`handtrack.sources.open_source` for
depth sources.
"""

from handtrack.errors import HandtrackError
from handtrack.gestures import HandMeasures
from handtrack.pose import JOINT_NAMES, Handedness, HandPose, Joint
from handtrack.tracker import HandTracker
from handtrack.types import DistortionModel, Frame, Intrinsics

__version__ = "0.1.0"

__all__ = [
    "DistortionModel", "Frame", "HandMeasures", "HandPose", "HandTracker", "Handedness", "HandtrackError", "Intrinsics",
    "JOINT_NAMES", "Joint",
    "__version__",
]
