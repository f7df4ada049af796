"""The readiness packet: rendering (v2, canonical JSON with a digest) and its artifacts."""
