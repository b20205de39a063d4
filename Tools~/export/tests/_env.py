"""Test environment: import paths for a fetched diffusers 0.25.1 and the shared reference data.

INSTANTID_EXPORT_PYTHONPATH  extra import roots, os.pathsep-separated (e.g. the `src` folder of a
                             diffusers v0.25.1 checkout, huggingface_hub v0.20.2's `src`, a
                             `safetensors` stand-in) when they are not pip-installed.
INSTANTID_REFERENCE          shared/reference folder (default: found by walking up from here).
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL_ROOT = os.path.dirname(HERE)
for p in filter(None, os.environ.get("INSTANTID_EXPORT_PYTHONPATH", "").split(os.pathsep)):
    if p not in sys.path:
        sys.path.insert(0, p)
for p in (TOOL_ROOT, HERE):
    if p not in sys.path:
        sys.path.insert(0, p)


def reference_dir():
    d = os.environ.get("INSTANTID_REFERENCE")
    if d:
        return d if os.path.isdir(d) else None
    cur = TOOL_ROOT
    for _ in range(6):
        cand = os.path.join(cur, "shared", "reference")
        if os.path.isdir(cand):
            return cand
        cand = os.path.join(cur, "..", "shared", "reference")
        if os.path.isdir(cand):
            return os.path.normpath(cand)
        cur = os.path.dirname(cur)
    return None


def require_diffusers():
    try:
        import diffusers  # noqa: F401
    except ImportError as e:
        raise unittest.SkipTest("diffusers 0.25.1 not importable (%s): set INSTANTID_EXPORT_PYTHONPATH" % e)


def require_reference():
    d = reference_dir()
    if d is None:
        raise unittest.SkipTest("shared/reference not found: set INSTANTID_REFERENCE")
    return d


def has_module(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False
