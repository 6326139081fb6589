// Reads the API's answers into the shapes the views draw, tolerating the optional fields of
// the contract: counts the server does not send are derived from the live agent list.

/**
 * Names one agent: its instance id within the service it reports (the instance ids of two services
 * falling back to _default may be the same). A rollout's agent without a service matches by id.
 */
export function agentKey(a) {
  return a.service ? JSON.stringify([String(a.service), String(a.instanceId)]) : String(a.instanceId);
}

/** One agent, with its rollout status against the service's current revision. */
export function agentView(a, currentRevision) {
  const rejected = a.rejected || a.rejection || null;
  let status = typeof a.status === 'string' ? a.status.toLowerCase() : null;
  if (!status) {
    if (rejected && currentRevision != null && Number(rejected.revision) >= currentRevision) status = 'rejected';
    else if (currentRevision == null || Number(a.appliedRevision) === currentRevision) status = 'applied';
    else status = 'behind';
  }
  const errors = rejected ? (rejected.errors || (rejected.error ? [rejected.error] : [])) : [];
  const breakers = Array.isArray(a.breakers) ? a.breakers : [];
  const byState = a.breakersByState && typeof a.breakersByState === 'object' && !Array.isArray(a.breakersByState)
    ? a.breakersByState : null;
  return {
    instanceId: String(a.instanceId ?? a.instance ?? ''),
    service: String(a.service ?? ''),
    host: a.host ?? '',
    pid: a.pid ?? '',
    versions: a.versions || {},
    rulesSource: a.rulesSource ?? '',
    appliedRevision: a.appliedRevision ?? null,
    rejectedRevision: rejected ? rejected.revision : null,
    rejectedErrors: errors.map(String),
    rejectedErrorsOmitted: rejected ? Number(rejected.errorsOmitted) || 0 : 0,
    status,
    updatedAt: a.updatedAt ?? null,
    breakers,
    breakersOmitted: Number(a.breakersOmitted) || 0,
    breakersByState: byState,
    breakersOpen: openBreakers(breakers, byState),
    topTargets: Array.isArray(a.topTargets) ? a.topTargets : [],
  };
}

/** One row of the overview, filled from the summary and, where it is silent, the agents. */
export function serviceView(s, agents) {
  const name = String(s.service ?? s.name ?? '');
  const revision = numberOrNull(s.revision ?? s.currentRevision);
  const mine = agents.filter((a) => String(a.service) === name).map((a) => agentView(a, revision));
  const counts = s.agents && typeof s.agents === 'object' && !Array.isArray(s.agents) ? s.agents : {};
  const total = firstNumber(counts.total, s.agentsTotal, s.agentCount, s.totalAgents) ?? mine.length;
  const current = firstNumber(counts.current, counts.onCurrent, counts.applied, s.agentsOnCurrent, s.agentsCurrent, s.currentAgents)
    ?? mine.filter((a) => a.status === 'applied').length;
  const rejected = firstNumber(counts.rejected, s.agentsRejected, s.rejected, s.rejectedAgents)
    ?? mine.filter((a) => a.status === 'rejected').length;
  const breakersOpen = firstNumber(s.breakersOpen, s.openBreakers)
    ?? mine.reduce((n, a) => n + a.breakersOpen, 0);
  const last = s.lastChange || s.lastModified || {};
  return {
    name,
    revision,
    total,
    current,
    rejected,
    breakersOpen,
    lastAuthor: last.author ?? s.lastAuthor ?? s.author ?? null,
    lastTime: last.time ?? s.lastTime ?? s.updatedAt ?? s.time ?? null,
    hasRules: s.hasRules ?? revision != null,
    source: s.source ?? null,
    effectiveRevision: numberOrNull(s.effectiveRevision),
  };
}

export function isOpen(state) {
  return /^(OPEN|FORCED_OPEN)$/i.test(String(state || ''));
}

/** A breaker that lets not every call through: open, forced open or half-open (trying again). */
export function notClosed(state) {
  return /^(OPEN|FORCED_OPEN|HALF_OPEN)$/i.test(String(state || ''));
}

