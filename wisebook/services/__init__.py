"""Use cases: each takes a SQLAlchemy session and plain values, never a request."""
