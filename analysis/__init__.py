"""Coding free text into themes per stage: pure Python, never imports Flask."""

__all__: list[str] = []
