"""The HTTP API: routers (routes/), request and response schemas, and the JSON the routes build."""
