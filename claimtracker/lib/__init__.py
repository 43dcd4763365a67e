"""Small generic helpers with their own tests: dates with precision, quote location, settings."""
