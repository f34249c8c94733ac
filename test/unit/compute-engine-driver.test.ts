/**
 * The Compute Engine driver against the stand-in of the Compute Engine
 * REST API (test/support/compute-stand-in.ts): machine and provisioning,
 * zone fallback, repeated deliveries and teardown. Every request body is
 * checked against the message definitions shipped in
 * @google-cloud/compute.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LaunchFailedError } from '../../functions/worker-launch/compute-driver';
import { OperationTimeoutError } from '../../functions/worker-launch/compute-engine-driver';
import { NoCapacityError } from '../../functions/worker-launch/compute-engine-errors';
import type { TesResources } from '../../shared/tes';
import {
  createDriver,
  insertedInstance,
  inserts,
  type Json,
  PROJECT,
  spec,
  TASK_ID,
  useStandIn,
  VM,
  ZONES,
} from '../support/compute-stand-in';

const standIn = useStandIn();

describe('machine, disk and provisioning of the worker VM', () => {
  const cases: Array<{
    name: string;
    resources?: TesResources;
    machineType: string;
    diskGb: string;
    model: string;
  }> = [
    {
      name: 'no resources: the smallest type, a 10 GB task disk',
      machineType: 'e2-small',
      diskGb: '20',
      model: 'STANDARD',
    },
    {
      name: '4 cores and 16 GB',
      resources: { cpu_cores: 4, ram_gb: 16 },
      machineType: 'e2-standard-4',
      diskGb: '20',
      model: 'STANDARD',
    },
    {
      name: 'more memory per core than a standard type has',
      resources: { cpu_cores: 2, ram_gb: 12 },
      machineType: 'e2-highmem-2',
      diskGb: '20',
      model: 'STANDARD',
    },
    {
      name: 'beyond the E2 family',
      resources: { cpu_cores: 48, ram_gb: 200 },
      machineType: 'n2-standard-64',
      diskGb: '20',
      model: 'STANDARD',
    },
    {
      name: 'a fractional disk is rounded up, plus room for the system',
      resources: { disk_gb: 100.5 },
      machineType: 'e2-small',
      diskGb: '111',
      model: 'STANDARD',
    },
    {
      name: 'preemptible: a spot VM',
      resources: { cpu_cores: 8, ram_gb: 32, preemptible: true },
      machineType: 'e2-standard-8',
      diskGb: '20',
      model: 'SPOT',
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      await standIn.driver.launch(spec(c.resources));

      const instance = insertedInstance(standIn.fake);
      assert.equal(
        instance.machineType,
        `zones/${ZONES[0]}/machineTypes/${c.machineType}`,
      );
      const [disk] = instance.disks as Array<{ initializeParams: Json }>;
      assert.equal(disk?.initializeParams.diskSizeGb, c.diskGb);
      assert.equal(disk?.initializeParams.sourceImage, VM.bootImage);
      const scheduling = instance.scheduling as Json;
      assert.equal(scheduling.provisioningModel, c.model);
    });
  }

  it('makes a preemptible task a spot VM that is deleted when preempted', async () => {
    await standIn.driver.launch(spec({ preemptible: true }));

    assert.deepEqual(insertedInstance(standIn.fake).scheduling, {
      provisioningModel: 'SPOT',
      instanceTerminationAction: 'DELETE',
      automaticRestart: false,
      onHostMaintenance: 'TERMINATE',
    });
  });

  it('makes any other task a standard VM that is restarted after a host failure', async () => {
    await standIn.driver.launch(spec({ preemptible: false }));

    assert.deepEqual(insertedInstance(standIn.fake).scheduling, {
      provisioningModel: 'STANDARD',
      automaticRestart: true,
      onHostMaintenance: 'MIGRATE',
    });
  });
});

describe('zones', () => {
  it('moves to the next zone when a zone is out of capacity', async () => {
    standIn.fake.failures.set('us-central1-a', 'exhausted');

    await standIn.driver.launch(spec());

    const zones = inserts(standIn.fake).map((r) => r.path.split('/')[6]);
    assert.deepEqual(zones, ['us-central1-a', 'us-central1-b']);
    const ids = new Set(inserts(standIn.fake).map((r) => r.query.requestId));
    assert.equal(ids.size, 2, 'each zone has its own request id');
    assert.deepEqual(standIn.fake.instanceKeys(), [
      `us-central1-b/tes-${TASK_ID}-1`,
    ]);
  });

  it('moves to the next zone when the project is out of quota there', async () => {
    standIn.fake.failures.set('us-central1-a', 'quota');

    await standIn.driver.launch(spec());

    assert.deepEqual(standIn.fake.instanceKeys(), [
      `us-central1-b/tes-${TASK_ID}-1`,
    ]);
  });

  it('fails with NoCapacityError, naming every zone, when none has room', async () => {
    standIn.fake.failures.set('us-central1-a', 'exhausted');
    standIn.fake.failures.set('us-central1-b', 'quota');
    standIn.fake.failures.set('us-central1-c', 'exhausted');

    const launch = standIn.driver.launch(spec());

    await assert.rejects(launch, (error: unknown) => {
      assert.ok(error instanceof NoCapacityError);
      assert.ok(error instanceof LaunchFailedError);
      for (const zone of ZONES) assert.match(error.message, new RegExp(zone));
      assert.match(error.message, /ZONE_RESOURCE_POOL_EXHAUSTED/);
      assert.match(error.message, /Quota 'CPUS' exceeded/);
      return true;
    });
    assert.deepEqual(standIn.fake.instanceKeys(), []);
  });

  it('uses only the zones the task asks for', async () => {
    const resources = { zones: ['us-central1-c'] };

    await standIn.driver.launch(spec(resources));

    assert.deepEqual(standIn.fake.instanceKeys(), [
      `us-central1-c/tes-${TASK_ID}-1`,
    ]);
  });
});

describe('repeated launches', () => {
  it('sends one insert however often the launch is delivered', async () => {
    await standIn.driver.launch(spec());
    await standIn.driver.launch(spec());
    await createDriver(standIn.fake.port()).launch(spec());

    assert.equal(inserts(standIn.fake).length, 1);
    assert.equal(standIn.fake.instanceKeys().length, 1);
  });

  it('repeats the same request ids, so the API answers with the first operations', async () => {
    for (const zone of ZONES) standIn.fake.failures.set(zone, 'exhausted');
    const idsOf = () => inserts(standIn.fake).map((r) => r.query.requestId);

    await assert.rejects(standIn.driver.launch(spec()), NoCapacityError);
    const first = idsOf();
    await assert.rejects(standIn.driver.launch(spec()), NoCapacityError);

    assert.deepEqual(idsOf(), [...first, ...first]);
    assert.equal(standIn.fake.operationCount(), ZONES.length);
  });

  it('takes "already exists" from a racing delivery as success', async () => {
    standIn.fake.beforeInsert = (zone, name) => {
      standIn.fake.addInstance(PROJECT, zone, { name });
    };

    await standIn.driver.launch(spec());

    assert.equal(inserts(standIn.fake).length, 1);
    assert.deepEqual(standIn.fake.instanceKeys(), [
      `us-central1-a/tes-${TASK_ID}-1`,
    ]);
  });

  it('gives each attempt its own VM', async () => {
    await standIn.driver.launch(spec(undefined, 1));
    await standIn.driver.launch(spec(undefined, 2));

    assert.deepEqual(standIn.fake.instanceKeys().sort(), [
      `us-central1-a/tes-${TASK_ID}-1`,
      `us-central1-a/tes-${TASK_ID}-2`,
    ]);
  });

  it('fails the delivery when an operation outlives its wait; the next one resumes', async () => {
    standIn.fake.operationsFinish = false;
    const impatient = createDriver(standIn.fake.port(), 0);

    await assert.rejects(impatient.launch(spec()), OperationTimeoutError);
    standIn.fake.operationsFinish = true;
    await standIn.driver.launch(spec());

    assert.equal(inserts(standIn.fake).length, 1);
    assert.equal(standIn.fake.instanceKeys().length, 1);
  });
});

describe('teardown', () => {
  it('deletes the VM in the zone it is in', async () => {
    standIn.fake.failures.set('us-central1-a', 'exhausted');
    await standIn.driver.launch(spec());

    await standIn.driver.teardown(TASK_ID, 1);

    const deletes = standIn.fake.received('DELETE');
    assert.equal(deletes.length, 1);
    assert.match(deletes[0]?.path ?? '', /zones\/us-central1-b\/instances/);
    assert.deepEqual(standIn.fake.instanceKeys(), []);
  });

  it('succeeds when the VM is already gone', async () => {
    await standIn.driver.launch(spec());
    await standIn.driver.teardown(TASK_ID, 1);

    await standIn.driver.teardown(TASK_ID, 1);
    await standIn.driver.teardown(TASK_ID, 7);

    assert.equal(standIn.fake.received('DELETE').length, 1);
  });

  it('takes a delete answered "not found" as success', async () => {
    await standIn.driver.launch(spec());
    standIn.fake.beforeDelete = (zone, name) =>
      standIn.fake.removeInstance(zone, name);

    await standIn.driver.teardown(TASK_ID, 1);

    assert.equal(standIn.fake.received('DELETE').length, 1);
    assert.deepEqual(standIn.fake.instanceKeys(), []);
  });
});
