.PHONY: run test bench lint
run:   ## set up and start the playground on 127.0.0.1:8000
	bash scripts/run.sh
test:  ## set up and run the whole test suite
	bash scripts/test.sh
bench: ## print the benchmark tables (engine, then live-session capacity)
	bash scripts/setup.sh && .venv/bin/python -m bench && .venv/bin/python -m bench.capacity
lint:
	.venv/bin/ruff check app tests bench
