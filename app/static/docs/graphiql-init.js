// GraphiQL on GET /graphql, from the vendored bundle (no inline script: the page's CSP forbids
// it). It opens with the Headers tab showing the Authorization header to fill in.
const fetcher = GraphiQL.createFetcher({ url: "/graphql" });
const headers = JSON.stringify({ Authorization: "Bearer hl_your_api_key" }, null, 2);
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultHeaders: headers,
    headerEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: "headers",
    defaultQuery: "# Put your API key in the Authorization header (Headers, below), then run:\n{\n  roles(first: 5) {\n    edges { node { id title status } }\n  }\n}\n",
  }),
);
