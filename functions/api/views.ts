/**
 * Renders a stored task as the TES views MINIMAL, BASIC and FULL. Only
 * fields the specification defines leave the service, and an absent
 * optional field is left out rather than sent as null.
 */
import {
  type AttemptRecord,
  newAttempt,
  type TaskRecord,
} from '../../shared/task-record';
import type {
  TaskView,
  TesExecutorLog,
  TesInput,
  TesTask,
  TesTaskLog,
} from '../../shared/tes';

/**
 * The exit code shown for an executor that has not finished. The
 * specification requires the field; -1 cannot be mistaken for a result.
 */
export const EXIT_CODE_NOT_FINISHED = -1;

function executorLogs(attempt: AttemptRecord, full: boolean): TesExecutorLog[] {
  return (attempt.report?.executors ?? []).map((e) => ({
    start_time: e.start_time,
    end_time: e.end_time,
    stdout: full ? e.stdout : undefined,
    stderr: full ? e.stderr : undefined,
    exit_code: e.exit_code ?? EXIT_CODE_NOT_FINISHED,
  }));
}

/**
 * One task log per attempt, in order. When a task had more than one
 * attempt, a copy of the last attempt's log comes first as well: clients
 * that read the first log (Nextflow) and those that read the last then
 * both see the final attempt's exit codes, and every attempt is kept.
 */
function taskLogs(task: TaskRecord, full: boolean): TesTaskLog[] {
  // Notes made at create time need a log to show in, even before the
  // first attempt.
  const attempts =
    task.attempts.length === 0 && task.notes.length > 0
      ? [newAttempt()]
      : task.attempts;

  const logs = attempts.map((attempt, i) => {
    const report = attempt.report;
    const lines = [
      ...(i === 0 ? task.notes : []),
      ...(report?.system_logs ?? []),
      ...attempt.notes,
    ];
    const metadata = { ...attempt.metadata, ...report?.metadata };
    const hasMetadata = Object.keys(metadata).length > 0;
    return {
      start_time: report?.start_time,
      end_time: report?.end_time ?? attempt.end_time,
      logs: executorLogs(attempt, full),
      outputs: report?.outputs ?? [],
      metadata: hasMetadata ? metadata : undefined,
      system_logs: full ? lines : undefined,
    };
  });
  const last = logs[logs.length - 1];
  return logs.length > 1 && last ? [last, ...logs] : logs;
}

function inputs(list: TesInput[], full: boolean): TesInput[] {
  return full ? list : list.map(({ content: _content, ...rest }) => rest);
}

/** Renders `task` in `view`. */
export function renderTask(task: TaskRecord, view: TaskView): TesTask {
  if (view === 'MINIMAL') {
    return { id: task.id, state: task.state } as TesTask;
  }

  const full = view === 'FULL';
  return {
    id: task.id,
    state: task.state,
    name: task.name,
    description: task.description,
    inputs: inputs(task.inputs, full),
    outputs: task.outputs,
    resources: task.resources,
    executors: task.executors,
    volumes: task.volumes,
    tags: task.tags,
    logs: taskLogs(task, full),
    creation_time: task.creation_time,
  };
}
