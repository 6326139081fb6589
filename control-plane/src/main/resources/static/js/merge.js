// Three-way merge of JSON documents, used when a save is refused with 412: the user's edits
// (base → mine) are re-applied on top of what someone else saved meanwhile (theirs). Objects
// merge field by field; lists of named items (sampling rules, breaker policies) merge by name;
// anything both sides changed differently is a conflict, resolved in favour of the user's
// version and listed so they can check it.

import { itemPath, memberPath } from './json-text.js';

export function merge3(base, mine, theirs) {
  const conflicts = [];
  const value = mergeValue(base, mine, theirs, '$', conflicts);
  return { value, conflicts };
}

function mergeValue(base, mine, theirs, path, conflicts) {
  if (same(mine, base)) return theirs;
  if (same(theirs, base) || same(mine, theirs)) return mine;
  if (isObject(base) && isObject(mine) && isObject(theirs)) {
    const out = {};
    const keys = [...new Set([...Object.keys(theirs), ...Object.keys(mine)])];
    for (const key of keys) {
      const v = mergeValue(base[key], mine[key], theirs[key], memberPath(path, key), conflicts);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (namedList(base) && namedList(mine) && namedList(theirs)) {
    return mergeNamed(base, mine, theirs, path, conflicts);
  }
  conflicts.push(path);
  return mine;
}

function mergeNamed(base, mine, theirs, path, conflicts) {
  const byName = (list) => new Map(list.map((item) => [item.name, item]));
  const b = byName(base);
  const m = byName(mine);
  const t = byName(theirs);
  const out = [];
  // Their order first (what is live now), then items only the user added, in the user's order.
  for (const item of theirs) {
    const v = mergeValue(b.get(item.name), m.get(item.name), item, itemPath(path, out.length), conflicts);
    if (v !== undefined) out.push(v);
  }
  for (const item of mine) {
    if (!t.has(item.name) && !b.has(item.name)) out.push(item);
    else if (!t.has(item.name) && !same(b.get(item.name), item)) {
      // They deleted what the user changed: keep the user's version, flag it.
      conflicts.push(itemPath(path, out.length));
      out.push(item);
    }
  }
  return out;
}

function namedList(v) {
  return Array.isArray(v) && v.every((item) => isObject(item) && typeof item.name === 'string')
    && new Set(v.map((item) => item.name)).size === v.length;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}
