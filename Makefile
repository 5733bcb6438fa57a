# Two entry points: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo-output

.PHONY: demo test graphviz browser thirdparty oracles lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[runtime]'
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.base

# The system Graphviz `dot` lays out diagrams. Installed with apt-get where that is possible
# (root, or password-less sudo); otherwise we say how to install it and carry on.
graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Graphviz with apt-get"; apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "Installing Graphviz with sudo apt-get"; sudo -n apt-get update -qq && sudo -n apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "Graphviz 'dot' not found: install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz;"; \
		echo "Fedora: dnf install graphviz). Diagrams other than .dot need it; everything else works without."; \
	fi

# Headless Chromium and its driver run the report's browser tests; those tests skip, saying why,
# where they cannot be installed.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Chromium and chromedriver with apt-get"; \
		(apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || echo "(Chromium not installed: browser tests will skip)"; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "Installing Chromium and chromedriver with sudo apt-get"; \
		(sudo -n apt-get update -qq && sudo -n apt-get install -y -qq chromium chromium-driver >/dev/null) || echo "(Chromium not installed: browser tests will skip)"; \
	else \
		echo "Chromium not found: the report's browser tests will skip (Debian/Ubuntu: apt-get install chromium chromium-driver)."; \
	fi

demo: $(VENV)/.base graphviz
	@mkdir -p $(DEMO)
	@echo "== tfl-inspect inspect samples/multi_io.tflite"
	@$(BIN)/tfl-inspect inspect samples/multi_io.tflite
	@echo "== tfl-inspect inspect samples/dense_int8.tflite"
	@$(BIN)/tfl-inspect inspect samples/dense_int8.tflite
	@echo "== tfl-inspect lint samples/upsampling_static.tflite"
	@$(BIN)/tfl-inspect lint samples/upsampling_static.tflite
	@echo "== tfl-inspect rules QNT002   (one rule: doc, why, fix from its spec)"
	@$(BIN)/tfl-inspect rules QNT002
	@echo "== tfl-inspect graph samples/upsampling_static.tflite --lint -o $(DEMO)/upsampling_static.png"
	@$(BIN)/tfl-inspect graph samples/upsampling_static.tflite --lint -o $(DEMO)/upsampling_static.png || echo "(diagram not drawn: see the line above)"
	@echo "== tfl-inspect graph samples/dense_float16.tflite -o $(DEMO)/dense_float16.png   (float16 weights folded)"
	@$(BIN)/tfl-inspect graph samples/dense_float16.tflite -o $(DEMO)/dense_float16.png || echo "(diagram not drawn: see the line above)"
	@echo "== tfl-inspect schema lint   (the JSON Schema lint --format json names in \$$schema)"
	@$(BIN)/tfl-inspect schema lint | head -5
	@echo "== tfl-inspect shapes samples/classifier_flatten.tflite --input image=1x64x64x3   (exit 1 expected)"
	@$(BIN)/tfl-inspect shapes samples/classifier_flatten.tflite --input image=1x64x64x3; echo "exit code $$?"
	@echo "== tfl-inspect shapes samples/conv2d_transpose_dynamic.tflite   (unknown H, W: exit 2 names the dims to give)"
	@$(BIN)/tfl-inspect shapes samples/conv2d_transpose_dynamic.tflite; echo "exit code $$?"
	@echo "== tfl-inspect diagnose samples/upsampling_dynamic.error.txt   (exit 1: a failure explained)"
	@$(BIN)/tfl-inspect diagnose samples/upsampling_dynamic.error.txt; echo "exit code $$?"
	@if [ -f tests/data/thirdparty/pymicro-wakeword/okay_nabu.tflite ]; then \
		echo "== tfl-inspect inspect tests/data/thirdparty/pymicro-wakeword/okay_nabu.tflite   (streaming state)"; \
		$(BIN)/tfl-inspect inspect tests/data/thirdparty/pymicro-wakeword/okay_nabu.tflite; \
	else echo "(third-party demo skipped: run make thirdparty)"; fi
	@echo "== tfl-inspect diff samples/dense_float32.tflite samples/dense_int8_float_io.tflite   (--run adds per-layer error; needs ai-edge-litert)"
	@$(BIN)/tfl-inspect diff samples/dense_float32.tflite samples/dense_int8_float_io.tflite
	@echo "== tfl-inspect profile samples/classifier_flatten.tflite --plot $(DEMO)/classifier_memory.svg"
	@$(BIN)/tfl-inspect profile samples/classifier_flatten.tflite --plot $(DEMO)/classifier_memory.svg
	@echo "== tfl-inspect compat samples/upsampling_static.tflite -t xnnpack,gpu,tflm"
	@$(BIN)/tfl-inspect compat samples/upsampling_static.tflite -t xnnpack,gpu,tflm
	@echo "== tfl-inspect fix samples/upsampling_static.tflite -o $(DEMO)/upsampling_fixed.tflite --static-batch 1 --fold-shapes --rename-io"
	@$(BIN)/tfl-inspect fix samples/upsampling_static.tflite -o $(DEMO)/upsampling_fixed.tflite --static-batch 1 --fold-shapes --rename-io
	@echo "== tfl-inspect report samples -o $(DEMO)/site --jobs 2   (one HTML page per model + index.html)"
	@$(BIN)/tfl-inspect report samples -o $(DEMO)/site --jobs 2
	@echo "== tfl-inspect lint samples --format markdown   (a folder: one row per model, for CI summaries)"
	@$(BIN)/tfl-inspect lint samples --format markdown --jobs 2 | head -8
	@echo "Diagram: $(DEMO)/upsampling_static.png · report: $(DEMO)/site/index.html"

# Third-party models for the tests (cached; never fails the build when offline: tests skip instead).
thirdparty: $(VENV)/.test
	-$(BIN)/python tests/fetch_models.py

# LiteRT's GPU accelerator (on Mesa's software Vulkan) and the Qualcomm/Intel NPU compiler plugins as test oracles,
# set up without changing a system package by the shared script (2-4 minutes and ~150 MB the first time; 1.5 s
# after). Part of `make test`, never failing it: where the set-up cannot be done the oracle tests skip, saying why.
# The GPU oracle test then costs about a minute more the first time (verdicts are cached in tests/data/oracle_cache).
SHARED ?= $(or $(TFL_INSPECT_SHARED),../shared)
oracles:
	@if [ -x $(SHARED)/oracles/setup_accel.sh ]; then \
		$(SHARED)/oracles/setup_accel.sh || echo "(accelerator oracles not set up: their tests will skip)"; \
	else \
		echo "$(SHARED)/oracles/setup_accel.sh not found (set SHARED=...): the accelerator oracle tests will skip."; \
	fi

test: $(VENV)/.test graphviz browser thirdparty oracles
	SE_OFFLINE=true $(BIN)/python -m pytest -q

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check tfl_inspect tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m tfl_inspect.rules.docs --check

bench: $(VENV)/.test
	$(BIN)/python benchmarks/make_models.py
	$(BIN)/python benchmarks/make_diff_models.py
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
