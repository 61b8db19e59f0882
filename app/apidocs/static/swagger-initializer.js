// Kept in a file of its own: a strict Content-Security-Policy forbids inline scripts.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    // Relative to /docs, so the UI finds its document behind a path prefix too.
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    // Show every schema's fields, types and limits without a click per level.
    defaultModelExpandDepth: 5,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  });
};