/**
 * An agent's breakers that are not closed. An agent lists at most 200 breakers, so its counts by
 * state (every live breaker) decide when it sends them; older agents only list theirs.
 */
function openBreakers(breakers, byState) {
  if (byState) {
    return Object.entries(byState).reduce((n, [state, count]) => n + (notClosed(state) ? Number(count) || 0 : 0), 0);
  }
  return breakers.filter((b) => notClosed(b.state)).length;
}

function numberOrNull(v) {
  return v === null || v === undefined || v === '' ? null : Number(v);
}

function firstNumber(...values) {
  for (const v of values) if (typeof v === 'number') return v;
  return null;
}

/** A history entry. */
export function historyView(e) {
  return {
    revision: Number(e.revision),
    author: e.author ?? '',
    time: e.time ?? e.timestamp ?? null,
    action: String(e.action ?? '').toLowerCase(),
    comment: e.comment ?? '',
    rollbackOf: numberOrNull(e.rollbackOf),
    document: e.document ?? e.rules ?? null,
  };
}

/**
 * Targets the agents call that no breaker policy covers, merged across agents. Used when the
 * control plane does not list them itself.
 */
export function unprotectedFromAgents(agents) {
  const byTarget = new Map();
  for (const a of agents) {
    for (const t of a.topTargets) {
      // agents that count unguarded calls say how many went unguarded; older ones only whether any was guarded
      const counted = t.unguardedCallsPerMinute != null;
      if (t.coveredBy && (!counted || !(Number(t.unguardedCallsPerMinute) > 0))) continue;
      const row = byTarget.get(t.target) || { target: t.target, callsPerMinute: 0, errorsPerMinute: 0, p99Millis: 0 };
      row.callsPerMinute += Number(t.coveredBy ? t.unguardedCallsPerMinute : t.callsPerMinute) || 0;
      row.errorsPerMinute += Number(t.coveredBy ? t.unguardedErrorsPerMinute : t.errorsPerMinute) || 0;
      row.p99Millis = Math.max(row.p99Millis, Number(t.p99Millis) || 0);
      byTarget.set(t.target, row);
    }
  }
  return [...byTarget.values()]
    .sort((x, y) => y.callsPerMinute - x.callsPerMinute)
    .map((row) => ({ ...row, suggestedPolicy: suggestPolicy(row) }));
}

/** A conservative breaker policy for a target, in the rule language. */
export function suggestPolicy({ target, p99Millis }) {
  const [host, port] = splitTarget(target);
  const slowMs = Math.max(1000, Math.ceil(((Number(p99Millis) || 0) * 3) / 100) * 100);
  const policy = {
    name: suggestedName(host, port),
    match: port ? { host, port } : { host },
    failureRateThreshold: 50,
    slowCallRateThreshold: 80,
    slowCallDuration: slowMs % 1000 === 0 ? `${slowMs / 1000}s` : `${slowMs}ms`,
    slidingWindow: { type: 'COUNT', size: 20 },
    minimumCalls: 10,
    waitInOpenState: '10s',
    halfOpenCalls: 3,
    failureStatusCodes: ['5xx'],
    onOpen: { mode: 'error' },
    shadow: true,
  };
  return policy;
}

/** `host-port`, as the control plane names its suggestions, within the rule language's 128 characters. */
function suggestedName(host, port) {
  const suffix = port ? `-${port}` : '';
  return host.toLowerCase().replace(/[^a-z0-9._-]/g, '-').slice(0, 128 - suffix.length) + suffix;
}

function splitTarget(target) {
  const t = String(target || '');
  const i = t.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(t.slice(i + 1))) return [t.slice(0, i), Number(t.slice(i + 1))];
  return [t, null];
}

/** A first document for a service that has none yet. */
export function starterDocument(service) {
  return {
    schemaVersion: 1,
    service,
    sampling: { defaultRatio: 1.0, respectParentDecision: true, rules: [] },
    breakers: [],
  };
}
