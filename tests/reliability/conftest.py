"""The reliability tests reuse the operator tests' helpers (tests/operators/op_support.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "operators"))
