/**
 * How the worker tells the service what happens: every report is an event
 * on tes-worker-events, numbered so that the ingestion function can order
 * them. The worker never writes the task document.
 */
import type { Publisher } from '../shared/cloud';
import type {
  AttemptSummary,
  ReportedState,
  WorkerEvent,
  WorkerEventBody,
} from '../shared/messages';
import { TOPICS } from '../shared/topology';

/** Publishes the events of one task attempt. */
export class Reporter {
  private seq = 0;
  private heartbeat?: NodeJS.Timeout;
  private readonly summary: AttemptSummary = { executors: [], systemLogs: {} };

  constructor(
    private readonly publisher: Publisher,
    readonly taskId: string,
    readonly attempt: number,
  ) {}

  /** Publishes one event and resolves once Pub/Sub has stored it. */
  async send(body: WorkerEventBody): Promise<void> {
    this.seq += 1;
    const event = {
      taskId: this.taskId,
      attempt: this.attempt,
      seq: this.seq,
      time: new Date().toISOString(),
      ...body,
    } as WorkerEvent;
    this.remember(event);
    await this.publisher.publish(TOPICS.workerEvents, event);
  }

  private remember(event: WorkerEvent): void {
    if (event.type === 'executor') {
      this.summary.executors[event.executor.index] = event.executor;
    } else if (event.type === 'outputs') {
      this.summary.outputs = event.outputs;
    } else if (event.type === 'system_log') {
      this.summary.systemLogs[String(event.seq)] = event.line;
    }
  }

  /** Reports the attempt's final state, with everything reported before. */
  async finish(state: ReportedState): Promise<void> {
    const executors = this.summary.executors.filter(Boolean);
    await this.send({
      type: 'state',
      state,
      summary: { ...this.summary, executors },
    });
  }

  /** Adds a line to the attempt's system logs. */
  async systemLog(line: string): Promise<void> {
    await this.send({ type: 'system_log', line });
  }

  /** Reports that the worker is alive every `seconds` until stopped. */
  startHeartbeat(seconds: number, onError: (error: unknown) => void): void {
    const beat = () => this.send({ type: 'heartbeat' }).catch(onError);
    void beat();
    this.heartbeat = setInterval(beat, seconds * 1000);
    this.heartbeat.unref();
  }

  /** Stops the heartbeat. */
  stopHeartbeat(): void {
    clearInterval(this.heartbeat);
  }
}
