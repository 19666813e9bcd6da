"""Sessions in Redis (MANUALGRAD_REDIS_URL), shared by every process and machine of a class."""
