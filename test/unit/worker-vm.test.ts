/**
 * What a worker VM is given: labels for billing, its identity, and the
 * metadata that runs and watches the worker. Requests go to the stand-in
 * of the Compute Engine REST API (test/support/compute-stand-in.ts), and
 * every body is checked against the message definitions shipped in
 * @google-cloud/compute, as is the check itself below.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { LaunchFailedError } from '../../functions/worker-launch/compute-driver';
import { checkComputeMessage } from '../support/compute-messages';
import {
  insertedInstance,
  inserts,
  type Json,
  spec,
  TASK_ID,
  useStandIn,
  VM,
} from '../support/compute-stand-in';

const standIn = useStandIn();

function metadataOf(instance: Json): Map<string, string> {
  const { items } = instance.metadata as {
    items: Array<{ key: string; value: string }>;
  };
  return new Map(items.map((i) => [i.key, i.value]));
}

describe('labels, identity and metadata', () => {
  it('labels the VM with its task, attempt and owner, within label rules', async () => {
    await standIn.driver.launch(spec(undefined, 3));

    const labels = insertedInstance(standIn.fake).labels as Record<
      string,
      string
    >;
    assert.deepEqual(labels, {
      'tes-task-id': TASK_ID,
      'tes-attempt': '3',
      'tes-owner': 'alice_smith_example_com',
    });
  });

  it('keeps a long owner within 63 characters and distinct', async () => {
    const owner = (suffix: string) => `${'x'.repeat(80)}${suffix}`;
    await standIn.driver.launch({ ...spec(), owner: owner('a') });
    await standIn.driver.launch({ ...spec(undefined, 2), owner: owner('b') });

    const values = inserts(standIn.fake).map(
      (r) => ((r.body as Json).labels as Record<string, string>)['tes-owner'],
    );
    for (const value of values) assert.match(value ?? '', /^[a-z0-9_-]{1,63}$/);
    assert.notEqual(values[0], values[1]);
  });

  it('runs as the worker service account with the cloud-platform scope', async () => {
    await standIn.driver.launch(spec());

    assert.deepEqual(insertedInstance(standIn.fake).serviceAccounts, [
      {
        email: VM.serviceAccount,
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      },
    ]);
  });

  it('passes the task and attempt to the scripts and as metadata', async () => {
    await standIn.driver.launch(spec(undefined, 2));

    const metadata = metadataOf(insertedInstance(standIn.fake));
    assert.equal(metadata.get('tes-task-id'), TASK_ID);
    assert.equal(metadata.get('tes-attempt'), '2');
    const startup = metadata.get('startup-script') ?? '';
    assert.match(startup, new RegExp(`TASK_ID='${TASK_ID}'`));
    assert.match(startup, /\nATTEMPT=2\n/);
    assert.match(startup, /docker run /);
    assert.ok(startup.includes(`'${VM.image}'`), 'runs the worker image');
    assert.ok(
      startup.includes(
        'node dist/worker/main.js --task "$TASK_ID" --attempt "$ATTEMPT"',
      ),
    );
    const shutdown = metadata.get('shutdown-script') ?? '';
    assert.match(shutdown, /instance\/preempted/);
    assert.match(shutdown, /report_lost preempted/);
    assert.match(shutdown, /topics\/tes-worker-events:publish/);
  });

  it('writes scripts that bash can parse', async (context) => {
    if (spawnSync('bash', ['-c', 'true']).status !== 0) {
      context.skip('bash is not installed');
      return;
    }
    await standIn.driver.launch(spec());

    const metadata = metadataOf(insertedInstance(standIn.fake));
    for (const key of ['startup-script', 'shutdown-script']) {
      // -n parses without running anything.
      const parsed = spawnSync('bash', ['-n'], { input: metadata.get(key) });
      assert.equal(parsed.status, 0, `${key}: ${parsed.stderr}`);
    }
  });

  it('refuses a task id the scripts cannot carry, without calling the API', async () => {
    const launch = standIn.driver.launch({ ...spec(), taskId: 'a"b' });

    await assert.rejects(launch, LaunchFailedError);
    assert.equal(standIn.fake.requests.length, 0);
  });
});

describe('the message check itself', () => {
  it('reports unknown fields, wrong types and unknown enum values', () => {
    const problems = checkComputeMessage('Instance', {
      name: 'x',
      machineTyp: 'e2-small',
      labels: { owner: 3 },
      disks: [{ initializeParams: { diskSizeGb: 'ten' } }],
      scheduling: { provisioningModel: 'CHEAP', automaticRestart: 'yes' },
    });

    assert.deepEqual(problems, [
      'Instance.machineTyp: no such field in .google.cloud.compute.v1.Instance',
      'Instance.labels.owner: expected string, got 3',
      'Instance.disks[0].initializeParams.diskSizeGb: expected int64, got "ten"',
      'Instance.scheduling.provisioningModel: "CHEAP" is not a .google.cloud.compute.v1.Scheduling.ProvisioningModel value',
      'Instance.scheduling.automaticRestart: expected bool, got "yes"',
    ]);
  });
});
