// Payload fields built from a handler's JSON Schema (from GET /handlers).
//
// Only the schema's top-level properties of a simple type get a control (string,
// integer, number, boolean, or an enum of them); anything else stays in the JSON box.
// The JSON box stays the payload's one source: a control writes its key into it, and
// reads its value back from it, so the two never disagree.

import { h } from './dom.js';

const SIMPLE = new Set(['string', 'integer', 'number', 'boolean']);

function typeOf(spec) {
  const t = Array.isArray(spec.type) ? spec.type.find((x) => x !== 'null') : spec.type;
  if (Array.isArray(spec.enum)) return 'enum';
  return SIMPLE.has(t) ? t : null;
}

/** The properties a form can offer: [[name, spec, kind]]. */
export function simpleProperties(schema) {
  const props = schema && schema.type === 'object' && schema.properties;
  if (!props || typeof props !== 'object') return [];
  return Object.entries(props)
    .map(([name, spec]) => [name, spec || {}, typeOf(spec || {})])
    .filter(([, , kind]) => kind);
}

/**
 * schemaFields({schema, idPrefix, read() -> object|null, write(object)}) ->
 * {element, sync(), errorBox(name)}. ``read`` parses the JSON box (null when it is
 * not an object); ``write`` replaces it.
 */
export function schemaFields({ schema, idPrefix, read, write }) {
  const required = new Set(Array.isArray(schema?.required) ? schema.required : []);
  const controls = {};
  const errorBoxes = {};
  const rows = simpleProperties(schema).map(([name, spec, kind]) => {
    const id = `${idPrefix}-${name}`;
    let control;
    if (kind === 'boolean') {
      control = h('input', { type: 'checkbox' });
    } else if (kind === 'enum') {
      control = h('select', null, h('option', { value: '' }, '—'),
        spec.enum.map((x) => h('option', { value: JSON.stringify(x) }, String(x))));
    } else {
      control = h('input', {
        type: kind === 'string' ? 'text' : 'number',
        step: kind === 'integer' ? 1 : 'any',
        min: spec.minimum ?? null,
        max: spec.maximum ?? null,
        autocomplete: 'off',
        spellcheck: 'false',
      });
    }
    control.id = id;
    control.setAttribute('data-testid', `payload-field-${name}`);
    control.addEventListener(kind === 'boolean' || kind === 'enum' ? 'change' : 'input', () => update(name, kind, control));
    controls[name] = [control, kind];
    errorBoxes[name] = h('div', { class: 'field-error', hidden: true, 'data-testid': `schema-error-${name}` });
    const label = (spec.title || name) + (required.has(name) ? ' *' : '');
    return h('div', { class: ['field', 'field-schema'] },
      h('label', { for: id }, label, ' ', h('code', { class: 'muted small' }, name)),
      control,
      spec.description ? h('div', { class: 'help' }, spec.description) : null,
      errorBoxes[name]);
  });

  function update(name, kind, control) {
    const payload = read();
    if (payload === null) return; // the JSON box is not an object: leave it to the user
    let value;
    if (kind === 'boolean') value = control.checked;
    else if (kind === 'enum') value = control.value === '' ? undefined : JSON.parse(control.value);
    else if (kind === 'string') value = control.value === '' ? undefined : control.value;
    else value = control.value === '' ? undefined : Number(control.value);
    if (value === undefined) delete payload[name];
    else payload[name] = value;
    write(payload);
  }

  /** Show the JSON box's values in the controls. */
  function sync() {
    const payload = read() || {};
    for (const [name, [control, kind]] of Object.entries(controls)) {
      const value = payload[name];
      if (document.activeElement === control) continue;
      if (kind === 'boolean') control.checked = value === true;
      else if (kind === 'enum') control.value = value === undefined ? '' : JSON.stringify(value);
      else control.value = value === undefined || value === null ? '' : String(value);
    }
  }

  sync();
  const element = rows.length
    ? h('fieldset', { class: 'schema-fields', 'data-testid': 'payload-fields' },
      h('legend', null, 'Payload fields (from the handler’s schema)'), rows)
    : null;
  return { element, sync, errorBox: (name) => errorBoxes[name] || null };
}
