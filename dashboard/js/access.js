// The signed-in key (GET /keys/me) and what its scope lets the dashboard offer.
// Hiding an action is a courtesy: the API refuses it anyway (403).

// Least to most rights. The API's document ranks them (KeyCreate.scope's x-ranked);
// app.js puts its order here once read, and this is what the dashboard assumes before.
let SCOPES = ['read', 'operate', 'admin'];

/** Take the API's ranking of scopes (rankedScopes(schemas)); ignored when null. */
export function rankScopes(ranked) {
  if (Array.isArray(ranked) && ranked.length) SCOPES = ranked;
}

export const session = {
  /** {id, name, scope, rate_limit_per_minute, bootstrap} once known, else null. */
  me: null,
};

/** Whether the signed-in key's scope allows what needs `scope`. */
export function can(scope) {
  return Boolean(session.me) && SCOPES.indexOf(session.me.scope) >= SCOPES.indexOf(scope);
}
