"""The early-warning board: TBT notifications open for comments, soonest final date first."""
