# Storybeat: `make demo` renders the demo track, `make test` runs lint + types + tests.
# Both set everything up first (a .venv, Python packages, the system packages tests need).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SOUNDFONT := /usr/share/sounds/sf2/FluidR3_GM.sf2

.PHONY: setup sysdeps demo studio test lint typecheck unit slow browser bench bench-audio bench-imagegen bench-export bench-motion bench-load audit ray clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Test-only: fluidsynth + the GM soundfont render real music (music21 scores); espeak-ng speaks;
# Debian's chromium runs the browser tests (Playwright drives it; it never downloads a browser).
sysdeps:
	@if ! command -v fluidsynth >/dev/null 2>&1 || ! command -v espeak-ng >/dev/null 2>&1 || [ ! -f $(SOUNDFONT) ]; then \
	  echo "installing fluidsynth, fluid-soundfont-gm and espeak-ng with apt"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fluidsynth fluid-soundfont-gm espeak-ng; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing chromium with apt"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; \
	fi

demo: setup
	@mkdir -p out
	$(BIN)/storybeat demo -o out/demo.mp4

# The web studio on http://127.0.0.1:8000 with a demo account and project (printed on start).
studio: setup
	$(BIN)/storybeat serve --demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit

# Two workers, one test file each at a time (module fixtures such as a rendered project stay
# on one worker): about half the wall time on two cores. The browser journey runs here too
# (Debian chromium from sysdeps); slow and GPU tests do not.
test: setup sysdeps lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow and not gpu"

slow: setup sysdeps
	$(BIN)/pytest -m slow

# The web studio in headless Debian Chromium; screenshots land in tests/browser/artifacts/.
browser: setup sysdeps
	$(BIN)/pytest -m browser

bench: setup sysdeps
	$(BIN)/python bench/render_cache.py

# Beat / downbeat / section accuracy on 24 arranged public-domain tracks vs librosa, and speed.
bench-audio: setup sysdeps
	$(BIN)/python bench/audio/run.py
	$(BIN)/python bench/audio/run.py --variants --no-speed

# Flux.2 engine vs the diffusers pipeline loop: a 24-frame storyboard on small random components.
# On a CUDA machine, `$(BIN)/python bench/imagegen/gpu.py` runs the full-size comparison.
bench-imagegen: setup
	$(BIN)/python bench/imagegen/run.py

# export_video (MoviePy) vs a hand-written ffmpeg filtergraph: 20 clips of 3 s at 720p24, with
# 0.25 s crossfades and with hard cuts; wall time, CPU and peak memory of both.
bench-export: setup
	$(BIN)/python bench/export/run.py

# What parallax costs the motion adapter, against the flat move, in the same run.
bench-motion: setup
	$(BIN)/python bench/motion/run.py

# 50 signed-in users browsing, polling jobs and streaming SSE for 60 s against a real server
# (throughput, p95 against /health in the same run), then a 200 MB upload's memory growth.
bench-load: setup
	$(BIN)/python bench/load/run.py

# Known vulnerabilities of the installed packages (pip-audit, then PyPI's release data); CI
# runs it after the tests. Needs PyPI.
audit: setup
	$(BIN)/python .ci/audit.py

# The studio with jobs on a local Ray cluster (RAY_ADDRESS=host:port joins a running one).
ray: setup
	STORYBEAT_EXECUTOR=ray $(BIN)/storybeat serve --demo

clean:
	rm -rf $(VENV) out .mypy_cache .pytest_cache .ruff_cache
