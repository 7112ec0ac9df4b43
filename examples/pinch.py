"""Gesture input from a tracked hand: pinch events, extended fingers, grab and which way the palm faces.

    python examples/pinch.py                      # the bundled demo recording
    python examples/pinch.py recording.db3        # a recording, or "realsense" for the live camera

A pinch starts when the thumb and index tips come closer than 25 mm and ends when they part beyond 40 mm: two
thresholds, so that a distance hovering around one of them does not fire a burst of events.
"""

import sys
from pathlib import Path

from handtrack import HandTracker
from handtrack.smoothing import OneEuroConfig
from handtrack.sources import open_source

PINCH_START_MM, PINCH_END_MM = 25.0, 40.0
FINGERS = ("thumb", "index", "middle", "ring", "little")
DEMO = Path(__file__).resolve().parents[1] / "handtrack" / "_data" / "demo-sr305.db3"

tracker = HandTracker(smoothing=OneEuroConfig())  # smoothed joints: steadier distances and angles
pinching = False
with open_source(sys.argv[1] if len(sys.argv) > 1 else str(DEMO)) as source:
    for frame, hands in tracker.run(source):
        if not hands:
            print(f"frame {frame.index}: no hand")
            pinching = False
            continue
        m = hands[0].measures
        if not pinching and m.pinch_distance_mm < PINCH_START_MM:
            pinching = True
            print(f"frame {frame.index}: pinch starts at {m.pinch_distance_mm:.0f} mm")
        elif pinching and m.pinch_distance_mm > PINCH_END_MM:
            pinching = False
            print(f"frame {frame.index}: pinch ends")
        extended = [name for name, up in zip(FINGERS, m.extended) if up] or ["none"]
        facing = "to the camera" if m.palm_normal[2] < -0.5 else "away" if m.palm_normal[2] > 0.5 else "sideways"
        print(f"frame {frame.index}: {hands[0].handedness.value} hand, fingers out: {', '.join(extended)}; "
              f"grab {m.grab_strength:.2f}; palm {facing}; pinch {m.pinch_distance_mm:.0f} mm")
