"""The public tracking API: ``HandTracker(model).track(frame) -> list[HandPose]``.

Per frame: localise the hand(s) (tracking from the previous frame), crop each to the model's contract,
run all crops in one engine call, map the joints back to the image and to camera space, and optionally run a
second pass with the crop re-centred on the predicted palm. A hand followed from the previous frame is cropped
around its palm there (moved with the localiser) and needs the second pass only when it has moved away from it.
Optionally (``rotations_deg``) the final crop is read turned as well and the readings averaged.
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from handtrack.engines import Engine, load_engine
from handtrack.engines.handedness import (
    HandednessClassifier,
    PoseHandedness,
    load_handedness,
    pose_features,
    surface_at_joints,
)
from handtrack.engines.presence import PresenceClassifier
from handtrack.errors import HandtrackError
from handtrack.geometry import deproject_pixels_to_points
from handtrack.pose import Handedness, HandPose
from handtrack.preprocess import (
    HandLocalizer,
    LocalizerConfig,
    crop_depth,
    crop_to_image_uvd,
    image_uvd_to_crop,
    make_crop_transform,
)
from handtrack.preprocess.crop import (
    CropTransform,
    rotated_transform,
    surface_reaches_image_edge,
    window_within_image,
)
from handtrack.preprocess.localize import HandCandidate
from handtrack.preprocess.mirror import HANDEDNESS_CHOICES, mirror_crops, unmirror_joints
from handtrack.preprocess.refine import palm_centre_mm, second_pass_centre_mm
from handtrack.smoothing import OneEuroConfig, PoseSmoother
from handtrack.sources.base import DepthSource
from handtrack.types import Frame

MODELS_DIR = Path(__file__).resolve().parent / "_models"
DEFAULT_MODEL = "pwr-lite.onnx"  # on a CPU
GPU_MODEL = "pwr.onnx"  # the larger model, when the engine would run on a GPU
HEAD_MOUNTED_MODEL = "pwr-lite-hm.onnx"  # trained on a headset's views: the default of head_mounted=True
#: --hand auto on a tracked hand: the share of the evidence (log-odds of "left") kept from one frame to the next,
#: so that a single frame's doubt does not flip the label (0: every frame decides alone)
HANDEDNESS_MEMORY = 0.8
#: Following a tracked hand (``HandTracker(follow=True)``): its crop is centred on the previous frame's palm moved by
#: FOLLOW_STEP_SHARE of the localiser's step (the localiser's centre is the noisier measure of the motion), and
#: one pass suffices unless it puts the palm further than FOLLOW_REPASS_MM from the crop's centre (mm); a hand whose
#: localised centre lies further than FOLLOW_MAX_JUMP_MM from its previous palm is cropped afresh, in two passes
#: (docs/ARCHITECTURE.md "Following a hand").
FOLLOW_STEP_SHARE = 0.5
FOLLOW_REPASS_MM = 15.0
FOLLOW_MAX_JUMP_MM = 80.0
#: --hand auto, a followed hand: with evidence this strong (log-odds; 3.5 is p = 0.97) its side is taken as known
#: and it is read that way only, except in one frame of SIDE_RECHECK_FRAMES, which reads it both ways again
SIDE_LOCK_LOG_ODDS = 3.5
SIDE_RECHECK_FRAMES = 10
#: the evidence is kept within this (log-odds; p = 0.9975), so that a hand that changes side (one hand taken away
#: and the other put in its place between two frames) is unlocked by the first recheck that disagrees
SIDE_MAX_LOG_ODDS = 6.0
#: What on a body may be a hand (``Localization.unconfirmed``: the localiser cannot tell a hand touching a torso
#: from a head) is one when the network, cropping it again around the palm it predicted there (up to
#: CONFIRM_READINGS readings in all), settles: predicts the palm within CONFIRM_MAX_MOVE_MM of an earlier reading
#: (the previous one, or for a candidate on a body one before it: the network reads some hands two ways in turn,
#: about 20 mm apart), with a mean confidence of at least CONFIRM_MIN_SCORE (docs/ARCHITECTURE.md "Localisation")
CONFIRM_READINGS = 3
CONFIRM_MAX_MOVE_MM = 20.0
CONFIRM_MIN_SCORE = 0.2
#: With ``max_hands`` 2, a hand beyond the first that was not tracked from the previous frame is taken only when the
#: network confirms it the same way: what the localiser takes for a second hand beside a real one is mostly a head
#: or the rest of a body. A candidate it refuses is not asked about again, within a cube's half-size of where it
#: was, for REFUSED_FRAMES frames (a head stays in view: asking every frame would double the engine's work)
REFUSED_FRAMES = 10
#: A hand that continues none of the previous frame's is taken only when the pose network settles on it: the second
#: pass puts the palm within CONFIRM_MAX_MOVE_MM of the first pass's (or a third reading does, within as much of the
#: second's); otherwise that hand is dropped (a head the localiser took for a hand), and with none left, this reason
NOT_SETTLED = ("the pose network did not settle on what the localiser found (it read the palm somewhere else each "
               "time): a head, a body?")
PRESENCE_MODEL = "presence.onnx"  # the bundled presence check (engines/presence.py), for every pose model
#: The presence check, on a hand whose crop's surface reaches the image's edge (as a forearm's does once its hand
#: has left the view; a surface within the image counts as fully a hand, SIDE_MAX_LOG_ODDS: the check refuses some
#: fists and hands seen edge-on, which need not be asked about there): its final crop is scored (p that it holds
#: a hand); the log-odds, plus PRESENCE_MEMORY of a followed hand's evidence so far (within +-SIDE_MAX_LOG_ODDS),
#: must reach the log-odds of PRESENCE_MIN, or the hand is dropped. A hand leaving the view is dropped within two
#: frames; one doubtful frame does not drop a hand followed with confidence (docs/ARCHITECTURE.md "The presence
#: check": at 0.5 the first version dropped 3 of 300 synthetic hands at the image's edge, scored 0.34-0.46; at 0.25
#: none, and 53-57 of the 55-58 forearms' ends the tracker reported are still dropped). Not in head-mounted mode:
#: trained on front views only, it dropped 11 of 300 synthetic headset hands, whose arm always reaches the edge.
PRESENCE_MIN = 0.25
PRESENCE_MEMORY = 0.8
NOT_A_HAND = "the presence check found no hand in the crop (p {p:.2f}): a forearm whose hand has left the view, a head?"

log = logging.getLogger(__name__)


def handedness_model_path(pose_model: str) -> Path:
    """The bundled handedness classifier that reads pose model ``pose_model``: models/handedness-NAME.onnx."""
    return MODELS_DIR / f"handedness-{pose_model}.onnx"


def classifier_for(engine: Engine, handedness_model: str | Path | None,
                    threads: int | None) -> HandednessClassifier | PoseHandedness:
    """The handedness classifier for ``engine``'s weights: ``handedness_model`` or the bundled one of the pose
    model; a HandtrackError when there is none, or when it was fitted to other weights."""
    name = engine.metadata.name
    path = Path(handedness_model) if handedness_model is not None else handedness_model_path(name)
    if handedness_model is None and not path.is_file():
        raise HandtrackError(f"handedness auto needs a handedness model for pose model {name!r} ({path.name} in "
                             "models/), and none is shipped: say which hand with --hand right or --hand left")
    classifier = load_handedness(path, threads=threads)
    if isinstance(classifier, PoseHandedness):
        classifier.check_pose_model(engine)
    return classifier


def _default_classifier(engine: Engine, handedness_model: str | Path | None,
                        threads: int | None) -> HandednessClassifier | PoseHandedness | None:
    """:func:`classifier_for`, or None with the reason in the log (the default side is then right): at info
    level when no classifier file exists, as a warning when one exists but cannot serve these weights."""
    try:
        return classifier_for(engine, handedness_model, threads)
    except HandtrackError as error:
        name = engine.metadata.name
        path = Path(handedness_model) if handedness_model is not None else handedness_model_path(name)
        if path.is_file():
            log.warning("tracking right hands, not --hand auto: %s", error)
        else:
            log.info("no handedness classifier for pose model %r (%s): tracking right hands (--hand left mirrors "
                     "them)", name, path.name)
        return None


def _log_odds(p: float | np.ndarray) -> np.ndarray:
    """The log-odds of probability ``p`` (a number, or an array element-wise), kept within those of 1e-6 and
    1 - 1e-6."""
    p = np.clip(p, 1e-6, 1.0 - 1e-6)
    return np.log(p / (1.0 - p))


def _probability(log_odds: float | np.ndarray) -> np.ndarray:
    """The probability (the logistic function) of ``log_odds``: a number, or an array element-wise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(log_odds, dtype=np.float64)))


