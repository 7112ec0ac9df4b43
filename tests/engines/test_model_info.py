"""``handtrack info MODEL.onnx``: what a model file is, read from the file."""

import shutil

from handtrack.engines.model_info import describe_model
from handtrack.tracker import MODELS_DIR
from tests.cli.test_cli import assert_user_error, run_cli


def test_a_pose_model_names_its_network_contract_training_and_classifier():
    rows = dict(describe_model(MODELS_DIR / "pwr-lite-hm.onnx", MODELS_DIR))
    assert rows["name"] == "pwr-lite-hm"
    assert rows["kind"].startswith("pose network (pwr: stem lite, features 32")
    assert rows["crop contract"].startswith("128x128 crop, cube half-size 150 mm")
    assert "head-mounted views" in rows["training data"]
    assert rows["--hand auto"] == "handedness-pwr-lite-hm.onnx serves it"


def test_other_weights_under_a_bundled_name_have_no_classifier(untrained_onnx, tmp_path):
    """The untrained pwr-lite is named like the bundled one, whose classifier reads its probe crop otherwise."""
    model = tmp_path / "mine.onnx"
    shutil.copy(untrained_onnx, model)
    rows = dict(describe_model(model, MODELS_DIR))
    assert rows["name"] == "pwr-lite" and rows["--hand auto"].startswith("no handedness classifier fitted")


def test_a_handedness_classifier_says_whose_it_is():
    rows = dict(describe_model(MODELS_DIR / "handedness-pwr.onnx", MODELS_DIR))
    assert rows["kind"].startswith("handedness classifier for the pose model 'pwr'")
    assert rows["held-out accuracy"].endswith("their mirror images") and "%" in rows["held-out accuracy"]


def test_the_presence_check_says_what_it_is_and_how_it_did_held_out():
    rows = dict(describe_model(MODELS_DIR / "presence.onnx", MODELS_DIR))
    assert rows["name"] == "presence" and rows["kind"].startswith("presence check: does a crop hold a hand?")
    assert "forearm's end, fresh search" in rows["held out"] and "steps of 128 crops" in rows["training"]


def test_the_cli_describes_a_model_and_refuses_what_is_not_one(tmp_path):
    proc = run_cli("info", MODELS_DIR / "pwr.onnx")
    assert proc.returncode == 0, proc.stderr
    assert "pose network (pwr: stem reference, features 128" in proc.stdout and "handedness-pwr.onnx" in proc.stdout
    bad = tmp_path / "bad.onnx"
    bad.write_text("not a model")
    assert_user_error(run_cli("info", bad), "onnxruntime cannot load it")
    assert_user_error(run_cli("info", tmp_path / "missing.onnx"), "model file not found")
