"""Example job handlers for Job Scheduler (see ``handlers``)."""