def _apart(point_mm: np.ndarray, others_mm: list[np.ndarray], distance_mm: float) -> bool:
    """Does ``point_mm`` (3,) lie at least ``distance_mm`` from each of ``others_mm`` (true for none)?"""
    return all(np.linalg.norm(point_mm - other) >= distance_mm for other in others_mm)


def presence_for(presence: bool | str | Path, engine: Engine) -> PresenceClassifier | None:
    """The presence classifier: ``presence`` a file, True for the bundled one (None, said in the log, when none is
    shipped) or False for none; refused (ModelFileError) when its crop contract is not the pose model's."""
    if presence is False:
        return None
    path = MODELS_DIR / PRESENCE_MODEL if presence is True else Path(presence)
    if presence is True and not path.is_file():
        log.info("no presence check (%s is not in models/): every hand the localiser finds is reported", path.name)
        return None
    classifier = PresenceClassifier(path, threads=1)
    classifier.check_contract(engine.metadata.contract)
    return classifier


def runs_on_gpu(provider: str | None) -> bool:
    """Would an .onnx model loaded with ``provider`` run on a GPU (an explicit cuda / tensorrt provider, or none
    given and onnxruntime lists a GPU provider first)?"""
    if provider:
        return provider.lower().startswith(("cuda", "tensorrt"))
    from handtrack.engines.onnx_engine import choose_providers

    return choose_providers()[0] != "CPUExecutionProvider"


