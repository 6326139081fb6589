// Reads the API's answers into the shapes the views draw, tolerating the fields of the agent
// status that agents older than them leave out. Agents reach the UI only through the control
// plane's GET /api/v1/agents, which writes its AgentStatus record: no other field names arrive.

/**
 * Names one agent: its instance id within the service it reports (the instance ids of two services
 * falling back to _default may be the same). A rollout's agent without a service matches by id.
 */
export function agentKey(a) {
  return a.service
    ? JSON.stringify([String(a.service), String(a.instanceId)])
    : String(a.instanceId);
}

/**
 * One agent, with its rollout status against the service's current revision. `judged` false: the
 * revision to judge by is not known (neither the rules nor the rollout could be read, etcd away),
 * and the status is 'unknown', not 'applied' against none.
 */
export function agentView(a, currentRevision, judged = true) {
  const rejected = a.rejected || null;
  // in the server's order (Rollout.of): an agent on a local rules file never takes the document
  // stored here, whatever revision it reports (0); one that runs the current revision is current,
  // whatever it rejected before or since, so the Agents tab and the rollout count it alike; only a
  // rejection of the current revision itself is one (a higher one names a document etcd lost to a
  // restore from an older backup, which the agent still reports)
  let status;
  if (a.rulesSource === 'file') {
    status = 'rules file';
  } else if (!judged) {
    status = 'unknown';
  } else if (currentRevision == null || Number(a.appliedRevision) === currentRevision) {
    status = 'applied';
  } else if (rejected && Number(rejected.revision) === currentRevision) {
    status = 'rejected';
  } else if (Number(a.appliedRevision) > currentRevision) {
    // on a document deleted since (the delete not applied yet) or lost to an etcd restored from an
    // older backup: not behind any change
    status = 'ahead';
  } else {
    status = 'behind';
  }
  const errors = rejected && Array.isArray(rejected.errors) ? rejected.errors : [];
  const breakers = Array.isArray(a.breakers) ? a.breakers : [];
  const byState = a.breakersByState
    && typeof a.breakersByState === 'object'
    && !Array.isArray(a.breakersByState)
    ? a.breakersByState : null;
  return {
    instanceId: String(a.instanceId ?? ''),
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
    // whether it says which HTTP clients its app made that Sluice does not guard (the SDK's own
    // apps and older agents do not), and those clients: [] when none, or not told
    unguardedClientsTold: Array.isArray(a.unguardedClients),
    unguardedClients: (Array.isArray(a.unguardedClients) ? a.unguardedClients : [])
      .filter((c) => c && typeof c.client === 'string')
      .map((c) => ({
        client: c.client,
        guarded: typeof c.guarded === 'string' ? c.guarded : null,
      })),
  };
}

/**
 * One row of the overview, from a row of the services list (the control plane's ServiceSummary:
 * its counts cover every agent, where the UI would see only the agents it listed).
 */
export function serviceView(s) {
  const counts = s.agents;
  return {
    name: String(s.service),
    revision: numberOrNull(s.revision),
    total: counts.total,
    current: counts.current,
    rejected: counts.rejected,
    // counted in total, in no other count: above the current revision, and on a local rules file
    ahead: counts.ahead,
    onRulesFile: counts.onRulesFile,
    breakersOpen: s.breakersOpen,
    // agents whose status the control plane cannot read: missing from every count above
    unreadable: s.unreadableAgents,
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
    return Object.entries(byState)
      .reduce((n, [state, count]) => n + (notClosed(state) ? Number(count) || 0 : 0), 0);
  }
  return breakers.filter((b) => notClosed(b.state)).length;
}

function numberOrNull(v) {
  return v === null || v === undefined || v === '' ? null : Number(v);
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

/** A first document for a service that has none yet. */
export function starterDocument(service) {
  return {
    schemaVersion: 1,
    service,
    sampling: { defaultRatio: 1.0, respectParentDecision: true, rules: [] },
    breakers: [],
  };
}
