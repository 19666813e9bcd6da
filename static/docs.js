// start swagger ui on this server's spec (kept out of the page: the csp allows no inline script)
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                              defaultModelsExpandDepth: 2, defaultModelExpandDepth: 3 });
