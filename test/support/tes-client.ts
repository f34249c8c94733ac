/**
 * A small TES client for the tests: plain fetch calls, with every
 * response checked against the TES v1.1 OpenAPI document.
 */
import type { TaskState, TesTask, TesTaskRequest } from '../../shared/tes';
import { assertValid } from './openapi';

/** A response: its status and parsed JSON body. */
export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Sends a request to the API and parses the answer. */
export async function call<T = unknown>(
  url: string,
  init: RequestInit = {},
): Promise<Answer<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  return { status: response.status, body, headers: response.headers };
}

/** Creates a task and returns its id. */
export async function createTask(
  base: string,
  task: TesTaskRequest | object,
): Promise<string> {
  const answer = await call<{ id: string }>(`${base}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(task),
  });
  if (answer.status !== 200) {
    throw new Error(
      `create answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  assertValid('tesCreateTaskResponse', answer.body);
  return answer.body.id;
}

/** Reads a task in a view, checked against the schema of that view. */
export async function getTask(
  base: string,
  id: string,
  view: 'MINIMAL' | 'BASIC' | 'FULL' = 'FULL',
): Promise<TesTask> {
  const answer = await call<TesTask>(`${base}/tasks/${id}?view=${view}`);
  if (answer.status !== 200) {
    throw new Error(
      `get answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  assertValid(view === 'MINIMAL' ? 'minimalTask' : 'tesTask', answer.body);
  return answer.body;
}

/** Asks for a task to be cancelled. */
export async function cancelTask(base: string, id: string): Promise<void> {
  const answer = await call(`${base}/tasks/${id}:cancel`, { method: 'POST' });
  if (answer.status !== 200)
    throw new Error(`cancel answered ${answer.status}`);
  assertValid('tesCancelTaskResponse', answer.body);
}

/** Polls a task until `until` holds, and returns it (FULL view). */
export async function waitForTask(
  base: string,
  id: string,
  until: (task: TesTask) => boolean,
  timeoutMs = 60_000,
): Promise<TesTask> {
  const deadline = Date.now() + timeoutMs;
  let task = await getTask(base, id);
  while (!until(task)) {
    if (Date.now() > deadline) {
      throw new Error(
        `task ${id} timed out in state ${task.state}: ${JSON.stringify(task)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    task = await getTask(base, id);
  }
  return task;
}

const FINAL: TaskState[] = [
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELED',
];

/** Waits until a task has reached a final state. */
export function waitForEnd(
  base: string,
  id: string,
  timeoutMs?: number,
): Promise<TesTask> {
  return waitForTask(base, id, (t) => FINAL.includes(t.state), timeoutMs);
}

/** An executor that runs `script` in a shell (the image is recorded only). */
export function sh(script: string, extra: object = {}) {
  return { image: 'alpine', command: ['sh', '-c', script], ...extra };
}

/** The system log lines of a task's last attempt, as one text. */
export function systemLogs(task: TesTask): string {
  return task.logs?.at(-1)?.system_logs?.join('\n') ?? '';
}
