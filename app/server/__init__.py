"""Serving HTTP: guards on connections and bodies, middleware, admission and rate limits, the
error handlers, the worker processes and the container's health probe."""
