"""Sphinx configuration: MyST Markdown pages, autodoc for the hook, the clients and the protocol core.

Built by ``scripts/build_docs.sh`` with warnings as errors (``-W --keep-going``).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# autodoc imports Airflow; keep its home (airflow.cfg, SQLite file) out of the user's ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".airflow" / "docs"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_provider_every8d import __version__  # noqa: E402

project = "airflow-provider-every8d"
author = "airflow-provider-every8d developers"
copyright = "airflow-provider-every8d developers, Apache License 2.0"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.graphviz",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**/README.md", ".DS_Store", "examples", "diagrams"]

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]

# Diagrams: Graphviz sources in docs/diagrams/*.dot, drawn by `dot` at build time (Debian's graphviz;
# scripts/build_docs.sh installs it when missing), so a picture changes with its text in the same commit.
# A page shows one with  ```{graphviz} diagrams/<name>.dot```  (MyST) .
graphviz_output_format = "svg"
graphviz_dot_args = ["-Gbgcolor=transparent"]
myst_heading_anchors = 3

# autodoc: members in source order; type hints in the description so signatures stay readable.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Types behind ``if TYPE_CHECKING`` and Airflow's own classes cannot always be cross-referenced; references
# that do not resolve stay plain text (nitpicky off) rather than failing the -W build.
nitpicky = False

html_theme = "furo"
html_title = f"airflow-provider-every8d {release}"
html_static_path: list[str] = []


# -- pages not written yet, and pages nobody has listed yet -------------------------------------------
# Several people write pages at once. index.md names every page it expects; on reading it, entries that
# match no page (not written yet) are dropped, and pages that no entry matches are listed under "More",
# so they are built, linked and visible until someone names them in the right section. Without this a
# missing page fails the -W build ("nonexisting document"), and so does an unlisted one ("isn't included
# in any toctree"). (Sphinx 9.0's "empty glob" warning has no type, so suppress_warnings cannot silence it.)
_TOCTREE = re.compile(r"(```\{toctree\}\n)(.*?)(```)", re.DOTALL)


def _target(entry: str) -> str:
    return entry.rsplit("<", 1)[-1].rstrip(">").strip() if entry.endswith(">") else entry


def _prepare_index(app: Any, docname: str, source: list[str]) -> None:
    if docname != app.config.root_doc:
        return
    from sphinx.util.matching import patfilter

    found = set(app.env.found_docs) - {docname}
    listed: set[str] = set()

    def keep_existing(match: re.Match[str]) -> str:
        lines = []
        for line in match.group(2).splitlines(keepends=True):
            entry = line.strip()
            if entry and not entry.startswith(":"):
                matched = patfilter(found, _target(entry))
                if not matched:
                    continue
                listed.update(matched)
            lines.append(line)
        return match.group(1) + "".join(lines) + match.group(3)

    text = _TOCTREE.sub(keep_existing, source[0])
    unlisted = sorted(found - listed)
    if unlisted:
        text += "\n```{toctree}\n:caption: More\n\n" + "\n".join(unlisted) + "\n```\n"
    source[0] = text


def _always_reread_index(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    return [app.config.root_doc]  # so pages added or removed since the last build are seen by the hook


def setup(app: Any) -> None:
    app.connect("source-read", _prepare_index)
    app.connect("env-get-outdated", _always_reread_index)
