// The signed-in key (GET /keys/me) and what its scope lets the dashboard offer.
// Hiding an action is a courtesy: the API refuses it anyway (403).

const SCOPES = ['read', 'operate', 'admin'];

export const session = {
  /** {id, name, scope, rate_limit_per_minute, bootstrap} once known, else null. */
  me: null,
};

/** Whether the signed-in key's scope allows what needs `scope`. */
export function can(scope) {
  return Boolean(session.me) && SCOPES.indexOf(session.me.scope) >= SCOPES.indexOf(scope);
}
