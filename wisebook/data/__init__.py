"""Reference data shipped with WiseBook."""
