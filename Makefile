# Everything installs into a local virtual environment (.venv) so nothing global is touched.
# Installs are stamped: they rerun only when pyproject.toml changes.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch, installed first so that no multi-GB CUDA build is pulled in: a wheel
# pip finds locally (find-links) is used as is, without the network; otherwise PyTorch's CPU
# wheel index is added (its 2.13.0+cpu ranks above PyPI's CUDA 2.13.0). The last line adds
# torch's own dependencies from the usual index.
TORCH ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: install install-test deck test bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --no-index --no-deps $(TORCH) 2>/dev/null || \
		$(BIN)/pip install -q --no-deps --extra-index-url $(TORCH_INDEX) $(TORCH)
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

deck: install
	$(BIN)/cardgen build-deck -o cardgen.apkg

# ruff first (the rule set is in pyproject.toml): a lint error fails the build before the suite runs.
# Two pytest-xdist workers, one per core of the CI machine; work stealing evens out the slow files.
test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist worksteal

bench: install
	$(BIN)/python benchmarks/train_speed.py
	$(BIN)/python benchmarks/build_deck.py
	$(BIN)/python benchmarks/grade.py
	$(BIN)/python benchmarks/drill.py
	$(BIN)/python benchmarks/notebook.py
	$(BIN)/python benchmarks/phase_diagram.py
	$(BIN)/python benchmarks/sae.py
	$(BIN)/python benchmarks/fromcode_coverage.py

clean:
	rm -rf $(VENV) build *.egg-info cardgen.apkg
