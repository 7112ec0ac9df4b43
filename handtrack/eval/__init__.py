"""Accuracy evaluation: the hand-pose community's results-file convention, errors, success curves, plots."""
