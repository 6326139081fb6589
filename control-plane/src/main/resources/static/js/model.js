// Reads the API's answers into the shapes the views draw, tolerating the optional fields of
// the contract: counts the server does not send are derived from the live agent list.

/**
 * Names one agent: its instance id within the service it reports (the instance ids of two services
 * falling back to _default may be the same). A rollout's agent without a service matches by id.
 */
export function agentKey(a) {
  return a.service
    ? JSON.stringify([String(a.service), String(a.instanceId)])
    : String(a.instanceId);
}

/** One agent, with its rollout status against the service's current revision. */
export function agentView(a, currentRevision) {
  const rejected = a.rejected || a.rejection || null;
  let status = typeof a.status === 'string' ? a.status.toLowerCase() : null;
  if (!status) {
    // in the server's order (Rollout.of): an agent on a local rules file never takes the document
    // stored here, whatever revision it reports (0); one that runs the current revision is
    // current, whatever it rejected before or since, so the Agents tab and the rollout count it
    // alike; only a rejection of the current revision itself is one (a higher one names a
    // document etcd lost to a restore from an older backup, which the agent still reports)
    if (a.rulesSource === 'file') {
      status = 'rules file';
    } else if (currentRevision == null || Number(a.appliedRevision) === currentRevision) {
      status = 'applied';
    } else if (rejected && Number(rejected.revision) === currentRevision) {
      status = 'rejected';
    } else if (Number(a.appliedRevision) > currentRevision) {
      // on a document deleted since (the delete not applied yet) or lost to an etcd restored
      // from an older backup: not behind any change
      status = 'ahead';
    } else {
      status = 'behind';
    }
  }
  const errors = rejected ? (rejected.errors || (rejected.error ? [rejected.error] : [])) : [];
  const breakers = Array.isArray(a.breakers) ? a.breakers : [];
  const byState = a.breakersByState
    && typeof a.breakersByState === 'object'
    && !Array.isArray(a.breakersByState)
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
  const counts =
    s.agents && typeof s.agents === 'object' && !Array.isArray(s.agents) ? s.agents : {};
  const total =
    firstNumber(counts.total, s.agentsTotal, s.agentCount, s.totalAgents) ?? mine.length;
  const current = firstNumber(
    counts.current, counts.onCurrent, counts.applied,
    s.agentsOnCurrent, s.agentsCurrent, s.currentAgents)
    ?? mine.filter((a) => a.status === 'applied').length;
  const rejected = firstNumber(counts.rejected, s.agentsRejected, s.rejected, s.rejectedAgents)
    ?? mine.filter((a) => a.status === 'rejected').length;
  // counted in total, in no other count: above the current revision, and on a local rules file
  const ahead = firstNumber(counts.ahead) ?? mine.filter((a) => a.status === 'ahead').length;
  const onRulesFile = firstNumber(counts.onRulesFile)
    ?? mine.filter((a) => a.status === 'rules file').length;
  const breakersOpen = firstNumber(s.breakersOpen, s.openBreakers)
    ?? mine.reduce((n, a) => n + a.breakersOpen, 0);
  // agents whose status the control plane cannot read: missing from every count above
  const unreadable = firstNumber(s.unreadableAgents) ?? 0;
  const last = s.lastChange || s.lastModified || {};
  return {
    name,
    revision,
    total,
    current,
    rejected,
    ahead,
    onRulesFile,
    breakersOpen,
    unreadable,
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
    return Object.entries(byState)
      .reduce((n, [state, count]) => n + (notClosed(state) ? Number(count) || 0 : 0), 0);
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

/** A first document for a service that has none yet. */
export function starterDocument(service) {
  return {
    schemaVersion: 1,
    service,
    sampling: { defaultRatio: 1.0, respectParentDecision: true, rules: [] },
    breakers: [],
  };
}
