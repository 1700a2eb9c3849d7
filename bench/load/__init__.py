"""Load test of the studio: many signed-in users on one real server, and a large upload.

Run `bench/load/run.py`; see README.md here for how to read what it prints.
"""
