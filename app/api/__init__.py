"""The HTTP edge: request validation, thin routes, serialisation. No arithmetic here."""
