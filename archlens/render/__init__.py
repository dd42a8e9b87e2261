"""Presentation: the only place numbers become strings (tables, JSON, CSV, Markdown, DOT, pages)."""
