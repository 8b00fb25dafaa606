"""The HTML pages (server-rendered, no script needed), one module per area; they call the
services, never the JSON views."""
