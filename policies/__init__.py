"""Tandem's custom Rasa policies and components, registered with the default recipe."""
