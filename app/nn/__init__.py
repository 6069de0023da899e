"""The pure NumPy engine: registries, the network, mini-batch training and gradient checking.

Nothing here imports the web stack; the API and the page read the same registries.
"""
