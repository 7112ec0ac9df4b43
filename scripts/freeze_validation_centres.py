"""Record the localiser's centre of every validation scene in handtrack/_data/validation-centres.npz.

The fixed validation set takes its crop centres from that file, so that a change to the localiser does not change
the set (and every accuracy figure with it). Run this only to start a new version of the set, and re-measure every
figure that cites it. ``--missing``: keep every palm geometry and view already in the file and add those that
are not (a palm geometry added since: no figure changes). Usage: python scripts/freeze_validation_centres.py
[--missing]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handtrack.synth.generator import VALIDATION_CENTRES, freeze_validation_centres  # noqa: E402

if __name__ == "__main__":
    found = freeze_validation_centres(keep_existing="--missing" in sys.argv[1:])
    for key, count in found.items():
        print(f"{key}: a hand found in {count} scenes")
    print(f"written: {VALIDATION_CENTRES}")
