import type { Clock } from '../common/clock.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitOptions {
  failureThreshold: number;
  cooldownMs: number;
  clock: Clock;
  /** Called on every state change (for metrics and logs). */
  onChange?(key: string, state: CircuitState): void;
}

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  /** A half-open circuit lets exactly one probe through at a time. */
  probing: boolean;
}

/**
 * One circuit per deployment. Closed: calls pass and consecutive failures are
 * counted; at the threshold it opens. Open: calls are refused until the
 * cool-down has passed, then one probe is let through (half-open): success
 * closes the circuit, failure opens it for another cool-down.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly options: CircuitOptions) {}

  private circuit(key: string): Circuit {
    let circuit = this.circuits.get(key);
    if (!circuit) {
      circuit = { state: 'closed', failures: 0, openedAt: 0, probing: false };
      this.circuits.set(key, circuit);
    }
    return circuit;
  }

  private set(key: string, circuit: Circuit, state: CircuitState): void {
    if (circuit.state === state) return;
    circuit.state = state;
    this.options.onChange?.(key, state);
  }

  state(key: string): CircuitState {
    return this.circuits.get(key)?.state ?? 'closed';
  }

  /** Whether a call may go to this deployment now, without claiming the probe. */
  available(key: string): boolean {
    const circuit = this.circuits.get(key);
    if (!circuit || circuit.state === 'closed') return true;
    if (circuit.state === 'half_open') return !circuit.probing;
    return this.options.clock.now() - circuit.openedAt >= this.options.cooldownMs;
  }

  /** Claims the right to call; false when the circuit is open (or its probe is already out). */
  acquire(key: string): boolean {
    const circuit = this.circuit(key);
    if (circuit.state === 'closed') return true;
    if (!this.available(key)) return false;
    this.set(key, circuit, 'half_open');
    circuit.probing = true;
    return true;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when it would now). */
  retryInMs(key: string): number {
    const circuit = this.circuits.get(key);
    if (!circuit || circuit.state !== 'open') return 0;
    return Math.max(0, circuit.openedAt + this.options.cooldownMs - this.options.clock.now());
  }

  success(key: string): void {
    const circuit = this.circuit(key);
    circuit.failures = 0;
    circuit.probing = false;
    this.set(key, circuit, 'closed');
  }

  failure(key: string): void {
    const circuit = this.circuit(key);
    circuit.failures++;
    circuit.probing = false;
    if (circuit.state === 'half_open' || circuit.failures >= this.options.failureThreshold) {
      circuit.openedAt = this.options.clock.now();
      this.set(key, circuit, 'open');
    }
  }

  /** The call ended without telling anything about the deployment (client went away, bad request). */
  release(key: string): void {
    const circuit = this.circuits.get(key);
    if (circuit) circuit.probing = false;
  }
}
