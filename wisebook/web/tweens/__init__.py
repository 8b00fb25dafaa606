"""The tweens that wrap every request: request id and access log, body limit, security
headers, audit."""
