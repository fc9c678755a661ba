"""The article-version manifest (``data/kb/versions.lock``): the content each article version was approved with.

KB sync (actions/knowledge/store.py) publishes an article only when its content is unchanged or its
``version`` is higher than the stored one; an edit under the same version is rejected and the old
text stays live, which nobody sees until they read the sync report. The manifest brings that rule
to ``make validate``: it records, per article id and version, the sha256 of the content
(``Article.content_hash``, the hash sync compares) approved under that version. Then:

- a version recorded with other content is an edit without a bump: it fails, naming file and id;
- a version lower than the highest recorded one fails too (sync would reject it as well);
- a version not recorded yet fails until ``python -m scripts.kb approve`` (``make kb-approve``)
  records it, so every edit is approved on purpose and the manifest stays complete.

Entries of deleted articles stay: sync keeps their versions, and a file that comes back must obey
the same rule. Drafts and retired articles are versioned like approved ones, as sync versions them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

import yaml

from actions.knowledge.articles import Article, ArticleProblem, FileCheck, display_path
from scripts.validation.problems import locate

MANIFEST_NAME = "versions.lock"
APPROVE_COMMAND = "make kb-approve"
HEADER = """\
# The content each knowledge-base article version was approved with: article id -> version ->
# sha256 of the article's content (what KB sync compares). Written by `make kb-approve`
# (python -m scripts.kb approve); do not edit by hand. `make validate` fails when an article's
# content differs from what its version was approved with: bump `version`, then approve.
"""

# article id -> version -> content hash
Approved = dict[str, dict[int, str]]


class ManifestError(ValueError):
    """The manifest cannot be read; ``problem`` says where and why."""

    def __init__(self, problem: ArticleProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def manifest_path(kb_dir: Path) -> Path:
    return kb_dir / MANIFEST_NAME


def load(path: Path) -> Approved:
    """The recorded versions; a missing file records nothing (every article is then unapproved)."""
    shown = display_path(path)
    if not path.is_file():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ManifestError(ArticleProblem(shown, 1, f"cannot be read: {error}")) from None
    articles = raw.get("articles") if isinstance(raw, dict) else None
    if not isinstance(articles, dict):
        raise ManifestError(
            ArticleProblem(shown, 1, f"articles: must be a mapping of article id to versions ({APPROVE_COMMAND} writes it)")
        )
    approved: Approved = {}
    for article_id, versions in articles.items():
        ok = isinstance(versions, dict) and all(
            isinstance(v, int) and not isinstance(v, bool) and isinstance(h, str) and len(h) == 64 for v, h in versions.items()
        )
        if not ok:
            message = f"articles.{article_id}: must map each version number to a sha256 ({APPROVE_COMMAND} writes it)"
            raise ManifestError(ArticleProblem(shown, locate(path, f"articles.{article_id}") or 1, message))
        approved[str(article_id)] = dict(versions)
    return approved


def write(path: Path, approved: Approved) -> None:
    """Ids sorted, versions ascending: an approval shows in review as the lines it added."""
    body = {"articles": {i: {v: approved[i][v] for v in sorted(approved[i])} for i in sorted(approved)}}
    path.write_text(HEADER + yaml.safe_dump(body, sort_keys=False, default_flow_style=False), encoding="utf-8")


def _problem(check: FileCheck, message: str) -> ArticleProblem:
    return ArticleProblem(check.path, check.key_lines.get("version", 1), f"version: {message}")


def version_problem(check: FileCheck, article: Article, recorded: Mapping[int, str]) -> ArticleProblem | None:
    """Why this article's version cannot be published as it is, or None when it is the approved content."""
    highest = max(recorded, default=0)
    bump = f"set version to {highest + 1}, then run `{APPROVE_COMMAND}`"
    if article.version in recorded and article.version == highest and recorded[article.version] == article.content_hash:
        return None
    if article.version in recorded and article.version == highest:
        return _problem(
            check,
            f"article {article.id!r} changed since version {article.version} was approved: {bump} "
            f"(KB sync rejects changed content under an approved version and keeps serving the old text)",
        )
    if article.version < highest:
        return _problem(
            check,
            f"article {article.id!r} has version {article.version}, lower than its approved version {highest}: {bump} "
            f"(KB sync only publishes a higher version)",
        )
    return _problem(check, f"article {article.id!r} version {article.version} is not approved yet: run `{APPROVE_COMMAND}`")


def check_versions(checks: Iterable[FileCheck], approved: Approved) -> list[ArticleProblem]:
    """A problem for every valid article whose content is not what its version was approved with."""
    problems = []
    for check in checks:
        if check.article is not None:
            problem = version_problem(check, check.article, approved.get(check.article.id, {}))
            if problem is not None:
                problems.append(problem)
    return problems


def approve(checks: Sequence[FileCheck], approved: Approved) -> tuple[Approved, list[Article], list[ArticleProblem]]:
    """Record every valid article's new version; edits under an approved version are refused, never recorded.

    Returns the new manifest, the articles recorded, and the problems that stop approval: any
    article problem or refused version means nothing is recorded, so the manifest only ever
    describes a tree that passes ``make validate``.
    """
    problems = [problem for check in checks for problem in check.problems]
    recorded: list[Article] = []
    updated: Approved = {article_id: dict(versions) for article_id, versions in approved.items()}
    for check in checks:
        article = check.article
        if article is None:
            continue
        versions = updated.setdefault(article.id, {})
        if article.version > max(versions, default=0):
            versions[article.version] = article.content_hash
            recorded.append(article)
        elif (problem := version_problem(check, article, versions)) is not None:
            problems.append(problem)
    if problems:
        return approved, [], sorted(problems)
    return updated, recorded, []
