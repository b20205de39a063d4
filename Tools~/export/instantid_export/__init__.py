"""instantid_export: build an InstantID Avatars ONNX model set from public checkpoints.

Run ``python -m instantid_export --help``. See ../README.md for the pinned environment.
"""

__version__ = "0.1.0"
