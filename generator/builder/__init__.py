"""The build: one orchestrator over load → model → render → site, its pool workers and cache, and publishing."""
