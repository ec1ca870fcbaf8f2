// The API's bounds, defaults and choices, read from its OpenAPI document
// (GET /openapi.json, the same models that validate requests) instead of copied into
// the forms: a new overlap policy or a wider range shows up without touching the
// dashboard (issue 21). Loaded once per page load; null when the document cannot be
// read (the form then offers what it has words for, and the API still checks).

let loading = null;

/** loadContract(api) -> Promise<schemas | null>: the document's component schemas. */
export function loadContract(api) {
  if (!loading) {
    loading = api.request('GET', '/openapi.json')
      .then((doc) => (doc && doc.components && doc.components.schemas) || null)
      .catch(() => { loading = null; return null; });
  }
  return loading;
}

/** fieldSpec(schemas, 'JobCreate', 'priority') -> {min, max, choices, default} (nulls when unknown). */
export function fieldSpec(schemas, model, name) {
  const prop = schemas && schemas[model] && schemas[model].properties && schemas[model].properties[name];
  if (!prop) return { min: null, max: null, choices: null, default: null };
  const plain = (prop.anyOf || [prop]).find((v) => v.type !== 'null') || prop;
  return {
    min: plain.minimum ?? null,
    max: plain.maximum ?? null,
    choices: plain.enum ?? null,
    default: prop.default ?? plain.default ?? null,
  };
}

/** The options of a select: every value the API accepts, in the words (and order) the
 * form has for it, then any it has no words for (shown as the value); without the
 * document, the values it has words for. */
export function selectOptions(spec, words) {
  const known = Object.keys(words);
  const values = spec.choices
    ? [...known.filter((v) => spec.choices.includes(v)), ...spec.choices.filter((v) => !known.includes(v))]
    : known;
  return values.map((value) => [value, words[value] || value]);
}

/** A number field's help with the API's range appended ('higher runs first; 0–100'). */
export function withRange(help, spec) {
  if (spec.min === null || spec.max === null) return help;
  return `${help}; ${spec.min}–${spec.max}`;
}
