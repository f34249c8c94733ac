/**
 * Noticing that the process which started this one is gone (killed
 * outright, so it could not stop its children): its children are then
 * adopted, and their parent id changes.
 */

/** Calls `onGone` once, within a second of this process's parent going. */
export function whenParentGone(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 1000);
  timer.unref();
}
