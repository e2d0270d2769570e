"""APScheduler jobs (crawls, alerts) that call the same services the API uses; added with the alerts issue."""
