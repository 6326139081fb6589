package io.sluice.sdk.source;

import io.sluice.rules.RuleDocument;
import io.sluice.rules.wire.EtcdKeys;
import io.sluice.sdk.ActiveRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The keys an {@link EtcdRuleSource} keeps a service's rules from, the service's document and
 * {@code _default}'s, with the precedence between them and how the rules they give are named in the
 * log. A service named {@code _default} has one document, the fallback of every other service: its
 * one slot is both (two slots on its one key would read, judge, log and apply each of its changes
 * twice). Confined to the source's thread.
 */
final class RuleSlots {

  final String service;

  /** The service's own document ({@link #defaultSlot} too for a service named {@code _default}). */
  final RuleSlot serviceSlot;

  final RuleSlot defaultSlot;

  /** The distinct slots, read and watched in this order. */
  final List<RuleSlot> all;

  /** What the service runs without a valid document of either key. */
  final ActiveRules builtInDefaults;

  RuleSlots(EtcdKeys keys, String service) {
    this.service = service;
    this.defaultSlot =
        new RuleSlot(
            keys.rules(RuleDocument.DEFAULT_SERVICE),
            ActiveRules.Source.ETCD_DEFAULT,
            Set.of(RuleDocument.DEFAULT_SERVICE));
    this.serviceSlot =
        RuleDocument.DEFAULT_SERVICE.equals(service)
            ? defaultSlot
            : new RuleSlot(keys.rules(service), ActiveRules.Source.ETCD, Set.of(service));
    this.all =
        serviceSlot == defaultSlot ? List.of(defaultSlot) : List.of(serviceSlot, defaultSlot);
    this.builtInDefaults = ActiveRules.defaults(service);
  }

  /**
   * The rules in force by precedence: the service's own valid document, else {@code _default}'s,
   * else the built-in defaults.
   */
  ActiveRules effective() {
    return serviceSlot.applied != null
        ? serviceSlot.applied
        : defaultSlot.applied != null ? defaultSlot.applied : builtInDefaults;
  }

  /** The slot whose applied rules {@code rules} are: the service's, or else {@code _default}'s. */
  RuleSlot appliedFrom(ActiveRules rules) {
    return rules == serviceSlot.applied ? serviceSlot : defaultSlot;
  }

  /** The slot a snapshot's document was read from: {@code _default}'s, or the service's. */
  RuleSlot readFrom(ActiveRules rules) {
    return RuleDocument.DEFAULT_SERVICE.equals(rules.document().service())
        ? defaultSlot
        : serviceSlot;
  }

  /**
   * The rejection to report: the service's own document's while it has one, else {@code
   * _default}'s, or null. Not the newer of the two: the service's own document governs the service,
   * and the control plane sorts the agent against it, so a {@code _default} rejected later would
   * hide the rejection the service's operators need to see (and show the agent behind on its
   * service with {@code _default}'s errors). A slot's rejection goes when its document is applied
   * or deleted.
   */
  RuleRejection lastRejection() {
    RuleRejection own = serviceSlot.rejection;
    return own != null ? own : defaultSlot.rejection;
  }

  /** Whether {@code rejection} is still a slot's, reported or hidden by the service's own. */
  boolean stands(RuleRejection rejection) {
    return rejection == serviceSlot.rejection || rejection == defaultSlot.rejection;
  }

  /** The last revision seen of either key; -1 before etcd first answered. */
  long seen() {
    return Math.max(serviceSlot.nextWatchRevision, defaultSlot.nextWatchRevision) - 1;
  }

  /**
   * Forgets the revisions the documents were read at: etcd lost data, and its revisions count up
   * again, so a document written at a number seen before the loss is another document.
   */
  void forgetRevisions() {
    serviceSlot.revision = 0;
    defaultSlot.revision = 0;
  }

  /** Whether every slot's watch is established. */
  boolean watched() {
    return serviceSlot.watchCreated && defaultSlot.watchCreated;
  }

  /** The watches are closed: none is established. */
  void unwatched() {
    all.forEach(slot -> slot.watchCreated = false);
  }

  /** Which rules {@code rules} are, in a few words: the built-in defaults, or which document. */
  String named(ActiveRules rules) {
    if (rules == builtInDefaults) {
      return "the built-in defaults";
    }
    return "the rule document " + appliedFrom(rules).key + " at revision " + rules.revision();
  }

  /**
   * The line that says which rules the app now runs: the only sign in the app's log that a change
   * written to etcd arrived, as the rules file's source says of each file it applies.
   */
  String appliedLine(ActiveRules effective) {
    if (effective == builtInDefaults) {
      if (serviceSlot.rejection == null && defaultSlot.rejection == null) {
        return "no rule document for "
            + service
            + " in etcd ("
            + String.join(" or ", all.stream().map(slot -> slot.key).toList())
            + "): running on the built-in defaults";
      }
      // a document that is there but rejected is not "no document": it is to be fixed, not written
      List<String> rejected = new ArrayList<>(2);
      for (RuleSlot slot : all) {
        if (slot.rejection != null) {
          rejected.add(slot.key + " at revision " + slot.rejection.revision());
        }
      }
      return "no valid rule document for "
          + service
          + " in etcd (rejected: "
          + String.join(", ", rejected)
          + "): running on the built-in defaults";
    }
    RuleSlot from = appliedFrom(effective);
    String why = "";
    if (from != serviceSlot) {
      why =
          serviceSlot.rejection != null
              ? " (the document of "
                  + service
                  + " at revision "
                  + serviceSlot.rejection.revision()
                  + " was rejected)"
              : " (" + service + " has no document of its own)";
    }
    if (from.keptThroughLoss) {
      // etcd lost this document (see RuleSlot#lost): it is back in force from memory, not read
      return "back on the rule document "
          + from.key
          + " at revision "
          + effective.revision()
          + ", kept since etcd lost it"
          + why;
    }
    return "applied the rule document " + from.key + " at revision " + effective.revision() + why;
  }

  /**
   * Whether {@code effective} was only chosen because the document the last-known-good rules in
   * force ({@code snapshot}) stand for was rejected, so they stay. Asked while they are in force,
   * of the key they were read from: when they are the service's own document, only that document
   * being rejected (present but invalid) holds them; that document missing is a delete, an intent
   * whether seen live or after a restart, and its rules go as a running source's would, to a valid
   * {@code _default} or else the built-in defaults, even past a rejected {@code _default} (a
   * running source would fall to its last valid {@code _default}, which a restarted one does not
   * know). When they are {@code _default}'s document (the service had none of its own when they
   * were saved), only {@code _default} being rejected holds them, when the built-in defaults would
   * replace them: the service's own document being rejected never replaced them, so {@code
   * _default} is followed as by a source that never restarted.
   */
  boolean fallsBackPastARejection(ActiveRules snapshot, ActiveRules effective) {
    if (readFrom(snapshot) == defaultSlot) {
      return effective == builtInDefaults && defaultSlot.rejection != null;
    }
    return serviceSlot.applied == null && serviceSlot.rejection != null;
  }
}
