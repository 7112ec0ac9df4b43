"""Handedness classifiers through onnxruntime: which hand is in a crop, left or right.

Two kinds of model file, told apart by ``model_config["kind"]`` in their metadata:

- ``handedness`` (:class:`HandednessClassifier`): a small CNN on the crop itself (trained by
  :mod:`handtrack.training.handedness`; none shipped: it reached 57-59 % held out).
- ``handedness-pose`` (:class:`PoseHandedness`): reads the pose network's two readings of a crop, the crop as
  seen (a right hand's reading) and mirrored (a left hand's, through the right-hand model), and says which of
  the two a right hand explains better. It belongs to one pose model (``models/handedness-<pose model>.onnx``,
  trained by :mod:`handtrack.training.handedness_pose`); the tracker checks that the loaded pose model is that
  one with a probe crop whose pose the file remembers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from handtrack.engines.metadata import ModelFileError, ModelMetadata
from handtrack.pose import Joint

#: crop-normalised (u, v, d) -> approximate millimetres for a 150 mm cube half-size (u, v span the cube's
#: 300 mm width; d is (z - z_c) / 150): the scale of the pose features, not a measurement
_CROP_TO_MM = np.array([300.0, 300.0, 150.0], dtype=np.float32)
_PALM = [Joint.WRIST, Joint.INDEX_MCP, Joint.MIDDLE_MCP, Joint.RING_MCP, Joint.LITTLE_MCP]
POSE_FEATURES = 21 * 3 + 3 + 21 + 21  # per reading: see :func:`pose_features`
POSE_PROBE_TOLERANCE = 0.02  # crop units (about 6 mm): fp16 and GPU builds of one model agree far closer


def surface_at_joints(crops: np.ndarray, joints_crop: np.ndarray) -> np.ndarray:
    """(B, 1, S, S) normalised crops and (B, J, 3) crop-normalised joints -> (B, J) the crop's value at each
    joint's nearest pixel (the visible surface's normalised depth there, or the background value)."""
    size = crops.shape[-1]
    cols = np.clip(np.rint((joints_crop[..., 0] + 0.5) * size - 0.5), 0, size - 1).astype(np.int64)
    rows = np.clip(np.rint((joints_crop[..., 1] + 0.5) * size - 0.5), 0, size - 1).astype(np.int64)
    return crops[np.arange(len(crops))[:, None], 0, rows, cols].astype(np.float32)


def pose_features(joints_crop: np.ndarray, confidence: np.ndarray, surface: np.ndarray) -> np.ndarray:
    """One reading of a crop -> (B, POSE_FEATURES) float32 features that do not change when the hand turns
    about the camera axis: the 21 joints in the hand's own frame (origin the palm's middle, y from the wrist
    to the middle finger's base, x across the knuckles from little to index finger, z = x cross y; in units of
    100 mm), the camera's viewing axis in that frame (which side of the hand the camera sees), the 21 joint
    confidences, and how far each joint lies behind the crop's surface at its pixel (normalised depth units).

    joints_crop (B, 21, 3) crop-normalised, confidence (B, 21), surface (B, 21) from :func:`surface_at_joints`.
    """
    mm = np.asarray(joints_crop, dtype=np.float32) * _CROP_TO_MM
    origin = mm[:, _PALM].mean(axis=1, keepdims=True)
    y = _unit(mm[:, Joint.MIDDLE_MCP] - mm[:, Joint.WRIST])
    x = mm[:, Joint.INDEX_MCP] - mm[:, Joint.LITTLE_MCP]
    x = _unit(x - np.sum(x * y, axis=1, keepdims=True) * y)
    axes = np.stack([x, y, np.cross(x, y)], axis=1)  # (B, 3, 3): rows are the hand's axes in crop space
    local = np.einsum("bij,bkj->bki", axes, mm - origin) / 100.0
    behind = np.asarray(joints_crop, dtype=np.float32)[..., 2] - surface
    return np.concatenate([local.reshape(len(mm), -1), axes[:, :, 2], confidence, behind], axis=1).astype(
        np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-6)


def probe_crop(size: int = 128) -> np.ndarray:
    """(1, 1, S, S) a fixed synthetic crop (a disc of surface tilted in depth on the background) whose pose
    readings fingerprint a pose model."""
    r, c = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1) - 0.5
    crop = np.where(r**2 + c**2 < 0.1, 0.3 * r - 0.2 * c, 1.0).astype(np.float32)
    return crop[None, None]


class HandednessClassifier:
    """``p_left(crops)``: (B, 1, S, S) normalised crops -> (B,) probability that each is a left hand."""

    def __init__(self, path: str | Path, threads: int | None = None,
                 opened: tuple[ort.InferenceSession, ModelMetadata] | None = None) -> None:
        self.path = Path(path)
        self.session, self.metadata = opened or open_model_file(self.path, threads)
        if self.metadata.model_config.get("kind") != "handedness":
            raise ModelFileError(f"{self.path}: not a handedness model")
        self._input = self.session.get_inputs()[0].name

    def p_left(self, crops: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(crops, dtype=np.float32)
        return self.session.run(None, {self._input: x})[0].reshape(-1)


class PoseHandedness:
    """``p_left(right_reading, mirror_reading)``: (B, POSE_FEATURES) :func:`pose_features` of the pose
    network's reading of each crop and of its mirror image -> (B,) probability that the crop holds a left
    hand. Swapping the two readings gives exactly 1 - p (the model is built antisymmetric), so a crop and its
    mirror image always get opposite answers with the same confidence."""

    def __init__(self, path: str | Path, threads: int | None = None,
                 opened: tuple[ort.InferenceSession, ModelMetadata] | None = None) -> None:
        self.path = Path(path)
        self.session, self.metadata = opened or open_model_file(self.path, threads or 1)
        if self.metadata.model_config.get("kind") != "handedness-pose":
            raise ModelFileError(f"{self.path}: not a pose-reading handedness model")
        self.pose_model = str(self.metadata.model_config.get("pose_model", ""))
        self.probe_joints = np.asarray(self.metadata.model_config.get("probe_joints", []), dtype=np.float32)

    def check_pose_model(self, engine) -> None:  # type: ignore[no-untyped-def]
        """Refuse a pose engine other than the one this classifier was trained on (its reading of
        :func:`probe_crop` differs from the remembered one)."""
        joints, _ = engine.infer(probe_crop(engine.metadata.contract.input_size))
        if self.probe_joints.shape != joints[0].shape or float(
                np.abs(joints[0] - self.probe_joints).max()) > POSE_PROBE_TOLERANCE:
            raise ModelFileError(f"{self.path}: made for pose model {self.pose_model!r} as it was trained; the loaded "
                                 f"{engine.metadata.name!r} reads its probe crop differently (other weights): "
                                 "retrain the classifier for it (models/handedness.md) or give the hand")

    def p_left(self, right_reading: np.ndarray, mirror_reading: np.ndarray) -> np.ndarray:
        feeds = {"right_reading": np.ascontiguousarray(right_reading, dtype=np.float32),
                 "mirror_reading": np.ascontiguousarray(mirror_reading, dtype=np.float32)}
        return self.session.run(None, feeds)[0].reshape(-1)


def open_model_file(path: Path, threads: int | None = 1) -> tuple[ort.InferenceSession, ModelMetadata]:
    """A model file's onnxruntime session (CPU, threads that sleep when idle) and its handtrack metadata (a
    handedness classifier is loaded this way; ``handtrack info`` reads any model file so)."""
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types for a bad file
        raise ModelFileError(f"{path}: onnxruntime cannot load it ({str(exc).splitlines()[0]})") from exc
    return session, ModelMetadata.from_props(session.get_modelmeta().custom_metadata_map, str(path))


def load_handedness(path: str | Path, threads: int | None = None) -> HandednessClassifier | PoseHandedness:
    """Either kind of handedness model file, by the kind its metadata names."""
    path = Path(path)
    opened = open_model_file(path, threads or 1)  # the pose kind's thread count: its network is tiny
    if opened[1].model_config.get("kind") == "handedness-pose":
        return PoseHandedness(path, threads, opened)
    return HandednessClassifier(path, threads, opened if threads else None)  # a crop CNN: onnxruntime's default
