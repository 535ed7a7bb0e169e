import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from '../types.js';
import type { CheckedTarget, DnsAnswers } from './origin-policy.js';

/** Keep-alive agents idle this long are closed. */
const IDLE_MS = 30_000;
/** Agents one plugin keeps at most; the least recently used idle one goes first. */
const MAX_AGENTS = 32;
/**
 * How long a DNS answer is used again. As long as an idle connection is kept: a name asked again within that
 * time gets the same checked addresses, hence the same agent and its open connection, without a lookup (Node
 * itself keeps no answers, and a getaddrinfo costs from a fraction of a millisecond to many). Never longer, so
 * a moved service is found again within half a minute.
 */
export const DNS_ANSWER_MS = IDLE_MS;
/** Host names whose answers one plugin keeps at most; the oldest goes first. */
const MAX_ANSWERS = 256;

interface Entry {
  readonly agent: http.Agent;
  lastUsed: number;
}

/**
 * Keep-alive connections of one plugin, one agent per checked origin and set of checked addresses. Every
 * request still goes through the origin policy and address check first (DNS is asked again once the plugin's
 * kept answer for the name is DNS_ANSWER_MS old); the agent it then uses can only connect to
 * the addresses that check approved (its lookup answers nothing else), so a reused connection is always one to
 * an address checked for this origin, and a different DNS answer gets a different agent. Plugins never share
 * agents.
 */
export interface AgentPool {
  /** The agent for the checked target's origin and exactly the addresses its check approved. */
  agentFor(target: CheckedTarget): http.Agent;
  /** This plugin's recent DNS answers (DNS_ANSWER_MS each): the origin policy checks them on every use. */
  readonly answers: DnsAnswers;
  /** Closes every connection and forgets every answer. */
  closeAll(): void;
}

/** A lookup that only ever answers with the addresses already checked, so DNS cannot change between check and connect. */
function pinnedTo(addresses: CheckedTarget['addresses']): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
    const usable = addresses.filter((a) => wanted === undefined || a.family === wanted);
    if (options.all === true) {
      callback(
        null,
        usable.map((a) => ({ address: a.address, family: a.family })),
      );
      return;
    }
    const first = usable[0];
    if (first === undefined) {
      const err = Object.assign(new Error('no checked address of the requested family'), {
        code: 'ENOTFOUND',
      });
      callback(err, '', 0);
      return;
    }
    callback(null, first.address, first.family);
  };
}

function busy(agent: http.Agent): boolean {
  const active = Object.values(agent.sockets).some((list) => (list?.length ?? 0) > 0);
  const waiting = Object.values(agent.requests).some((list) => (list?.length ?? 0) > 0);
  return active || waiting;
}

function createAnswers(now: () => number): DnsAnswers & { clear(): void } {
  const kept = new Map<string, { readonly addresses: readonly ResolvedAddress[]; readonly until: number }>();
  return {
    get(hostname) {
      const entry = kept.get(hostname);
      if (entry === undefined) return undefined;
      if (now() < entry.until) return entry.addresses;
      kept.delete(hostname);
      return undefined;
    },
    set(hostname, addresses) {
      kept.delete(hostname);
      if (kept.size >= MAX_ANSWERS) {
        const oldest = kept.keys().next();
        if (oldest.done !== true) kept.delete(oldest.value);
      }
      kept.set(hostname, { addresses: [...addresses], until: now() + DNS_ANSWER_MS });
    },
    clear() {
      kept.clear();
    },
  };
}

export function createAgentPool(now: () => number = Date.now): AgentPool {
  const agents = new Map<string, Entry>();
  const answers = createAnswers(now);
  let sweeper: NodeJS.Timeout | undefined;

  const sweep = (): void => {
    const t = now();
    for (const [key, entry] of agents) {
      if (t - entry.lastUsed > IDLE_MS && !busy(entry.agent)) {
        entry.agent.destroy();
        agents.delete(key);
      }
    }
    if (agents.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  const evictOne = (): void => {
    let oldest: [string, Entry] | undefined;
    for (const item of agents) {
      if (!busy(item[1].agent) && (oldest === undefined || item[1].lastUsed < oldest[1].lastUsed))
        oldest = item;
    }
    if (oldest === undefined) return;
    oldest[1].agent.destroy();
    agents.delete(oldest[0]);
  };

  return {
    answers,
    agentFor(target) {
      const addresses = target.addresses.map((a) => a.address).join(',');
      const key = `${target.url.protocol}//${target.host}:${target.port}|${addresses}`;
      const existing = agents.get(key);
      if (existing !== undefined) {
        existing.lastUsed = now();
        return existing.agent;
      }
      if (agents.size >= MAX_AGENTS) evictOne();
      const options = {
        keepAlive: true,
        maxSockets: 16,
        maxFreeSockets: 4,
        scheduling: 'lifo' as const,
        // closes idle pooled sockets; a request in flight is bounded by its own deadlines
        timeout: IDLE_MS,
        lookup: pinnedTo(target.addresses),
      };
      const agent =
        target.url.protocol === 'https:'
          ? new https.Agent({ ...options, ...(isIP(target.host) === 0 ? { servername: target.host } : {}) })
          : new http.Agent(options);
      agents.set(key, { agent, lastUsed: now() });
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, IDLE_MS / 2);
        sweeper.unref();
      }
      return agent;
    },
    closeAll() {
      for (const entry of agents.values()) entry.agent.destroy();
      agents.clear();
      answers.clear();
      if (sweeper !== undefined) clearInterval(sweeper);
      sweeper = undefined;
    },
  };
}
