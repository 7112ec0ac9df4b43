"""Track every frame of a recording and print the index fingertip: python examples/track_recording.py MODEL REC"""

import sys

from handtrack import HandTracker, Joint
from handtrack.sources import open_source

tracker = HandTracker(sys.argv[1])
with open_source(sys.argv[2]) as source:
    for frame, hands in tracker.run(source):
        for hand in hands:
            x, y, z = hand.joints_xyz_mm[Joint.INDEX_TIP]
            print(f"frame {frame.index}: index tip at ({x:.0f}, {y:.0f}, {z:.0f}) mm, score {hand.score:.2f}")
        if not hands:
            print(f"frame {frame.index}: no hand ({tracker.last_reason})")
