package io.rumsessions.processor.ingest;

/**
 * The session key of the visitor whose session last started at a client address (service and page
 * host), for a span that arrives later with no user agent at all (a click batch of the OpenTelemetry
 * JS web SDK carries none) and without consent: its cookie-free id derived without an agent would key
 * a session of its own. Several visitors behind one address (a NAT, or a relay that sets no
 * {@code client.address}, whose own address is then everyone's) are told apart only by the agent:
 * such a span joins the one who started last, which is why it is still counted as keyed without one. Indexed by that agent-less id, a salted digest of address, service and host like every
 * cookie-free id, so the table holds no address, agent or client id; entries stop matching when the
 * daily salt turns, and a full table overwrites (4,096 slots: a miss only means the span is keyed
 * without an agent, as it was before this table). Used under the state lock only.
 */
final class AddressVisitors {
  private static final int SLOTS = 4096;
  private final String[] agentless = new String[SLOTS];
  private final String[] keys = new String[SLOTS];

  void started(String agentlessId, String key) {
    int i = agentlessId.hashCode() & (SLOTS - 1);
    agentless[i] = agentlessId;
    keys[i] = key;
  }

  /** The key of the session last started under that agent-less id's address, or null. */
  String keyOf(String agentlessId) {
    int i = agentlessId.hashCode() & (SLOTS - 1);
    return agentlessId.equals(agentless[i]) ? keys[i] : null;
  }
}
