"""Handler modules the tests load as a user would (``HANDLER_MODULES``)."""
