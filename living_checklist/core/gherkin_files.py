"""Which files hold Gherkin: ``*.feature`` (plain) and ``*.feature.md`` (Markdown with Gherkin, MDG).

gherkin-official reads both; a Markdown file is parsed with its ``GherkinInMarkdownTokenMatcher``
(only headings ``# Feature:``, ``## Scenario:``, bullets ``* Given …`` and tables are Gherkin, the
rest is description). One rule for every place that finds, parses or names feature files:
collection, the inventory, the dry run, lint, the reports' input guard, Messages' ``source``.
Pure, gherkin-official only.
"""

from __future__ import annotations

import os
from pathlib import PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gherkin.token_matcher import TokenMatcher

__all__ = [
    "FEATURE_SUFFIXES",
    "MARKDOWN_MEDIA_TYPE",
    "PLAIN_MEDIA_TYPE",
    "feature_stem",
    "is_feature_file",
    "is_markdown",
    "media_type",
    "token_matcher",
]

PLAIN_SUFFIX = ".feature"
MARKDOWN_SUFFIX = ".feature.md"
FEATURE_SUFFIXES = (PLAIN_SUFFIX, MARKDOWN_SUFFIX)
PLAIN_MEDIA_TYPE = "text/x.cucumber.gherkin+plain"
MARKDOWN_MEDIA_TYPE = "text/x.cucumber.gherkin+markdown"


def _name(path: str | os.PathLike[str]) -> str:
    return PurePath(os.fspath(path)).name


def is_markdown(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a Markdown Gherkin file (``*.feature.md``)."""
    name = _name(path)
    return name.endswith(MARKDOWN_SUFFIX) and len(name) > len(MARKDOWN_SUFFIX)


def is_feature_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a Gherkin file by its name: ``*.feature`` or ``*.feature.md``."""
    name = _name(path)
    return (name.endswith(PLAIN_SUFFIX) and len(name) > len(PLAIN_SUFFIX)) or is_markdown(name)


def feature_stem(name: str) -> str:
    """The name without its Gherkin ending: ``a.feature`` and ``a.feature.md`` are both ``a``."""
    for suffix in (MARKDOWN_SUFFIX, PLAIN_SUFFIX):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def media_type(path: str | os.PathLike[str]) -> str:
    """The Cucumber Messages ``source.mediaType`` of the file."""
    return MARKDOWN_MEDIA_TYPE if is_markdown(path) else PLAIN_MEDIA_TYPE


def token_matcher(path: str | os.PathLike[str], dialect: str = "en") -> TokenMatcher:
    """A fresh gherkin-official token matcher for the file: Markdown's for ``*.feature.md``.

    gherkin is imported here, not with the module: the dry run's snapshot names feature files by
    ``is_feature_file`` and is served without importing pytest, pytest-bdd or gherkin."""
    from gherkin.token_matcher import TokenMatcher
    from gherkin.token_matcher_markdown import GherkinInMarkdownTokenMatcher

    return GherkinInMarkdownTokenMatcher(dialect) if is_markdown(path) else TokenMatcher(dialect)
