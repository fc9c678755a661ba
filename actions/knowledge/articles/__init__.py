"""Knowledge-base articles: read, validate and render the Markdown files in ``data/kb/``.

An article is a Markdown file: YAML front matter carries what a support answer needs besides its
text (who owns it, when it must be reviewed again, whether it may be served at all), and the body
holds the detailed steps. Articles link to each other as ``[text](kb:<id>)`` rather than by URL, so
links are checked here and survive a move of the help centre.

Every check reports a problem with the line of the file it is about, because the people who fix
articles are editors with a text editor, not developers with a debugger:
``data/kb/track-your-order.md:9: review_by must be after last_reviewed (2026-09-02)``. What the
front matter may hold is declared in ``article.schema.json`` (checked by core/yaml_schema.py);
``fields.py`` adds what a schema cannot say.

Errors:

- ``ArticleError`` (a ``ValueError``): raised by :func:`parse_article`; ``problems`` holds every
  ``ArticleProblem`` found in the file, not only the first, so all can be fixed in one pass.
- ``FileNotFoundError``: raised by :func:`check_directory` and :func:`validate_directory` when the
  directory does not exist, because "no articles" would otherwise look like "every article was
  deleted" to a sync.

Everywhere else problems are values (``ArticleProblem``), collected rather than raised.
"""

from actions.knowledge.articles.directory import check_directory, validate_directory
from actions.knowledge.articles.model import (
    KEYS,
    PROJECT_ROOT,
    REVIEW_WARNING_DAYS,
    STATUSES,
    Article,
    ArticleError,
    ArticleProblem,
    FileCheck,
    display_path,
    render_links,
)
from actions.knowledge.articles.parsing import parse_article
from core.domain_file import known_intents

__all__ = [
    "KEYS",
    "PROJECT_ROOT",
    "REVIEW_WARNING_DAYS",
    "STATUSES",
    "Article",
    "ArticleError",
    "ArticleProblem",
    "FileCheck",
    "check_directory",
    "display_path",
    "known_intents",
    "parse_article",
    "render_links",
    "validate_directory",
]
