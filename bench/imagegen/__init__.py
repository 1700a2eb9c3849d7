"""Speed of the in-repo FLUX.2 engine against the diffusers pipelines on a storyboard.

Random weights at benchmark scale, built in memory (nothing downloaded): `run.py` on the CPU,
`gpu.py` at full size on one GPU. Both check the engine draws the pictures diffusers draws.
"""
