"""Spec-to-spec transforms: convolutionalization (FCN)."""
