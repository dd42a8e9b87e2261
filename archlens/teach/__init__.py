"""Worksheets, answer files, the checker and its mistake diagnoses."""
