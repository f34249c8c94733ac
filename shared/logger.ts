/**
 * Operator logging through winston: readable lines locally, structured
 * Cloud Logging JSON on stdout in production. These logs are for whoever
 * runs the service; what a user should see goes into a task's system_logs.
 */
import { LoggingWinston } from '@google-cloud/logging-winston';
import winston from 'winston';
import type { Mode } from './config';

/** Structured fields that accompany a constant log message. */
export type LogFields = Record<string, unknown>;

/** The logger every component uses. */
export type Logger = winston.Logger;

function localFormat() {
  return winston.format.printf((info) => {
    const { level, message, timestamp, component, ...fields } = info;
    const extra = Object.keys(fields).length
      ? ` ${JSON.stringify(fields)}`
      : '';
    return `${timestamp} ${level} [${component}] ${message}${extra}`;
  });
}

/** Cloud Logging labels: string values, indexed for filtering. */
export type LogLabels = Record<string, string>;

/**
 * Copies the fields operators filter by into the entry's labels: the
 * component (the function's name, or the worker), and the task id and
 * attempt when the line is about one. The transport moves `labels` out of
 * the payload into the entry's labels.
 */
const cloudLabels = winston.format((info) => {
  const labels: LogLabels = { component: String(info.component) };
  if (info.taskId !== undefined) labels.task_id = String(info.taskId);
  if (info.attempt !== undefined) labels.attempt = String(info.attempt);
  info.labels = labels;
  return info;
});

/**
 * @google-cloud/logging writes a one-time diagnostic entry (its library
 * versions) before the first line, without labels, unless this flag,
 * which it keeps on the global object, says it already has.
 */
function skipLibraryDiagnostics(): void {
  (globalThis as { instrumentationAdded?: boolean }).instrumentationAdded =
    true;
}

/**
 * Production: one JSON object per line on stdout, which Cloud Functions
 * and the VM's logging agent turn into structured entries (severity,
 * labels, payload). No Logging API call from the hot path. With
 * LOG_EXECUTION_ID=true the Functions Framework adds each line's
 * execution id to the same labels.
 */
function cloudLogger(component: string, projectId?: string): Logger {
  skipLibraryDiagnostics();
  return winston.createLogger({
    level: 'info',
    defaultMeta: { component },
    format: cloudLabels(),
    transports: [
      new LoggingWinston({
        redirectToStdout: true,
        useMessageField: false,
        ...(projectId ? { projectId } : {}),
      }),
    ],
  });
}

/**
 * Creates the logger for one component (a function or the worker).
 * `projectId` names the project in production entries' log name.
 */
export function createLogger(
  component: string,
  mode: Mode,
  projectId?: string,
): Logger {
  if (mode === 'gcp') return cloudLogger(component, projectId);

  return winston.createLogger({
    level: process.env.TES_LOG_LEVEL ?? 'info',
    defaultMeta: { component },
    format: winston.format.combine(winston.format.timestamp(), localFormat()),
    transports: [new winston.transports.Console({ stderrLevels: ['error'] })],
  });
}
