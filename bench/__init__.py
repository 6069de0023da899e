"""`python -m bench`: the engine's speed, each number beside a reference measured in the same run.

`app` is imported before NumPy on purpose: app/__init__.py picks the BLAS thread count before
NumPy loads (as it does in the server), so the engine is measured as it really runs. The bench
itself never touches those variables; it only reports them.
"""

import os

THREAD_ENV_BEFORE_APP = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))}

import app  # noqa: E402, F401  (must come before numpy)
