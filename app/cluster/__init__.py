"""More than one process: workers that own sessions, and a front that routes to them by id."""
