"""What a model file is, read from the file itself: for ``handtrack info MODEL.onnx``."""

from __future__ import annotations

from pathlib import Path

from handtrack.engines.handedness import open_model_file


def describe_model(path: Path, models_dir: Path) -> list[tuple[str, str]]:
    """(field, value) rows describing the model file at ``path``: its name and kind, the crop contract it
    expects, what it was trained on and, for a pose network, the handedness classifier that serves it (beside it
    or among ``models_dir``'s bundled files). Raises ModelFileError for a file that is no handtrack model."""
    _, meta = open_model_file(path)
    config, training = meta.model_config, meta.training
    rows = [("name", meta.name), ("written by", f"handtrack {meta.version or '?'}")]
    if config.get("kind") == "handedness-pose":
        rows.append(("kind", f"handedness classifier for the pose model {config.get('pose_model', '?')!r} "
                             "(loaded beside it under --hand auto)"))
        if "held_out_accuracy" in training:
            rows.append(("held-out accuracy", f"{100 * training['held_out_accuracy']:.1f} % on "
                                              f"{training.get('held_out_crops', '?')} crops: "
                                              f"{training.get('held_out', '')}"))
        if "train_crops" in training:
            rows.append(("training", f"{training['train_crops']} crops and their mirror images, "
                                     f"{training.get('members', 1)} networks averaged"))
        return rows
    if config.get("kind") == "presence":
        rows.append(("kind", "presence check: does a crop hold a hand? (asked by the tracker about hands whose crop "
                             "reaches the image's edge; serves every pose model with its crop contract)"))
        held = training.get("held_out", {})
        if held:
            rows.append(("held out", "; ".join(f"{kind}: {100 * row['taken']:.1f} % of {row['crops']} taken for a hand"
                                               for kind, row in held.items())))
        if "steps" in training:
            rows.append(("training", f"{training['steps']:,} steps of {training.get('batch', '?')} crops, "
                                     f"{training.get('train_crops', 0):,} crops"))
        return rows
    network = ", ".join(f"{key} {config[key]}" for key in ("stem", "features", "levels", "stages", "norm")
                        if key in config)
    rows.append(("kind", f"pose network ({config.get('kind', '?')}: {network})" if network else "pose network"))
    contract = meta.contract
    rows.append(("crop contract", f"{contract.input_size}x{contract.input_size} crop, cube half-size "
                                  f"{contract.cube_half_mm:g} mm, maps {contract.representation_size}x"
                                  f"{contract.representation_size}, background {contract.background_value:g}"))
    if "data" in training:
        rows.append(("training data", str(training["data"])))
    if "steps" in training:
        rows.append(("training", f"{training['steps']:,} steps, {training.get('samples', 0):,} samples"))
    classifier = next((p for p in (path.parent / f"handedness-{meta.name}.onnx",
                                   models_dir / f"handedness-{meta.name}.onnx") if p.is_file()), None)
    rows.append(("--hand auto", f"{classifier.name} serves it" if classifier is not None and
                 _serves(classifier, path) else "no handedness classifier fitted to these weights: right hands "
                 "unless --hand left"))
    return rows


def _serves(classifier: Path, pose_model: Path) -> bool:
    """Whether the tracker would take ``classifier`` for these very weights (:func:`handtrack.tracker.classifier_for`:
    a pose-reading one must read their probe crop as it remembers)."""
    from handtrack.engines import load_engine
    from handtrack.errors import HandtrackError
    from handtrack.tracker import classifier_for

    try:
        classifier_for(load_engine(pose_model, threads=1), classifier, threads=1)
    except HandtrackError:
        return False
    return True
