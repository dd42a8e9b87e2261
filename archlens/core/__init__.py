"""Pure arithmetic, no torch: geometry, the graph walk, the analytic profile, the layer kinds."""
