"""``handtrack doctor``: what this machine has (versions, inference providers, GPU, cameras)."""

from __future__ import annotations

import importlib
import platform
import shutil
import subprocess

from rich.table import Table

from handtrack import __version__
from handtrack.cli.common import console

_PACKAGES = ("numpy", "cv2", "onnxruntime", "pyrealsense2", "typer", "rich", "torch", "onnx", "numba", "open3d")


def _version(module_name: str) -> str:
    try:
        module = importlib.import_module(module_name)
    except Exception:  # noqa: BLE001 - any import failure means "not usable"
        return "not installed"
    version = getattr(module, "__version__", None)
    if version is None:
        from importlib import metadata

        try:
            version = metadata.version(module_name)
        except metadata.PackageNotFoundError:
            version = "installed"
    return str(version)


def _gpus() -> list[str]:
    names: list[str] = []
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=False)
            names = [line.strip() for line in out.stdout.splitlines() if line.strip()]
        except (OSError, subprocess.TimeoutExpired):
            pass
    return names


def _default_tracking(head_mounted: bool = False) -> str:
    """Which bundled model a plain ``HandTracker()`` (or ``HandTracker(head_mounted=True)``) loads here and which
    side it tracks by default."""
    from handtrack.errors import HandtrackError
    from handtrack.tracker import HandTracker, handedness_model_path

    try:
        tracker = HandTracker(head_mounted=head_mounted)
    except HandtrackError as error:
        return f"none usable: {error}"
    name = tracker.model_name
    side = (f"auto ({handedness_model_path(name).name} fitted to it)" if tracker.handedness == "auto"
            else f"{tracker.handedness} (no handedness classifier fitted to {name})")
    return f"{name} ({tracker.engine.provider}); --hand {side}"


def doctor() -> None:
    """Versions, onnxruntime providers, GPUs and connected RealSense cameras."""
    table = Table(title=f"handtrack {__version__} on Python {platform.python_version()} ({platform.machine()})")
    table.add_column("component")
    table.add_column("status")
    for name in _PACKAGES:
        table.add_row("opencv" if name == "cv2" else name, _version(name))
    try:
        import onnxruntime

        providers = ", ".join(onnxruntime.get_available_providers())
    except Exception:  # noqa: BLE001
        providers = "onnxruntime not importable"
    table.add_row("onnxruntime providers", providers)
    gpus = _gpus()
    table.add_row("GPU", "; ".join(gpus) if gpus else "none found (nvidia-smi absent or no device)")
    from handtrack.viz.viewer2d import has_display

    table.add_row("display (viewers)", "yes" if has_display() else "none: use --viewer none, or 'handtrack demo' "
                  "(writes files)")
    table.add_row("default model, --hand", _default_tracking())
    table.add_row("--head-mounted: model, --hand", _default_tracking(head_mounted=True))
    console.print(table)

    from handtrack.sources.camera import list_devices

    devices = list_devices()
    cams = Table(title="RealSense cameras")
    for col in ("name", "serial", "firmware", "product line", "USB", "live depth mode"):
        cams.add_column(col)
    for dev in devices:
        cams.add_row(dev.get("name", "?"), dev.get("serial", "?"), dev.get("firmware", "?"),
                     dev.get("product_line", "?"), dev.get("usb_type", "?"), dev.get("live_mode", "?"))
    if devices:
        console.print(cams)
    else:
        console.print("RealSense cameras: none connected")
    console.print("Note: live SR300 needs pyrealsense2 <= 2.50; D400 and SR305 work on current releases.")
