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

/** A schema with the component it references (a closed set is a named enum there). */
function resolved(schemas, schema) {
  const name = schema && typeof schema.$ref === 'string' ? schema.$ref.split('/').pop() : null;
  return name && schemas[name] ? { ...schemas[name], ...schema } : schema;
}

/** fieldSpec(schemas, 'JobCreate', 'priority') -> {min, max, choices, default} (nulls when unknown).
 * Request schemas state their defaults as x-default (a `default` there would make
 * generated clients send it). */
export function fieldSpec(schemas, model, name) {
  const prop = schemas && schemas[model] && schemas[model].properties && schemas[model].properties[name];
  if (!prop) return { min: null, max: null, choices: null, default: null };
  const plain = resolved(schemas, (prop.anyOf || [prop]).find((v) => v.type !== 'null') || prop);
  return {
    min: plain.minimum ?? null,
    max: plain.maximum ?? null,
    choices: plain.enum ?? null,
    default: prop['x-default'] ?? prop.default ?? plain.default ?? null,
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

/** Once the document is read, give a <select> (inside `field`, from selectField) every
 * value `model.name` accepts, after the `lead` options ([['', 'All statuses']]), in the
 * order and words of `words`; the selected value is kept. Without the document the
 * select keeps the options it was made with. */
export function fillChoices(field, api, model, name, words, lead = []) {
  return loadContract(api).then((schemas) => {
    const spec = fieldSpec(schemas, model, name);
    const sel = field.querySelector('select');
    if (!spec.choices || !sel) return;
    const keep = sel.value;
    const options = [...lead, ...selectOptions(spec, words)].map(([v, l]) => {
      const opt = document.createElement('option');
      opt.value = v;
      opt.textContent = l;
      return opt;
    });
    sel.replaceChildren(...options);
    sel.value = keep;
  });
}

/** The scopes from least to most rights (the document's `x-ranked` of KeyCreate.scope). */
export function rankedScopes(schemas) {
  const prop = schemas && schemas.KeyCreate && schemas.KeyCreate.properties && schemas.KeyCreate.properties.scope;
  return (prop && prop['x-ranked']) || null;
}
