"""Every torch module a kind builds, and the model builder."""
