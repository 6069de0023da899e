// apiDocs.js — starts Swagger UI (/docs) or ReDoc (/redoc) once its bundle has loaded (a classic
// script after it, see templates/api_docs.html). A file of ours rather than an inline <script>,
// which the content policy (script-src 'self') refuses. The OpenAPI document's URL comes from the
// page and is relative, so the docs work under a root path too. Nothing here asks another origin.
"use strict";

(() => {
  const swagger = document.getElementById("swagger-ui");
  const redoc = document.getElementById("redoc");
  if (swagger && window.SwaggerUIBundle) {
    const { SwaggerUIBundle } = window;
    window.ui = SwaggerUIBundle({
      url: swagger.dataset.openapi,
      dom_id: "#swagger-ui",
      // FastAPI's own choices (fastapi.openapi.docs.swagger_ui_default_parameters)
      layout: "BaseLayout",
      deepLinking: true,
      showExtensions: true,
      showCommonExtensions: true,
      validatorUrl: null, // the validator badge would send the document to a server on the internet
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    });
  } else if (redoc && window.Redoc) {
    window.Redoc.init(redoc.dataset.openapi, {
      // search runs in a Web Worker made from a blob: URL, which the policy (worker-src falls back
      // to script-src 'self') refuses; the menu lists every operation anyway
      disableSearch: true,
      expandResponses: "200,201",
    }, redoc);
  }
})();
