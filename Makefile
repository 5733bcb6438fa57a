# Two entry points: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo-output

.PHONY: demo test graphviz lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
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

demo: $(VENV)/.base graphviz
	@mkdir -p $(DEMO)
	@echo "== tfl-inspect inspect samples/multi_io.tflite"
	@$(BIN)/tfl-inspect inspect samples/multi_io.tflite
	@echo "== tfl-inspect inspect samples/dense_int8.tflite"
	@$(BIN)/tfl-inspect inspect samples/dense_int8.tflite
	@echo "== tfl-inspect lint samples/upsampling_static.tflite"
	@$(BIN)/tfl-inspect lint samples/upsampling_static.tflite
	@echo "== tfl-inspect graph samples/upsampling_static.tflite --lint -o $(DEMO)/upsampling_static.png"
	@$(BIN)/tfl-inspect graph samples/upsampling_static.tflite --lint -o $(DEMO)/upsampling_static.png || echo "(diagram not drawn: see the line above)"
	@echo "== tfl-inspect shapes samples/classifier_flatten.tflite --input image=1x64x64x3   (exit 1 expected)"
	@$(BIN)/tfl-inspect shapes samples/classifier_flatten.tflite --input image=1x64x64x3; echo "exit code $$?"
	@echo "== tfl-inspect diagnose samples/upsampling_dynamic.error.txt   (exit 1: a failure explained)"
	@$(BIN)/tfl-inspect diagnose samples/upsampling_dynamic.error.txt; echo "exit code $$?"
	@echo "== tfl-inspect fix samples/upsampling_static.tflite -o $(DEMO)/upsampling_fixed.tflite --static-batch 1 --fold-shapes --rename-io"
	@$(BIN)/tfl-inspect fix samples/upsampling_static.tflite -o $(DEMO)/upsampling_fixed.tflite --static-batch 1 --fold-shapes --rename-io || echo "(fix needs ai-edge-litert: pip install '.[runtime]')"
	@echo "Diagram: $(DEMO)/upsampling_static.png"

test: $(VENV)/.test graphviz
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test
	$(BIN)/ruff check .

bench: $(VENV)/.test
	$(BIN)/python benchmarks/make_models.py
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
