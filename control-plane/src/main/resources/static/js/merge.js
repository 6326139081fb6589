// Three-way merge of JSON documents, used when a save is refused with 412: the user's edits
// (base → mine) are re-applied on top of what someone else saved meanwhile (theirs). Objects
// merge field by field; lists of named items (sampling rules, breaker policies) merge by name;
// anything both sides changed differently is a conflict, resolved in favour of the user's
// version and listed so they can check it.

import { isRawNumber, itemPath, memberPath } from './json-text.js';

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
  if (reordered(base, mine)) return mergeInUsersOrder(b, m, t, base, mine, theirs, path, conflicts);
  const out = [];
  // Their order first (what is live now), then items only the user added, in the user's order.
  for (const item of theirs) {
    const v = mergeValue(
      b.get(item.name), m.get(item.name), item, itemPath(path, out.length), conflicts);
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

// Whether the user changed the relative order of the items they kept, or put an item of their own
// before one of them (a rule inserted at the top): with first-match rules the order is meaning, so
// their order must win over the other writer's, which would put the new item last.
function reordered(base, mine) {
  const kept = new Set(mine.map((item) => item.name));
  const before = base.map((item) => item.name).filter((name) => kept.has(name));
  const inBase = new Set(before);
  const after = mine.map((item) => item.name).filter((name) => inBase.has(name));
  if (before.join('\u0000') !== after.join('\u0000')) return true;
  const lastKept = mine.findLastIndex((item) => inBase.has(item.name));
  return mine.some((item, i) => i < lastKept && !inBase.has(item.name));
}

// The user's order: each of their items merged with the other writer's version, then what only the
// other writer added. The list is flagged: the other writer may have meant another order.
function mergeInUsersOrder(b, m, t, base, mine, theirs, path, conflicts) {
  conflicts.push(path);
  const out = [];
  for (const item of mine) {
    const p = itemPath(path, out.length);
    if (t.has(item.name)) {
      const v = mergeValue(b.get(item.name), item, t.get(item.name), p, conflicts);
      if (v !== undefined) out.push(v);
    } else {
      if (b.has(item.name) && !same(b.get(item.name), item)) conflicts.push(p);
      if (!b.has(item.name) || !same(b.get(item.name), item)) out.push(item);
      // an item they deleted and the user left unchanged stays deleted
    }
  }
  for (const item of theirs) {
    if (m.has(item.name)) continue;
    if (!b.has(item.name)) out.push(item); // only they added it
    else if (!same(b.get(item.name), item)) {
      conflicts.push(itemPath(path, out.length)); // the user deleted what they changed
    }
  }
  return out;
}

function namedList(v) {
  return Array.isArray(v) && v.every((item) => isObject(item) && typeof item.name === 'string')
    && new Set(v.map((item) => item.name)).size === v.length;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isRawNumber(v);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}
