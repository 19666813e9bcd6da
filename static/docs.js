// start swagger ui on this server's spec (kept out of the page: the csp allows no inline script)
// validatorUrl: null, or the page would send the spec to validator.swagger.io for a badge
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                              defaultModelsExpandDepth: 2, defaultModelExpandDepth: 3, validatorUrl: null });