def default_model_path(provider: str | None = None, head_mounted: bool = False) -> Path:
    """The bundled model for where it will run: with ``head_mounted`` the model trained on a headset's views
    (models/pwr-lite-hm.onnx, when shipped; the front-view models fail on those views), else models/pwr.onnx on a
    GPU (when shipped), else models/pwr-lite.onnx; a clear error while none has been trained and shipped."""
    if head_mounted and (MODELS_DIR / HEAD_MOUNTED_MODEL).is_file():
        return MODELS_DIR / HEAD_MOUNTED_MODEL
    if runs_on_gpu(provider) and (MODELS_DIR / GPU_MODEL).is_file():
        return MODELS_DIR / GPU_MODEL
    path = MODELS_DIR / DEFAULT_MODEL
    if not path.is_file():
        raise HandtrackError(f"no bundled model yet ({DEFAULT_MODEL} is not in models/): pass a model file "
                             "(--model / HandTracker(model=...)) made with 'handtrack export'")
    return path


@dataclasses.dataclass
class _Followed:
    """A hand of the previous frame: the localiser's centre and the pose's palm centre (mm, (3,), before any
    smoothing), the accumulated log-odds that it is a left hand (None where the side is fixed, not decided) and
    the frames since it was last read both ways."""

    centre_mm: np.ndarray
    palm_mm: np.ndarray
    left_odds: float | None
    unchecked: int = 0
    hand_odds: float = 0.0  # the presence check's evidence so far (log-odds that it is a hand; 0: none)

    def known_side(self) -> tuple[Handedness, float] | None:
        """(side, score) when the evidence is strong enough to read the hand on that side alone this frame."""
        if self.left_odds is None or abs(self.left_odds) < SIDE_LOCK_LOG_ODDS or self.unchecked + 1 >= (
                SIDE_RECHECK_FRAMES):
            return None
        p_left = float(_probability(self.left_odds))
        return (Handedness.LEFT, p_left) if p_left > 0.5 else (Handedness.RIGHT, 1.0 - p_left)


