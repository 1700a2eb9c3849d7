"""Audio-analysis benchmark: real arrangements of public-domain music with exact truth.

Tracks are built at bench time (music21 corpus → MIDI → fluidsynth + FluidR3_GM) into a
cache folder; nothing rendered is stored in the repository. Run `bench/audio/run.py`.
"""
