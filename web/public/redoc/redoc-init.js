// ReDoc on our own OpenAPI document, in the system's fonts: this page loads
// nothing from elsewhere. (ReDoc's footer always tries a logo from its CDN;
// the page's CSP blocks that request and ReDoc then leaves the logo out.)
Redoc.init(
  "/openapi.json",
  {
    expandResponses: "200",
    hideDownloadButton: false,
    theme: { typography: { fontFamily: "system-ui, sans-serif", headings: { fontFamily: "system-ui, sans-serif" } } },
  },
  document.getElementById("redoc"),
);
