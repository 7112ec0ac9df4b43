"""Synthetic depth hands: a kinematic hand (hand.py), a pose prior (poses.py), capsule scenes (scene.py),
ray casting (raster.py on CPU, render.py batched in torch), sensor models (sensor.py), and frames / training
crops (generator.py)."""
