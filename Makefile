.PHONY: run test test-under-load bench lint
run:   ## set up and start the playground on 127.0.0.1:8000
	bash scripts/run.sh
test:  ## set up and run the whole test suite (ARGS="tests/nn -k adam": only those, no coverage floor)
	bash scripts/test.sh $(ARGS)
test-under-load:  ## the same with 8 CPU-burning processes in the background (LOAD=n for another count)
	bash scripts/test-under-load.sh $(ARGS)
bench: ## print the benchmark tables (engine, live-session capacity, slow clients, then the heaviest request and big bodies)
	bash scripts/setup.sh && .venv/bin/python -m bench && .venv/bin/python -m bench.capacity && .venv/bin/python -m bench.slow_clients && .venv/bin/python -m bench.heavy
lint:
	.venv/bin/ruff check app tests bench
