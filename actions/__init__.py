"""Tandem's custom actions, one module per capability.

rasa-sdk discovers every submodule of this package (``--actions actions``),
so there is no central registry to keep in sync.
"""
