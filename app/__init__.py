"""NN Playground: a NumPy neural-network engine behind a FastAPI server and a browser playground."""

__version__ = "0.1.0"
