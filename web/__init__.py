"""The web studio (FastAPI + Jinja2) on top of the agent's functions.

Nothing lives here yet: the studio is built by its own issue, after the agent's stages.
"""
