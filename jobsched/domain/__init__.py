"""Domain: states, models, validation, cron and retry policy. No I/O here."""
