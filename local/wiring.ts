/**
 * Wires the local stack from the manifest, as Terraform does in
 * production: a topic for each topic in the manifest, a push subscription
 * for each topic-triggered function, and a document trigger, registered
 * with the Firestore emulator and routed through the trigger gateway, for
 * each Firestore-triggered function.
 */
import { PubSub } from '@google-cloud/pubsub';
import { FUNCTIONS, TOPICS } from '../shared/topology';

/** Where the pieces of the local stack listen. */
export interface WiringTargets {
  projectId: string;
  /** Base URL of each function's server, by function name. */
  functionUrls: Map<string, string>;
  /** host:port of the Firestore emulator. */
  firestoreHost: string;
  /** Base URL of the trigger gateway. */
  gatewayUrl: string;
}

/** How long a push delivery may take before Pub/Sub sends it again. */
const ACK_DEADLINE_SECONDS = 60;

async function ensureTopics(pubsub: PubSub): Promise<void> {
  for (const name of Object.values(TOPICS)) {
    const [exists] = await pubsub.topic(name).exists();
    if (!exists) await pubsub.createTopic(name);
  }
}

async function ensurePushSubscription(
  pubsub: PubSub,
  name: string,
  topic: string,
  pushEndpoint: string,
): Promise<void> {
  const subscription = pubsub.subscription(name);
  const [exists] = await subscription.exists();
  if (exists) {
    await subscription.modifyPushConfig({ pushEndpoint });
    return;
  }
  await pubsub.topic(topic).createSubscription(name, {
    pushConfig: { pushEndpoint },
    ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
  });
}

async function post(url: string, body: object): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(
      `POST ${url} answered ${response.status}: ${await response.text()}`,
    );
  }
}

/**
 * The push subscriptions of a function: one, or two when
 * TES_FAULT_DUPLICATE_DELIVERY=1, so that the reliability tests see every
 * message delivered twice, as Pub/Sub is allowed to.
 */
function subscriptionNames(functionName: string): string[] {
  const names = [`${functionName}-push`];
  if (process.env.TES_FAULT_DUPLICATE_DELIVERY === '1') {
    names.push(`${functionName}-push-again`);
  }
  return names;
}

/** Creates every topic, subscription and trigger of the manifest. */
export async function wire(targets: WiringTargets): Promise<void> {
  const pubsub = new PubSub({ projectId: targets.projectId });
  try {
    await ensureTopics(pubsub);
    for (const fn of FUNCTIONS) {
      const url = targets.functionUrls.get(fn.name);
      if (!url) throw new Error(`function ${fn.name} is not being served`);
      const trigger = fn.trigger;

      if (trigger.kind === 'topic') {
        // The path names the topic, so that the Functions Framework turns
        // the push body into a messagePublished CloudEvent.
        const endpoint = `${url}/projects/${targets.projectId}/topics/${trigger.topic}`;
        for (const name of subscriptionNames(fn.name)) {
          await ensurePushSubscription(pubsub, name, trigger.topic, endpoint);
        }
      } else if (trigger.kind === 'document') {
        const registration = `http://${targets.firestoreHost}/emulator/v1/projects/${targets.projectId}/eventarcTrigger?eventarcTriggerId=${fn.name}`;
        await post(registration, {
          eventType: trigger.eventType,
          database: '(default)',
          namespace: '(default)',
          document: { value: trigger.document, matchType: 'PATH_PATTERN' },
        });
        await post(`${targets.gatewayUrl}/routes`, {
          project: targets.projectId,
          triggerId: fn.name,
          target: url,
          copies: process.env.TES_FAULT_DUPLICATE_DELIVERY === '1' ? 2 : 1,
        });
      }
    }
  } finally {
    await pubsub.close();
  }
}

/** Stops routing the stack's document triggers (when the stack stops). */
export async function unwireTriggers(targets: WiringTargets): Promise<void> {
  for (const fn of FUNCTIONS) {
    if (fn.trigger.kind !== 'document') continue;
    await fetch(`${targets.gatewayUrl}/routes`, {
      method: 'DELETE',
      body: JSON.stringify({ project: targets.projectId, triggerId: fn.name }),
    });
  }
}
