"""Live training sessions: config resolution, the session lifecycle, the store, boundary grids."""