class HandTracker:
    """Tracks up to ``max_hands`` hands per frame.

    model: a model file (.onnx / .pt), an already loaded Engine, or None for the bundled model: pwr-lite on a
    CPU, the larger pwr when onnxruntime runs it on a GPU, pwr-lite-hm with ``head_mounted``
    (:func:`default_model_path`).
    refine: run a second pass around the first pass's palm (DESIGN.md section 4).
    smoothing: One Euro filter settings for the joints over time (None: off, as for replay and evaluation;
    live use turns it on).
    handedness: "right" (the model's own side), "left" (every hand is mirrored through the right-hand model,
    preprocess/mirror.py) or "auto": a handedness classifier (``handedness_model``, default the bundled
    models/handedness-<pose model>.onnx) decides per hand and left hands are mirrored. The bundled kind reads
    the pose network's readings of the crop and of its mirror image (one engine call for both, so "auto"
    doubles the first pass's engine work) and keeps the reading it chose. "auto" without a classifier file is
    refused: the pose network's own confidence was measured to be no guide (docs/ARCHITECTURE.md).
    None (the default): "auto" where a classifier was fitted to these very weights (the bundled models have
    one), otherwise "right", said in the log.
    head_mounted: the camera is at the eyes (a headset): the arm comes towards the camera, so the localiser
    takes the far end of the nearest surface for the hand (:class:`LocalizerConfig`), and the default model is
    the one trained on such views (models/pwr-lite-hm.md, with a handedness classifier fitted to its readings of
    headset views: "auto" by default, as for the front-view models).
    follow: a hand tracked from the previous frame is cropped around its palm there, moved with the localiser,
    in one pass (a second only when the palm has moved more than FOLLOW_REPASS_MM from the crop's centre), and
    under "auto" a hand whose side is certain is read on that side only (one frame in SIDE_RECHECK_FRAMES reads
    it both ways). About half the engine work of a frame, at about the same accuracy (docs/ARCHITECTURE.md).
    False: every frame crops at the localiser's centre (and runs the second pass when ``refine``).
    With ``refine``, a hand that continues none of the previous frame's is kept only when the network settles on
    it over the two passes (NOT_SETTLED; a head the localiser took for a hand does not).
    presence: the presence check (engines/presence.py) scores the final crop of each hand at the image's edge and
    drops what holds no hand (a forearm whose hand has left the view): True for the bundled models/presence.onnx
    (off in head-mounted mode: it was trained on front views), a file, or False (every hand the localiser finds and
    the network settles on is reported).
    rotations_deg: each hand's final crop is also read turned by each of these angles (degrees, in the image
    plane; e.g. (-30, 30); one number A means (-A, A)) and the readings are averaged (test-time augmentation):
    about 3-4 % lower mean joint error for 1 + len(rotations_deg) times the final pass's engine work
    (docs/ARCHITECTURE.md "Averaging turned readings"). Empty (the default): one reading.
    """

    def __init__(self, model: str | Path | Engine | None = None, max_hands: int = 1, refine: bool = True,
                 provider: str | None = None, threads: int | None = None,
                 localizer: LocalizerConfig | None = None, smoothing: OneEuroConfig | None = None,
                 handedness: str | None = None, handedness_model: str | Path | None = None,
                 head_mounted: bool = False, follow: bool = True, presence: bool | str | Path = True,
                 rotations_deg: float | tuple[float, ...] = ()) -> None:
        if handedness is not None and handedness not in HANDEDNESS_CHOICES:
            raise HandtrackError(f"handedness {handedness!r}: choose one of {', '.join(HANDEDNESS_CHOICES)}")
        hands = localizer.max_hands if localizer is not None else max_hands
        if hands not in (1, 2):
            raise HandtrackError(f"max_hands {hands!r}: 1 or 2 (a person's hands; the localiser and the poses file "
                                 "take at most two)")
        self.engine = model if isinstance(model, Engine) else load_engine(
            model if model is not None else default_model_path(provider, head_mounted), provider=provider,
            threads=threads)
        self.classifier: HandednessClassifier | PoseHandedness | None = None
        if handedness is None:
            self.classifier = _default_classifier(self.engine, handedness_model, threads)
            handedness = "auto" if self.classifier is not None else "right"
        elif handedness == "auto":
            self.classifier = classifier_for(self.engine, handedness_model, threads)
        self.handedness = handedness
        self.params = self.engine.metadata.contract
        config = localizer or LocalizerConfig(cube_half_mm=self.params.cube_half_mm, max_hands=max_hands)
        if head_mounted:
            config = dataclasses.replace(config, head_mounted=True)
        if config.head_mounted and presence is True:  # the bundled check knows front views only
            log.info("no presence check in head-mounted mode (models/presence.md): pass a file to use one")
            presence = False
        self.presence = presence_for(presence, self.engine)
        self.localizer = HandLocalizer(config)
        self.refine = refine
        self.follow = follow
        if isinstance(rotations_deg, numbers.Real):  # one angle: turned that far both ways
            rotations_deg = (-rotations_deg, rotations_deg) if rotations_deg else ()
        if not all(isinstance(a, numbers.Real) and np.isfinite(a) and abs(a) <= 90.0 for a in rotations_deg):
            raise HandtrackError(f"rotations {tuple(rotations_deg)!r}: angles in degrees, each within -90 .. 90")
        self.rotations_deg = tuple(float(a) for a in rotations_deg)
        self.smoother = PoseSmoother(smoothing) if smoothing is not None else None
        self._followed: list[_Followed] = []  # the hands of the previous frame
        self._refused: list[tuple[np.ndarray, int]] = []  # second hands the network refused: (centre mm, frames left)
        self.engine_crops = 0  # crops run through the engine so far (a frame's engine work; handtrack bench)
        self.last_reason = ""

    @property
    def model_name(self) -> str:
        return self.engine.metadata.name

    def settings(self) -> dict[str, object]:
        """How this tracker reads a frame, as plain JSON values (the poses file's header records them): the hand
        side ("right", "left", "auto"), hands per frame, the second pass, following, the presence check, the
        head-mounted mode, the turned readings' angles and smoothing."""
        return {"hand": self.handedness, "max_hands": self.localizer.config.max_hands, "refine": self.refine,
                "follow": self.follow, "presence": self.presence is not None,
                "head_mounted": self.localizer.config.head_mounted, "rotations_deg": list(self.rotations_deg),
                "smoothing": self.smoother is not None}

    def _sides(self, crops: np.ndarray, known: list[tuple[Handedness, float]] | None,
               ) -> list[tuple[Handedness, float]]:
        """(side, score) per crop: the ``known`` ones, the fixed one, or the crop classifier's decision."""
        if known is not None:
            return list(known)
        if not isinstance(self.classifier, HandednessClassifier):
            return [(Handedness.LEFT if self.handedness == "left" else Handedness.RIGHT, 1.0)] * len(crops)
        return self._decided(self.classifier.p_left(crops))

    @staticmethod
    def _decided(p_left: np.ndarray) -> list[tuple[Handedness, float]]:
        return [(Handedness.LEFT, float(p)) if p > 0.5 else (Handedness.RIGHT, float(1.0 - p)) for p in p_left]

    def _infer(self, frame: Frame, centres: list[np.ndarray], sides: list[tuple[Handedness, float]] | None = None,
               priors: list[float | None] | None = None,
               ) -> tuple[list[CropTransform], np.ndarray, np.ndarray, list[tuple[Handedness, float]], float, float]:
        """Crop around each centre and run the engine once for all hands. ``sides``: each hand's known (side,
        score); None: decide per ``self.handedness`` (see :meth:`_sides`; the pose-reading classifier reads both
        orientations of every crop in the same engine call, its evidence added to each hand's ``priors``)."""
        t0 = time.perf_counter()
        transforms = [make_crop_transform(c, frame.intrinsics, self.params) for c in centres]
        crops = self._crops(frame, transforms)
        t1 = time.perf_counter()
        if sides is None and isinstance(self.classifier, PoseHandedness):
            joints, confidence, chosen = self._read_both_ways(crops, self.classifier, priors)
        else:
            chosen = self._sides(crops, sides)
            joints, confidence = self._read_on_sides(crops, chosen)
        t2 = time.perf_counter()
        return transforms, joints, confidence, chosen, (t1 - t0) * 1e3, (t2 - t1) * 1e3

    def _crops(self, frame: Frame, transforms: list[CropTransform]) -> np.ndarray:
        """(B, 1, S, S) the network's crops of ``frame`` through each of ``transforms``."""
        return np.stack([crop_depth(frame.depth, frame.depth_unit_mm, t, self.params) for t in transforms])[:, None]

    def _read_on_sides(self, crops: np.ndarray, chosen: list[tuple[Handedness, float]],
                       ) -> tuple[np.ndarray, np.ndarray]:
        """(B, 1, S, S) crops, each hand's side -> joints (B, 21, 3) in the crops' own orientation and confidences
        (B, 21): left hands go through the right-hand model mirrored, all hands in one engine call."""
        left = np.array([side == Handedness.LEFT for side, _ in chosen])
        joints, confidence = self.engine.infer(np.where(left[:, None, None, None], mirror_crops(crops), crops))
        self.engine_crops += len(crops)
        return np.where(left[:, None, None], unmirror_joints(joints), joints), confidence

    def _rotation_averaged(self, frame: Frame, transforms: list[CropTransform], joints: np.ndarray,
                           confidence: np.ndarray, chosen: list[tuple[Handedness, float]],
                           ) -> tuple[np.ndarray, np.ndarray, float, float]:
        """Each hand's final reading (joints (B, 21, 3) in its crop ``transforms``, confidences (B, 21)) averaged
        with readings of the same crop window turned by each of ``rotations_deg`` (one engine call for all): the
        joints averaged in image (u, v, depth) and put back in the unturned crop's coordinates, the confidences
        averaged. Returns (joints, confidences, crop ms, engine ms)."""
        t0 = time.perf_counter()
        turned = [rotated_transform(t, angle) for t in transforms for angle in self.rotations_deg]
        crops = self._crops(frame, turned)
        t1 = time.perf_counter()
        more_joints, more_confidence = self._read_on_sides(crops, [c for c in chosen for _ in self.rotations_deg])
        t2 = time.perf_counter()
        n = len(self.rotations_deg)
        averaged, averaged_confidence = joints.copy(), confidence.copy()
        for k, transform in enumerate(transforms):
            readings = [crop_to_image_uvd(joints[k], transform)] + [
                crop_to_image_uvd(more_joints[k * n + r], turned[k * n + r]) for r in range(n)]
            averaged[k] = image_uvd_to_crop(np.mean(readings, axis=0), transform)
            averaged_confidence[k] = np.mean(np.vstack([confidence[k][None], more_confidence[k * n:(k + 1) * n]]),
                                             axis=0)
        return averaged, averaged_confidence, (t1 - t0) * 1e3, (t2 - t1) * 1e3

    def _read_both_ways(self, crops: np.ndarray, classifier: PoseHandedness, priors: list[float | None] | None = None,
                        ) -> tuple[np.ndarray, np.ndarray, list[tuple[Handedness, float]]]:
        """(B, 1, S, S) crops -> the chosen reading's joints (B, 21, 3) in the crops' own orientation, its
        confidences (B, 21) and each hand's (side, score): the engine reads every crop as seen and mirrored in
        one call, the classifier weighs the two readings. ``priors``: each hand's log-odds of "left" so far (None:
        a new hand), of which HANDEDNESS_MEMORY is added to this frame's evidence."""
        mirrored = mirror_crops(crops)
        joints, confidence = self.engine.infer(np.concatenate([crops, mirrored]))
        self.engine_crops += 2 * len(crops)
        b = len(crops)
        # the first half of the batch read the crops as seen, the second half mirrored
        readings = [pose_features(joints[part], confidence[part], surface_at_joints(x, joints[part]))
                    for x, part in ((crops, slice(None, b)), (mirrored, slice(b, None)))]
        p_left = classifier.p_left(*readings)
        if priors is not None:
            p_left = self._with_memory(p_left, priors)
        left = p_left > 0.5
        chosen_joints = np.where(left[:, None, None], unmirror_joints(joints[b:]), joints[:b])
        chosen_confidence = np.where(left[:, None], confidence[b:], confidence[:b])
        return chosen_joints, chosen_confidence, self._decided(p_left)

    @staticmethod
    def _with_memory(p_left: np.ndarray, priors: list[float | None]) -> np.ndarray:
        """(B,) this frame's p(left) -> p(left) of the evidence so far: its log-odds plus HANDEDNESS_MEMORY times
        each hand's ``priors`` (log-odds; None: no previous evidence), within +-SIDE_MAX_LOG_ODDS."""
        odds = _log_odds(p_left)
        odds += HANDEDNESS_MEMORY * np.array([0.0 if prior is None else prior for prior in priors])
        return _probability(np.clip(odds, -SIDE_MAX_LOG_ODDS, SIDE_MAX_LOG_ODDS))

    def _previous_hand(self, centre_mm: np.ndarray) -> _Followed | None:
        """The previous frame's hand whose localised centre is nearest ``centre_mm``, within a cube's half-size."""
        near = sorted(((float(np.linalg.norm(centre_mm - f.centre_mm)), k) for k, f in enumerate(self._followed)))
        return self._followed[near[0][1]] if near and near[0][0] < self.params.cube_half_mm else None

    def _remembered(self, centres: list[np.ndarray], palms: list[np.ndarray], chosen: list[tuple[Handedness, float]],
                    previous: list[_Followed | None], known: bool) -> list[_Followed]:
        """This frame's hands as the next frame follows them. ``known``: the sides were taken as known (no evidence
        read this frame: the previous evidence carries over)."""
        decided = self.handedness == "auto" and isinstance(self.classifier, PoseHandedness)
        hands = []
        for centre, palm, (side, score), before in zip(centres, palms, chosen, previous):
            if known and before is not None:
                hands.append(_Followed(centre, palm, before.left_odds, before.unchecked + 1))
                continue
            odds = None
            if decided:
                odds = float(_log_odds(score)) * (1.0 if side == Handedness.LEFT else -1.0)
            hands.append(_Followed(centre, palm, odds))
        return hands

    def _first_crops(self, centres: list[np.ndarray], previous: list[_Followed | None],
                     ) -> tuple[bool, list[np.ndarray], list[tuple[Handedness, float]] | None]:
        """Where the first pass crops the localised hands (``centres``, mm; ``previous``: each one's hand of the
        previous frame): (followed, crop centres, the hands' known sides or None). Followed when every hand is near
        its previous palm, each a different previous hand: cropped where that palm was, moved by FOLLOW_STEP_SHARE
        of the localiser's step; otherwise at the localiser's centres."""
        matched = [p for p in previous if p is not None]
        if not self.follow or len(matched) < len(centres) or len({id(p) for p in matched}) < len(matched) or any(
                np.linalg.norm(c - p.palm_mm) >= FOLLOW_MAX_JUMP_MM for c, p in zip(centres, matched)):
            return False, centres, None
        crop_centres = [p.palm_mm + FOLLOW_STEP_SHARE * (c - p.centre_mm) for c, p in zip(centres, matched)]
        known = [p.known_side() for p in matched]
        sides = [k for k in known if k is not None]
        return True, crop_centres, sides if len(sides) == len(known) else None

    def track(self, frame: Frame) -> list[HandPose]:
        """Hands in this frame (empty when none; ``last_reason`` then says why)."""
        t0 = time.perf_counter()
        self._refused = [(c, n - 1) for c, n in self._refused if n > 1]  # refused second hands are forgotten in time
        if not self.localizer.tracking:  # a fresh search: no hand carries over, nor its side
            self._followed = []
        found = self.localizer.track(frame)
        timings = {"localise": (time.perf_counter() - t0) * 1e3}
        if found.unconfirmed or len(found.hands) > 1:  # the network says which of these are hands
            t_confirm = time.perf_counter()
            hands = self._second_hands(frame, found.hands) if found.found else self._confirmed(frame, found.unconfirmed)
            found = dataclasses.replace(found, hands=hands)
            self.localizer.follow([h.centre_xyz_mm for h in found.hands])
            timings["confirm"] = (time.perf_counter() - t_confirm) * 1e3
        if not found.found:
            return self._no_hand(frame, found.reason)
        self.last_reason = ""
        centres = [h.centre_xyz_mm for h in found.hands]
        previous = [self._previous_hand(c) for c in centres]
        priors = [p.left_odds if p is not None else None for p in previous]
        follow, crop_centres, sides = self._first_crops(centres, previous)
        transforms, joints, confidence, chosen, crop_ms, engine_ms = self._infer(frame, crop_centres, sides, priors)
        timings["crop"], timings["engine"] = crop_ms, engine_ms
        if self.refine:
            t_uncrop = time.perf_counter()
            palms = self._palms(frame, joints, transforms)
            # A fresh crop always re-centres; a followed one when its palm has moved away from the crop's centre.
            if not follow or any(np.linalg.norm(p - c) > FOLLOW_REPASS_MM for p, c in zip(palms, crop_centres)):
                # Re-centre on the predicted palm where it is plausible (refine.second_pass_centre_mm): a wild
                # prediction (a non-hand, an untrained model) must not throw the crop away.
                palms = [second_pass_centre_mm(p, c, self.params.cube_half_mm) for p, c in zip(palms, crop_centres)]
                uncrop_ms = (time.perf_counter() - t_uncrop) * 1e3
                # The second pass keeps the side the first pass found (and its score).
                transforms, joints, confidence, _, crop_ms, engine_ms = self._infer(frame, palms, chosen)
                timings["crop"] += crop_ms
                timings["engine"] += engine_ms
                timings["uncrop"] = uncrop_ms
                new = [k for k, before in enumerate(previous) if before is None]
                if new:  # a hand that continues none of the previous frame's is taken once the network settles on it
                    t_confirm = time.perf_counter()
                    kept, transforms, joints, confidence = self._settled(frame, new, palms, transforms, joints,
                                                                         confidence, chosen)
                    timings["confirm"] = timings.get("confirm", 0.0) + (time.perf_counter() - t_confirm) * 1e3
                    if len(kept) < len(centres):
                        centres, previous, chosen = ([x[k] for k in kept] for x in (centres, previous, chosen))
                        transforms, joints, confidence = [transforms[k] for k in kept], joints[kept], confidence[kept]
                        self.localizer.follow(centres)
                        if not centres:
                            return self._no_hand(frame, NOT_SETTLED)
        hand_odds = [0.0] * len(centres)
        if self.presence is not None:
            t_presence = time.perf_counter()
            hand_odds = self._hand_odds(frame, transforms, previous)
            kept = [k for k, odds in enumerate(hand_odds) if odds >= _log_odds(PRESENCE_MIN)]
            timings["presence"] = (time.perf_counter() - t_presence) * 1e3
            if len(kept) < len(centres):
                if not kept:
                    self.localizer.follow([])
                    return self._no_hand(frame, NOT_A_HAND.format(p=float(_probability(max(hand_odds)))))
                centres, previous, chosen, hand_odds = ([x[k] for k in kept] for x in (centres, previous, chosen,
                                                                                        hand_odds))
                transforms, joints, confidence = [transforms[k] for k in kept], joints[kept], confidence[kept]
                self.localizer.follow(centres)
        if self.rotations_deg:
            joints, confidence, crop_ms, engine_ms = self._rotation_averaged(frame, transforms, joints, confidence,
                                                                             chosen)
            timings["crop"] += crop_ms
            timings["engine"] += engine_ms
        t_uncrop = time.perf_counter()
        poses = []
        for j, c, t, (side, side_score) in zip(joints, confidence, transforms, chosen):
            uvd, xyz = self._to_xyz(frame, j, t)
            poses.append(HandPose(uvd, xyz, c, score=float(np.mean(c)), handedness=side,
                                  handedness_score=side_score, crop_box_px=t.box_px()))
        self._followed = self._remembered(centres, [palm_centre_mm(p.joints_xyz_mm) for p in poses], chosen,
                                          previous, sides is not None)
        for followed, odds in zip(self._followed, hand_odds):
            followed.hand_odds = odds
        timings["uncrop"] = timings.get("uncrop", 0.0) + (time.perf_counter() - t_uncrop) * 1e3
        timings["total"] = (time.perf_counter() - t0) * 1e3
        if self.smoother is not None:
            self.smoother(poses, frame.timestamp_ms, frame.intrinsics)
        for pose in poses:
            pose.timings_ms = dict(timings)
        return poses

    def _hand_odds(self, frame: Frame, transforms: list[CropTransform], previous: list[_Followed | None],
                   ) -> list[float]:
        """Each hand's presence evidence (log-odds that it is a hand): SIDE_MAX_LOG_ODDS where its final crop's
        surface lies within the image; where it reaches the image's edge, the crop's score (``transforms``, one
        classifier call for all such hands), plus PRESENCE_MEMORY of a followed hand's evidence so far
        (``previous``)."""
        assert self.presence is not None
        crops = {k: crop_depth(frame.depth, frame.depth_unit_mm, t, self.params) for k, t in enumerate(transforms)
                 if not window_within_image(t, frame.depth.shape)}  # a window inside the image needs no crop
        asked = [k for k, c in crops.items() if surface_reaches_image_edge(c, transforms[k], frame.depth.shape,
                                                                           self.params)]
        odds = [SIDE_MAX_LOG_ODDS] * len(transforms)
        if asked:
            scores = self.presence.p_hand(np.stack([crops[k] for k in asked])[:, None])
            for k, p in zip(asked, scores):
                before = previous[k]
                memory = PRESENCE_MEMORY * before.hand_odds if before is not None else 0.0
                odds[k] = float(np.clip(_log_odds(float(p)) + memory, -SIDE_MAX_LOG_ODDS, SIDE_MAX_LOG_ODDS))
        return odds

    def _no_hand(self, frame: Frame, reason: str) -> list[HandPose]:
        """A frame without a hand: ``reason`` kept as ``last_reason``; the hands followed and smoothed so far are
        forgotten (a lost hand starts afresh)."""
        self.last_reason = reason
        self._followed = []
        if self.smoother is not None:
            self.smoother([], frame.timestamp_ms, frame.intrinsics)
        return []

    def _settled(self, frame: Frame, new: list[int], centres: list[np.ndarray], transforms: list[CropTransform],
                 joints: np.ndarray, confidence: np.ndarray, chosen: list[tuple[Handedness, float]],
                 ) -> tuple[list[int], list[CropTransform], np.ndarray, np.ndarray]:
        """Which hands to keep of a second pass read around ``centres`` (mm): each not in ``new`` (it continues a
        hand of the previous frame), and each in ``new`` whose reading settled: it put the palm within
        CONFIRM_MAX_MOVE_MM of its crop's centre (the first pass's palm), or, read once more around that palm
        (CONFIRM_READINGS readings in all), did so then (that reading replaces its pose). Only the latest reading
        counts here: taking a reading back near an earlier one too (as :meth:`_confirmed` does) let 3 more heads of
        258 through with pwr (seed 13; session 24), as this asks no confidence. A head that the localiser took for a
        hand is read as a hand somewhere else each time. Unlike a candidate on a body
        (:meth:`_confirmed`), no confidence is asked of it: some real hands are read with a mean confidence of
        0.14-0.2 (docs/ARCHITECTURE.md "Localisation"). Returns (the kept indices, and the transforms, joints and
        confidences with the extra readings in)."""
        transforms, joints, confidence = list(transforms), joints.copy(), confidence.copy()
        around = {k: centres[k] for k in new}  # where each new hand's latest reading was cropped
        readings = 2  # the tracker's two passes
        while True:
            palms = dict(zip(around, self._palms(frame, joints[list(around)], [transforms[k] for k in around])))
            refused = [k for k in around if np.linalg.norm(palms[k] - around[k]) > CONFIRM_MAX_MOVE_MM]
            if not refused or readings == CONFIRM_READINGS:
                break
            more_t, more_j, more_c, _, _, _ = self._infer(frame, [palms[k] for k in refused],
                                                         [chosen[k] for k in refused])
            for i, k in enumerate(refused):
                transforms[k], joints[k], confidence[k] = more_t[i], more_j[i], more_c[i]
            around = {k: palms[k] for k in refused}
            readings += 1
        kept = [k for k in range(len(transforms)) if k not in refused]
        return kept, transforms, joints, confidence

    def _confirmed(self, frame: Frame, candidates: list[HandCandidate], recentre: bool = True) -> list[HandCandidate]:
        """The ``candidates`` (what on a body may be a hand) that the network confirms as hands: read there, then
        again around the palm each reading predicts, up to CONFIRM_READINGS readings, until a reading puts the palm
        within CONFIRM_MAX_MOVE_MM of an earlier one (it settles; a hand the network reads two ways in turn settles
        on its third reading); confirmed when it settles with a mean confidence of
        at least CONFIRM_MIN_SCORE (a head on a torso is read as a hand somewhere else each time, or the crop there
        holds nothing). Each is centred on its settled palm (``recentre``; else it keeps its own centre); at most
        ``max_hands``, the most confident first, none within a cube's half-size of a more confident one."""
        centres = [c.centre_xyz_mm for c in candidates]
        transforms, joints, _, chosen, _, _ = self._infer(frame, centres)
        palms = self._palms(frame, joints, transforms)
        # a palm predicted a cube's half-size or more away is no hand's: the candidate is not read as a hand
        moving = [k for k, (p, c) in enumerate(zip(palms, centres)) if np.linalg.norm(p - c) < self.params.cube_half_mm]
        settled: list[tuple[float, int]] = []  # (mean confidence, candidate)
        readings = {k: [palms[k]] for k in moving}
        for _ in range(CONFIRM_READINGS - 1):
            if not moving:
                break
            transforms, joints, confidence, _, _, _ = self._infer(frame, [palms[k] for k in moving],
                                                                 [chosen[k] for k in moving])
            still_moving = []
            for k, j, t, c in zip(moving, joints, transforms, confidence):
                palm = palm_centre_mm(self._to_xyz(frame, j, t)[1])
                if _apart(palm, readings[k], CONFIRM_MAX_MOVE_MM):
                    still_moving.append(k)
                elif float(c.mean()) >= CONFIRM_MIN_SCORE:
                    settled.append((float(c.mean()), k))
                palms[k] = palm
                readings[k].append(palm)
            moving = still_moving
        confirmed: list[HandCandidate] = []
        for _, k in sorted(settled, reverse=True):
            palm = palms[k].astype(np.float32)
            if len(confirmed) < self.localizer.config.max_hands and _apart(
                    palm, [c.centre_xyz_mm for c in confirmed], self.params.cube_half_mm):
                if recentre:
                    confirmed.append(dataclasses.replace(candidates[k], centre_xyz_mm=palm))
                    confirmed[-1].project(frame.intrinsics)
                else:
                    confirmed.append(candidates[k])
        return confirmed

    def _second_hands(self, frame: Frame, hands: list[HandCandidate]) -> list[HandCandidate]:
        """``hands`` (the localiser's, nearest first) with those beyond the first that were not tracked from the
        previous frame taken only when the network confirms them (:meth:`_confirmed`; REFUSED_FRAMES)."""
        half = self.params.cube_half_mm
        kept, asked = [hands[0]], []
        for hand in hands[1:]:
            if self._previous_hand(hand.centre_xyz_mm) is not None:
                kept.append(hand)
            elif _apart(hand.centre_xyz_mm, [c for c, _ in self._refused], half):
                asked.append(hand)
        # the localiser placed these well (a free hand): the network only says whether they are hands
        confirmed = self._confirmed(frame, asked, recentre=False) if asked else []
        for hand in asked:
            if _apart(hand.centre_xyz_mm, [c.centre_xyz_mm for c in confirmed], half):
                self._refused.append((hand.centre_xyz_mm, REFUSED_FRAMES))
        for hand in confirmed:
            if len(kept) < self.localizer.config.max_hands and _apart(
                    hand.centre_xyz_mm, [k.centre_xyz_mm for k in kept], half):
                kept.append(hand)
        return kept

    def _palms(self, frame: Frame, joints_crop: np.ndarray, transforms: list[CropTransform]) -> list[np.ndarray]:
        """The palm centre (3,) mm of each reading: joints (B, 21, 3) in their crops ``transforms``."""
        return [palm_centre_mm(self._to_xyz(frame, j, t)[1]) for j, t in zip(joints_crop, transforms)]

    @staticmethod
    def _to_xyz(frame: Frame, joints_crop: np.ndarray, transform: CropTransform) -> tuple[np.ndarray, np.ndarray]:
        uvd = crop_to_image_uvd(joints_crop, transform)
        return uvd.astype(np.float32), deproject_pixels_to_points(uvd[:, :2], uvd[:, 2], frame.intrinsics).astype(
            np.float32)

    def reset(self) -> None:
        """Forget the hands of earlier frames: the next frame is searched afresh, its hands' sides decided afresh and
        their joints not smoothed with earlier ones. Call it between frames that are not a sequence (images of
        different scenes); :meth:`run` calls it before the first frame of a source."""
        self.localizer.reset()
        self._followed = []
        self._refused = []
        if self.smoother is not None:
            self.smoother.reset()

    def run(self, source: DepthSource) -> Iterator[tuple[Frame, list[HandPose]]]:
        """Track every frame of a source, starting afresh (:meth:`reset`): yields (frame, hands)."""
        self.reset()
        for frame in source:
            yield frame, self.track(frame)
