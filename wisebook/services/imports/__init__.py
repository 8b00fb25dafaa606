"""Importing posted entries from a CSV or XLSX file: reading it (read), then checking,
planning and writing it (pipeline)."""
