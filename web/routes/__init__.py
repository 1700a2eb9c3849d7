"""The studio's routers, one module per resource."""
