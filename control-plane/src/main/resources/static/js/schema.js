// A JSON Schema (draft 2020-12) validator for the subset of keywords the rule document's schema
// uses, so the editor can check a document as the user types with the very schema that
// sampler-rules ships (served by the control plane). Errors carry the same JSON paths as the
// server's: `$.breakers[0].slidingWindow.size`.
//
// Supported: type, enum, const, properties, patternProperties, additionalProperties,
// required, propertyNames, minProperties, maxProperties, dependentRequired, items,
// prefixItems, minItems, maxItems, uniqueItems, contains, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf, minLength, maxLength, pattern, allOf, anyOf, oneOf, not,
// if/then/else, $ref (local: #, #/$defs/..., #/definitions/..., and $anchor). Annotations
// (title, description, default, examples, format, $comment) are ignored.

import { isRawNumber, itemPath, memberPath, showHidden } from './json-text.js';

/** Compiles a schema once; returns a function document → [{path, message}]. */
export function compileSchema(root) {
  const anchors = new Map();
  (function collect(node) {
    if (!node || typeof node !== 'object') return;
    if (typeof node.$anchor === 'string') anchors.set(node.$anchor, node);
    for (const v of Object.values(node)) collect(v);
  })(root);
  const regexCache = new Map();

  function regex(source) {
    if (!regexCache.has(source)) {
      let re;
      try {
        re = new RegExp(source, 'u');
      } catch {
        re = null;
      }
      regexCache.set(source, re);
    }
    return regexCache.get(source);
  }

  function resolve(ref) {
    if (ref === '#') return root;
    if (ref.startsWith('#/')) {
      let node = root;
      for (const raw of ref.slice(2).split('/')) {
        const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
        node = node == null ? undefined : node[part];
      }
      if (node !== undefined) return node;
    } else if (ref.startsWith('#')) {
      const anchored = anchors.get(ref.slice(1));
      if (anchored) return anchored;
    }
    throw new Error(`schema reference ${ref} cannot be resolved`);
  }

  function validate(schema, value, path, errors) {
    if (schema === true || schema === undefined) return;
    if (schema === false) {
      errors.push({ path, message: 'is not allowed here' });
      return;
    }
    if (schema.$ref) validate(resolve(schema.$ref), value, path, errors);

    if (schema.type !== undefined && !typeMatches(schema.type, value)) {
      errors.push({ path, message: `must be ${typeNames(schema.type)}, not ${kindOf(value)}` });
      return;
    }
    if (schema.const !== undefined && !equal(schema.const, value)) {
      errors.push({ path, message: `must be ${JSON.stringify(schema.const)}` });
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => equal(e, value))) {
      errors.push({
        path,
        message: `unknown value ${JSON.stringify(value)}; use one of`
          + ` ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
      });
    }
    if (typeof value === 'number') numberChecks(schema, value, path, errors);
    else if (isRawNumber(value)) {
      numberChecks(schema, Number(value.rawJSON), path, errors, value.rawJSON);
    }
    if (typeof value === 'string') stringChecks(schema, value, path, errors);
    if (Array.isArray(value)) arrayChecks(schema, value, path, errors);
    else if (value !== null && typeof value === 'object' && !isRawNumber(value)) {
      objectChecks(schema, value, path, errors);
    }

    if (Array.isArray(schema.allOf)) for (const s of schema.allOf) validate(s, value, path, errors);
    if (Array.isArray(schema.anyOf)) {
      const attempts = schema.anyOf.map((s) => run(s, value, path));
      if (!attempts.some((a) => a.length === 0)) {
        errors.push(...closest(attempts, path, 'matches none of the allowed forms'));
      }
    }
    if (Array.isArray(schema.oneOf)) {
      const attempts = schema.oneOf.map((s) => run(s, value, path));
      const passing = attempts.filter((a) => a.length === 0).length;
      if (passing === 0) {
        errors.push(...closest(attempts, path, 'matches none of the allowed forms'));
      } else if (passing > 1) {
        errors.push({ path, message: 'matches more than one of the allowed forms' });
      }
    }
    if (schema.not !== undefined && run(schema.not, value, path).length === 0) {
      // A refused form's description says why (a reserved rule name), as a pattern's does.
      const why = schema.not.description;
      const message = why ? `is not allowed: ${why}` : 'is not allowed in this form';
      errors.push({ path, message });
    }
    if (schema.if !== undefined) {
      const holds = run(schema.if, value, path).length === 0;
      if (holds && schema.then !== undefined) validate(schema.then, value, path, errors);
      if (!holds && schema.else !== undefined) validate(schema.else, value, path, errors);
    }
  }

  function run(schema, value, path) {
    const errors = [];
    validate(schema, value, path, errors);
    return errors;
  }

  // For anyOf/oneOf: report the attempt that got furthest (fewest errors), which is what a
  // person most likely meant.
  function closest(attempts, path, fallback) {
    const best = attempts.slice().sort((a, b) => a.length - b.length)[0];
    return best && best.length ? best : [{ path, message: fallback }];
  }

  // `written`: the number as written, for one kept so (a whole number past 2^53)
  function numberChecks(s, v, path, errors, written = v) {
    if (s.minimum !== undefined && v < s.minimum) {
      errors.push({ path, message: `must be at least ${s.minimum}, not ${written}` });
    }
    if (s.maximum !== undefined && v > s.maximum) {
      errors.push({ path, message: `must be at most ${s.maximum}, not ${written}` });
    }
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) {
      errors.push({ path, message: `must be above ${s.exclusiveMinimum}, not ${written}` });
    }
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) {
      errors.push({ path, message: `must be below ${s.exclusiveMaximum}, not ${written}` });
    }
    if (
      s.multipleOf !== undefined
      && Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9
    ) {
      errors.push({ path, message: `must be a multiple of ${s.multipleOf}` });
    }
  }

  function stringChecks(s, v, path, errors) {
    const length = [...v].length;
    if (s.minLength !== undefined && length < s.minLength) {
      errors.push({
        path,
        message: s.minLength === 1
          ? 'may not be empty'
          : `must be at least ${s.minLength} characters long`,
      });
    }
    if (s.maxLength !== undefined && length > s.maxLength) {
      errors.push({
        path, message: `may be at most ${s.maxLength} characters long, not ${length}`,
      });
    }
    if (s.pattern !== undefined) {
      const re = regex(s.pattern);
      if (re && !re.test(v)) {
        // The schema's description says in words what the pattern says in regex.
        const hint = s.description ? `: ${s.description}` : ` (${s.pattern})`;
        errors.push({ path, message: `'${showHidden(v)}' is not valid here${hint}` });
      }
    }
  }

  function arrayChecks(s, v, path, errors) {
    if (s.minItems !== undefined && v.length < s.minItems) {
      errors.push({ path, message: `must hold at least ${s.minItems} item(s)` });
    }
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      errors.push({ path, message: `may hold at most ${s.maxItems} items` });
    }
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
    v.forEach((item, k) => {
      if (k < prefix.length) validate(prefix[k], item, itemPath(path, k), errors);
      else if (s.items !== undefined) validate(s.items, item, itemPath(path, k), errors);
    });
    if (s.uniqueItems) {
      for (let a = 0; a < v.length; a++) {
        for (let b = a + 1; b < v.length; b++) {
          if (equal(v[a], v[b])) {
            errors.push({ path: itemPath(path, b), message: `repeats item ${a}` });
          }
        }
      }
    }
    if (
      s.contains !== undefined
      && !v.some((item, k) => run(s.contains, item, itemPath(path, k)).length === 0)
    ) {
      errors.push({ path, message: 'holds no item of the required form' });
    }
  }

  function objectChecks(s, v, path, errors) {
    const keys = Object.keys(v);
    const props = s.properties || {};
    if (Array.isArray(s.required)) {
      for (const r of s.required) {
        if (!hasOwn(v, r)) errors.push({ path: memberPath(path, r), message: 'is required' });
      }
    }
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      errors.push({ path, message: `must have at least ${s.minProperties} field(s)` });
    }
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
      errors.push({ path, message: `may have at most ${s.maxProperties} fields` });
    }
    if (s.dependentRequired) {
      for (const [key, needs] of Object.entries(s.dependentRequired)) {
        if (hasOwn(v, key)) {
          for (const n of needs) {
            if (!hasOwn(v, n)) {
              errors.push({
                path: memberPath(path, n),
                message: `is required when '${key}' is present`,
              });
            }
          }
        }
      }
    }
    for (const key of keys) {
      const p = memberPath(path, key);
      if (s.propertyNames !== undefined) {
        // about the member's name, not its value: placed at the name, as the control plane does
        for (const e of run(s.propertyNames, key, p)) {
          errors.push({ path: p, message: `field name ${e.message}`, atName: true });
        }
      }
      let known = false;
      if (hasOwn(props, key)) {
        known = true;
        validate(props[key], v[key], p, errors);
      }
      if (s.patternProperties) {
        for (const [pattern, sub] of Object.entries(s.patternProperties)) {
          const re = regex(pattern);
          if (re && re.test(key)) {
            known = true;
            validate(sub, v[key], p, errors);
          }
        }
      }
      if (!known && s.additionalProperties !== undefined) {
        if (s.additionalProperties === false) {
          const suggestion = closestName(key, Object.keys(props));
          const quoted = showHidden(key.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
          errors.push({
            path,
            // reported at the object, placed at the field's name
            field: key,
            message: `unknown field '${quoted}'`
              + `${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
          });
        } else {
          validate(s.additionalProperties, v[key], p, errors);
        }
      }
    }
  }

  return (document) => dedupe(run(root, document, '$'));
}

/** Whether `o` has its own member `key`: `in` would also find `constructor` and `toString`. */
function hasOwn(o, key) {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function dedupe(errors) {
  const seen = new Set();
  return errors.filter((e) => {
    const k = `${e.path}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function typeMatches(type, v) {
  if (Array.isArray(type)) return type.some((t) => typeMatches(t, v));
  switch (type) {
    case 'null': return v === null;
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' || isRawNumber(v);
    case 'integer': return (typeof v === 'number' && Number.isInteger(v)) || isRawNumber(v);
    case 'array': return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v) && !isRawNumber(v);
    default: return true;
  }
}

function typeNames(type) {
  const names = {
    null: 'null', boolean: 'true or false', string: 'a string', number: 'a number',
    integer: 'a whole number', array: 'a list', object: 'an object',
  };
  return (Array.isArray(type) ? type : [type]).map((t) => names[t] || t).join(' or ');
}

export function kindOf(v) {
  if (v === null) return 'null';
  if (isRawNumber(v)) return 'a number';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    default: return 'an object';
  }
}

function equal(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
}

/** The known name within edit distance 2 of `name` (a likely typo), or null. */
export function closestName(name, known) {
  let best = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
