"""What the operator sees of a running WiseBook: metrics, error reports, structured logs.

Used by the web processes, the worker and the scheduler alike; imports nothing of ``web``.
"""
