"""NN Playground: a NumPy neural-network engine behind a FastAPI server and a browser playground."""

import os

# The networks here are tiny: BLAS threads only add wake-up and spin-wait costs (and on a shared
# 2-core machine they fight the server and each other). Must be set before NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

__version__ = "0.1.0"
