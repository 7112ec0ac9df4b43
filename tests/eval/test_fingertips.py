import numpy as np
import pytest

from handtrack.eval.fingertips import TIP_JOINTS, score_fingertips

MARKED = ((100, 200), (150, 100), (170, 95), (190, 100), None)  # thumb, index, middle, ring; little not marked


def _joints_with_tips(tips: dict[int, tuple[float, float]]) -> np.ndarray:
    joints = np.zeros((21, 2))
    for k, uv in tips.items():
        joints[TIP_JOINTS[k]] = uv
    return joints


def test_a_tip_near_its_own_mark_is_on_its_finger_and_errors_are_in_mm():
    joints = _joints_with_tips({0: (103, 204), 1: (150, 100), 2: (170, 105), 3: (190, 100), 4: (0, 0)})
    scores = score_fingertips(joints, MARKED, mm_per_px=0.5)
    assert [s.finger for s in scores] == ["thumb", "index", "middle", "ring"]  # the unmarked little finger is left out
    assert [round(s.error_mm, 6) for s in scores] == [2.5, 0.0, 5.0, 0.0]
    assert all(s.on_own_finger for s in scores)


def test_a_tip_on_the_neighbouring_finger_or_too_far_is_not_on_its_own():
    # the middle tip sits on the ring finger's end; the thumb 60 px (30 mm) off in empty space
    joints = _joints_with_tips({0: (100, 260), 1: (150, 100), 2: (188, 100), 3: (190, 100)})
    scores = {s.finger: s for s in score_fingertips(joints, MARKED, mm_per_px=0.5)}
    assert not scores["middle"].on_own_finger and scores["middle"].error_mm < 20  # near, but nearer the ring's end
    assert not scores["thumb"].on_own_finger and scores["thumb"].error_mm == 30.0
    assert scores["index"].on_own_finger and scores["ring"].on_own_finger


def test_the_difference_of_two_readings_comes_with_an_interval_from_resampling_frames():
    from handtrack.eval.fingertips import share_difference_interval

    same = [[True, False, True], [False, False], [True] * 5]
    assert share_difference_interval(same, same) == (0.0, 0.0, 0.0)
    # a reading that gets every tip against one that gets none: the interval is the difference itself
    all_hits = [[True] * 5 for _ in range(10)]
    no_hits = [[False] * 5 for _ in range(10)]
    assert share_difference_interval(all_hits, no_hits) == (1.0, 1.0, 1.0)
    # one hand of ten read right by one reading only: 10 points better, and an interval that reaches zero
    one_more = [[True] * 5] + [[False] * 5 for _ in range(9)]
    difference, low, high = share_difference_interval(one_more, no_hits)
    assert difference == 0.1 and low == 0.0 and 0.1 < high <= 0.3
    # whole frames are resampled: the same hits spread over many frames give a narrower interval
    spread = [[True] + [False] * 4 for _ in range(5)] + [[False] * 5 for _ in range(5)]
    _, low_spread, high_spread = share_difference_interval(spread, no_hits)
    assert high_spread - low_spread < high - low
    assert share_difference_interval(one_more, no_hits) == share_difference_interval(one_more, no_hits)  # seeded
    with pytest.raises(ValueError, match="same tips"):
        share_difference_interval([[True]], [[True, False]])
    with pytest.raises(ValueError, match="non-empty"):
        share_difference_interval([], [])
