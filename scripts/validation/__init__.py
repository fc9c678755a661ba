"""What `make validate` checks, one module per kind of file a designer edits (scripts/validate.py runs them)."""
