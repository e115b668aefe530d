"""Rendering results: the terminal report and the build sheet (reads result data only)."""
