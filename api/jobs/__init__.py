"""GET /api/jobs: the scheduler's jobs, for admins."""
