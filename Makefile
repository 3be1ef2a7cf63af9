# Entry points: see README.rst.
.PHONY: test demo bench lint format i18n

test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

lint:
	python3 -m ruff check . && python3 -m ruff format --check . && python3 -m pylint --rcfile=.pylintrc shopify_connector

format:
	python3 -m ruff format . && python3 -m ruff check --fix .

i18n:
	bash scripts/i18n.sh
