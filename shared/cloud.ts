/**
 * The narrow interfaces through which the service uses Google Cloud, and
 * their real implementations. Locally the same clients talk to the
 * emulators, found through FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST.
 */
import { Firestore } from '@google-cloud/firestore';
import { PubSub, type Topic } from '@google-cloud/pubsub';
import type { Config } from './config';
import type { TopicName } from './topology';

/** Publishes one JSON message to a topic and resolves once it is stored. */
export interface Publisher {
  publish(topic: TopicName, message: object): Promise<string>;
}

/** Creates the Firestore client for the configured project. */
export function createFirestore(config: Config): Firestore {
  return new Firestore({
    projectId: config.projectId,
    ignoreUndefinedProperties: true,
  });
}

/** A Publisher backed by the Pub/Sub client library. */
export class PubSubPublisher implements Publisher {
  private readonly topics = new Map<string, Topic>();

  constructor(private readonly pubsub: PubSub) {}

  async publish(topic: TopicName, message: object): Promise<string> {
    let handle = this.topics.get(topic);
    if (!handle) {
      // A short batching window: these are control messages, and latency
      // matters more than batching.
      handle = this.pubsub.topic(topic, {
        batching: { maxMessages: 100, maxMilliseconds: 5 },
      });
      this.topics.set(topic, handle);
    }
    return handle.publishMessage({ json: message });
  }

  /** Flushes and closes the underlying client. */
  async close(): Promise<void> {
    await this.pubsub.close();
  }
}

/** Creates a Publisher for the configured project. */
export function createPublisher(config: Config): PubSubPublisher {
  return new PubSubPublisher(new PubSub({ projectId: config.projectId }));
}
