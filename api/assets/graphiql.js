// Starts GraphiQL on civicgraph's own endpoints: queries and mutations are posted to /graphql,
// subscriptions go over graphql-transport-ws at /graphql/ws on the same host (GraphiQL's bundle
// carries the websocket client). A token for a private server goes in the Headers tab:
// {"Authorization": "Bearer TOKEN"}.
(function () {
  "use strict";
  var wsScheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({
    url: "/graphql",
    subscriptionUrl: wsScheme + "//" + window.location.host + "/graphql/ws",
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    })
  );
})();
