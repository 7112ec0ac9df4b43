"""Benchmark: jitter and lag of the One Euro filter at 30 FPS.

Jitter: mean frame-to-frame joint motion of a static hand whose joints carry per-frame noise (sigma mm, the
size of a tracker's frame-to-frame noise). Lag: a hand moving at constant speed; the steady-state distance
between filtered and true joints divided by the distance moved per frame.

Usage: python benchmarks/bench_smoothing.py [--sigma 3] [--speed 300] [--min-cutoff 1.0] [--beta 0.05]
"""

from __future__ import annotations

import argparse

import numpy as np

from handtrack.smoothing import OneEuroConfig, OneEuroFilter


def jitter_and_lag(config: OneEuroConfig, sigma_mm: float, speed_mm_s: float, fps: float = 30.0,
                   frames: int = 600, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    dt = 1.0 / fps
    base = rng.uniform(-80, 80, (21, 3)) + np.array([0.0, 0.0, 500.0])
    noisy = base + rng.normal(0.0, sigma_mm, (frames, 21, 3))
    filt = OneEuroFilter(config)
    smoothed = np.stack([filt(x, k * dt) for k, x in enumerate(noisy)])
    def jitter(track: np.ndarray) -> float:
        return float(np.linalg.norm(np.diff(track[frames // 4:], axis=0), axis=-1).mean())
    direction = np.array([1.0, 0.0, 0.0])
    moving = np.stack([base + direction * speed_mm_s * k * dt for k in range(frames)])
    filt = OneEuroFilter(config)
    followed = np.stack([filt(x, k * dt) for k, x in enumerate(moving)])
    lag_mm = float(np.linalg.norm(moving[-1] - followed[-1], axis=-1).mean())
    return {"jitter_raw_mm": jitter(noisy), "jitter_smoothed_mm": jitter(smoothed),
            "jitter_reduction": jitter(noisy) / jitter(smoothed), "lag_frames": lag_mm / (speed_mm_s * dt)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sigma", type=float, default=3.0)
    parser.add_argument("--speed", type=float, default=300.0)
    parser.add_argument("--min-cutoff", type=float, default=OneEuroConfig().min_cutoff_hz)
    parser.add_argument("--beta", type=float, default=OneEuroConfig().beta)
    args = parser.parse_args()
    result = jitter_and_lag(OneEuroConfig(args.min_cutoff, args.beta), args.sigma, args.speed)
    print(f"30 FPS, noise sigma {args.sigma} mm, motion {args.speed} mm/s, min_cutoff {args.min_cutoff} Hz, "
          f"beta {args.beta}")
    print(f"jitter {result['jitter_raw_mm']:.2f} -> {result['jitter_smoothed_mm']:.2f} mm per frame "
          f"({result['jitter_reduction']:.1f}x less); lag {result['lag_frames']:.2f} frames")


if __name__ == "__main__":
    main()
