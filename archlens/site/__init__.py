"""Documentation-site generation: concept pages now, per-spec pages later.

Generated Markdown goes under ``docs/generated/`` (gitignored); MkDocs builds it.
Entry point: ``archlens.site.concepts.write_concept_pages(out_dir)``. Nothing is
imported here, so ``import archlens`` never pulls in matplotlib.
"""
