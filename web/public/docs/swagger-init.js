// Swagger UI on our own OpenAPI document, with "Try it out" calling this
// server. No validator badge: it would fetch from a third-party site.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
});
