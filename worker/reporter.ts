/**
 * How the worker tells the service what happens. The reporter keeps the
 * attempt's whole report and publishes it on tes-worker-events as it
 * changes, at most once a second (the final report at once), so that a
 * chatty executor costs no more than a quiet one. Every event carries a
 * growing `seq`; the worker never writes the task document.
 */
import type { Publisher } from '../shared/cloud';
import type {
  AttemptReport,
  ExecutorReport,
  ReportedState,
  WorkerEvent,
  WorkerEventBody,
} from '../shared/messages';
import { boundReport } from '../shared/report-bounds';
import { TOPICS } from '../shared/topology';

/** The shortest time between two published reports. */
export const REPORT_INTERVAL_MS = 1000;

/** Gives a running executor's report as it is now. */
export type LiveExecutor = () => ExecutorReport;

/** Publishes the events of one task attempt. */
export class Reporter {
  private seq = 0;
  private heartbeat?: NodeJS.Timeout;
  private readonly report: AttemptReport;
  private readonly live = new Map<number, LiveExecutor>();
  private timer?: NodeJS.Timeout;
  // The first report waits a second too: a short task sends only its last.
  private lastPublished = Date.now();
  private publishing: Promise<void> = Promise.resolve();

  /**
   * `onError` hears of failed background publishes; the next report,
   * which carries everything, makes up for them.
   */
  constructor(
    private readonly publisher: Publisher,
    readonly taskId: string,
    readonly attempt: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.report = {
      state: 'INITIALIZING',
      start_time: new Date().toISOString(),
      executors: [],
      outputs: [],
      system_logs: [],
    };
  }

  private async send(body: WorkerEventBody): Promise<void> {
    this.seq += 1;
    const event = {
      taskId: this.taskId,
      attempt: this.attempt,
      seq: this.seq,
      time: new Date().toISOString(),
      ...body,
    } as WorkerEvent;
    await this.publisher.publish(TOPICS.workerEvents, event);
  }

  /** The whole report so far, cut to what one message can carry. */
  private snapshot(): AttemptReport {
    const executors = this.report.executors.map(
      (e, i) => this.live.get(i)?.() ?? e,
    );
    return boundReport({
      ...this.report,
      executors,
      system_logs: [...this.report.system_logs],
    });
  }

  /** Publishes the current report, after any publish under way. */
  private publishNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const done = this.publishing.then(async () => {
      this.lastPublished = Date.now();
      await this.send({ type: 'report', report: this.snapshot() });
    });
    this.publishing = done.catch(() => undefined);
    return done;
  }

  /** Notes that the report changed; it is published within a second. */
  changed(): void {
    if (this.timer) return;
    const wait = Math.max(
      0,
      this.lastPublished + REPORT_INTERVAL_MS - Date.now(),
    );
    this.timer = setTimeout(() => {
      this.publishNow().catch(this.onError);
    }, wait);
  }

  /** Publishes the report at once and waits until it is stored. */
  async flush(): Promise<void> {
    await this.publishNow();
  }

  /**
   * Sets the attempt's state. A final state is published at once; RUNNING
   * waits for the next report, so a short task sends a single report.
   */
  async setState(state: ReportedState): Promise<void> {
    this.report.state = state;
    if (state === 'INITIALIZING' || state === 'RUNNING') {
      this.changed();
      return;
    }
    this.report.end_time = new Date().toISOString();
    await this.flush();
  }

  /**
   * Ends an attempt stopped before its end (cancelled, or stopped from
   * outside): says why, with its end time, at once. Its state stays as it
   * was: the service decides what the attempt became.
   */
  async stopped(reason: string): Promise<void> {
    this.report.system_logs.push(reason);
    this.report.end_time = new Date().toISOString();
    await this.flush();
  }

  /** Adds a line to the attempt's system logs. */
  systemLog(line: string): void {
    this.report.system_logs.push(line);
    this.changed();
  }

  /** Starts reporting an executor whose report `live` gives. */
  startExecutor(index: number, live: LiveExecutor): void {
    this.report.executors[index] = live();
    this.live.set(index, live);
    this.changed();
  }

  /** Records an executor's final report. */
  endExecutor(index: number, report: ExecutorReport): void {
    this.live.delete(index);
    this.report.executors[index] = report;
    this.changed();
  }

  /** Records the stored outputs. */
  setOutputs(outputs: AttemptReport['outputs']): void {
    this.report.outputs = outputs;
    this.changed();
  }

  /** Adds entries to the task log's metadata. */
  addMetadata(entries: Record<string, string>): void {
    this.report.metadata = { ...this.report.metadata, ...entries };
    this.changed();
  }

  /** Reports that the worker is alive every `seconds` until stopped. */
  startHeartbeat(seconds: number): void {
    const beat = () => this.send({ type: 'heartbeat' }).catch(this.onError);
    this.heartbeat = setInterval(beat, seconds * 1000);
    this.heartbeat.unref();
  }

  /** Stops the heartbeat and any pending publish. */
  stop(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
