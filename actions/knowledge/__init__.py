"""The knowledge base: help-centre articles written in ``data/kb/*.md``, validated, versioned and served.

``articles`` reads and checks the Markdown files; ``store`` publishes them into a database, keeps every
version, and records what was served so content owners can see what is stale, unused or missing.
Retrieval and the Rasa actions build on these two modules and never read the files themselves.
"""
