/**
 * Fault injection for the reliability tests: TES_FAULTS lists steps of the
 * event handlers and the call at which each fails, e.g.
 * `assignment:committed=1,event-ingestion:start=2` fails the first call of
 * the assignment after its commit, and the second call of the ingestion at
 * its start. The failure is an ordinary thrown error, so the handler's
 * message is delivered again, as after a crash. Unset (always, outside
 * tests), checkpoints cost a map lookup.
 */

/** A failure injected at a checkpoint. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

function plan(spec: string | undefined): Map<string, number> {
  const entries = (spec ?? '')
    .split(',')
    .map((entry) => entry.trim().split('='))
    .filter((pair): pair is [string, string] => pair.length === 2)
    .map(([step, call]): [string, number] => [step, Number(call)]);
  return new Map(entries);
}

const faults = plan(process.env.TES_FAULTS);
const calls = new Map<string, number>();

/** Marks a step of a handler; throws there if TES_FAULTS says so. */
export function checkpoint(step: string): void {
  const failAt = faults.get(step);
  if (failAt === undefined) return;
  const call = (calls.get(step) ?? 0) + 1;
  calls.set(step, call);
  if (call === failAt) throw new InjectedFault(`fault injected at ${step}`);
}
