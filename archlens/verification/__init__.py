"""Proof against torch, torchinfo and fvcore; the training memory footprint."""
