"""tweens."""
