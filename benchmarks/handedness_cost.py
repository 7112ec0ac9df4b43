"""What ``--hand auto`` costs: the whole tracker per frame with the side given (right) and decided (auto), on
the 19 real SR305 frames, three rounds alternating between the two trackers. Usage:

    python benchmarks/handedness_cost.py [models/pwr-lite.onnx]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from handtrack import HandTracker
from handtrack.sources import open_source

SR305 = Path(__file__).resolve().parents[2] / "shared" / "data" / "sr305-lada"


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "models/pwr-lite.onnx"
    if not SR305.is_dir():
        sys.exit(f"no real frames: {SR305} is missing")
    with open_source(SR305, camera_profile="sr305") as source:
        frames = list(source)
    trackers = {side: HandTracker(model, handedness=side, threads=2) for side in ("right", "auto")}
    times: dict[str, list[float]] = {side: [] for side in trackers}
    for _ in range(3):
        for side, tracker in trackers.items():
            for frame in frames:
                tracker.reset()
                start = time.perf_counter()
                tracker.track(frame)
                times[side].append((time.perf_counter() - start) * 1e3)
    right, auto = (float(np.median(times[s])) for s in ("right", "auto"))
    print(f"{model}: median per frame {right:.1f} ms with --hand right, {auto:.1f} ms with --hand auto "
          f"({auto / right:.2f}x), {len(times['right'])} frames each")


if __name__ == "__main__":
    main()
