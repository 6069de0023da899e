"""Data sets, input features and user-supplied points for the playground (pure NumPy)."""
