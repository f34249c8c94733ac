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

/** Creates the logger for one component (a function or the worker). */
export function createLogger(component: string, mode: Mode): Logger {
  if (mode === 'gcp') {
    // Written to stdout as JSON, where Cloud Functions and the VM's
    // logging agent pick it up; no Logging API call from the hot path.
    return winston.createLogger({
      level: 'info',
      defaultMeta: { component },
      transports: [
        new LoggingWinston({
          redirectToStdout: true,
          useMessageField: false,
          labels: { component },
        }),
      ],
    });
  }

  return winston.createLogger({
    level: process.env.TES_LOG_LEVEL ?? 'info',
    defaultMeta: { component },
    format: winston.format.combine(winston.format.timestamp(), localFormat()),
    transports: [new winston.transports.Console({ stderrLevels: ['error'] })],
  });
}
