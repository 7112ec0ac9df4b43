"""handtrack: real-time 3D hand tracking from a depth camera.

Public API: :class:`Frame`, :class:`Intrinsics`, :class:`HandPose`, :class:`Joint`, :func:`open_source`.
"""

from handtrack.errors import HandtrackError
from handtrack.pose import JOINT_NAMES, HandPose, Handedness, Joint
from handtrack.types import DistortionModel, Frame, Intrinsics

__version__ = "0.1.0"

__all__ = [
    "DistortionModel", "Frame", "HandPose", "Handedness", "HandtrackError", "Intrinsics", "JOINT_NAMES", "Joint",
    "__version__",
]
