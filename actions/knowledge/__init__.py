"""The knowledge base: help-centre articles written in ``data/kb/*.md``, validated, versioned and served.

``articles`` reads and checks the Markdown files; ``store`` publishes them into a database (its
``tables``), keeps every version, and records what was served (queries redacted by
``query_redaction``) so content owners can see what is stale, unused or missing (``reports``).
``retrieval`` ranks articles for a query (with ``text`` and ``vectors``); it and the Rasa actions
build on the store and never read the files themselves.
"""
