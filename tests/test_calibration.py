import json

import pytest

from handtrack.calibration import list_profiles, load_profile
from handtrack.errors import ProfileError

EXPECTED = {"sr300", "sr305", "d415", "d435", "d455", "msra", "icvl", "nyu", "hands2017"}


def test_every_bundled_profile_loads_and_says_where_its_numbers_come_from():
    assert EXPECTED <= set(list_profiles())
    for name in list_profiles():
        profile = load_profile(name)
        assert profile.name == name
        assert len(profile.source) > 40
        assert profile.depth_unit_mm > 0
        assert profile.depth_range_mm[0] < profile.depth_range_mm[1]


def test_known_values():
    assert load_profile("nyu").intrinsics.fy == pytest.approx(-587.07)
    assert load_profile("sr305").depth_unit_mm == 0.125
    d435 = load_profile("D435")  # names are case-insensitive
    assert d435.intrinsics.fx == pytest.approx(390.431) and d435.depth_unit_mm == 1.0
    assert load_profile("hands2017").intrinsics.ppx == pytest.approx(315.944855)
    assert load_profile("icvl").intrinsics.size == (320, 240)


def _write(tmp_path, data):
    path = tmp_path / "cam.json"
    path.write_text(json.dumps(data))
    return path


def _valid():
    return json.loads(json.dumps({
        "name": "cam", "description": "a camera", "source": "measured by hand",
        "intrinsics": {"width": 640, "height": 480, "fx": 500, "fy": 500, "ppx": 320, "ppy": 240},
        "depth_unit_mm": 1.0,
    }))


def test_a_profile_file_by_path_loads(tmp_path):
    assert load_profile(_write(tmp_path, _valid())).intrinsics.fx == 500


@pytest.mark.parametrize("field", ["fx", "ppy", "width"])
def test_a_missing_intrinsics_field_is_named(tmp_path, field):
    data = _valid()
    del data["intrinsics"][field]
    with pytest.raises(ProfileError, match=f"missing field 'intrinsics.{field}'"):
        load_profile(_write(tmp_path, data))


def test_other_invalid_fields_are_named(tmp_path):
    data = _valid()
    del data["depth_unit_mm"]
    with pytest.raises(ProfileError, match="missing field 'depth_unit_mm'"):
        load_profile(_write(tmp_path, data))
    data = _valid()
    data["intrinsics"]["fy"] = "five hundred"
    with pytest.raises(ProfileError, match="'intrinsics.fy' must be a number"):
        load_profile(_write(tmp_path, data))
    data = _valid()
    data["intrinsics"]["model"] = "fisheye9"
    with pytest.raises(ProfileError, match="intrinsics.model"):
        load_profile(_write(tmp_path, data))
    data = _valid()
    del data["source"]
    with pytest.raises(ProfileError, match="missing field 'source'"):
        load_profile(_write(tmp_path, data))


def test_unknown_name_lists_the_known_ones(tmp_path):
    with pytest.raises(ProfileError, match="unknown camera profile 'kinect'.*sr305"):
        load_profile("kinect")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ProfileError, match="not valid JSON"):
        load_profile(bad)
