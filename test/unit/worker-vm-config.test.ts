/**
 * The worker VM settings the Compute Engine driver needs, checked at
 * start with messages that name the variable to set.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  loadConfig,
  loadWorkerVmConfig,
} from '../../shared/config';

const COMPLETE = {
  TES_WORKER_SERVICE_ACCOUNT: 'tes-worker@demo-tes.iam.gserviceaccount.com',
  TES_WORKER_IMAGE: 'us-central1-docker.pkg.dev/demo-tes/tes/worker:1',
};

describe('worker VM settings', () => {
  it('reads the required settings and defaults the rest', () => {
    assert.deepEqual(loadWorkerVmConfig(COMPLETE), {
      serviceAccount: COMPLETE.TES_WORKER_SERVICE_ACCOUNT,
      image: COMPLETE.TES_WORKER_IMAGE,
      bootImage: 'projects/cos-cloud/global/images/family/cos-stable',
      network: undefined,
      subnetwork: undefined,
      externalIp: true,
    });
  });

  it('treats empty optional settings as unset', () => {
    const vm = loadWorkerVmConfig({
      ...COMPLETE,
      TES_WORKER_NETWORK: '',
      TES_WORKER_SUBNETWORK: ' ',
      TES_WORKER_EXTERNAL_IP: 'false',
    });
    assert.equal(vm.network, undefined);
    assert.equal(vm.subnetwork, undefined);
    assert.equal(vm.externalIp, false);
  });

  const refused = [
    {
      name: 'no service account',
      env: { TES_WORKER_IMAGE: COMPLETE.TES_WORKER_IMAGE },
      message: /TES_WORKER_SERVICE_ACCOUNT is not set/,
    },
    {
      name: 'a service account that is no email',
      env: { ...COMPLETE, TES_WORKER_SERVICE_ACCOUNT: 'tes-worker' },
      message: /TES_WORKER_SERVICE_ACCOUNT must be a service account email/,
    },
    {
      name: 'no image',
      env: { TES_WORKER_SERVICE_ACCOUNT: COMPLETE.TES_WORKER_SERVICE_ACCOUNT },
      message: /TES_WORKER_IMAGE is not set/,
    },
    {
      name: 'an external IP flag that is not true or false',
      env: { ...COMPLETE, TES_WORKER_EXTERNAL_IP: 'yes' },
      message: /TES_WORKER_EXTERNAL_IP must be "true" or "false"/,
    },
  ];

  for (const c of refused) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => loadWorkerVmConfig(c.env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, c.message);
          return true;
        },
      );
    });
  }

  it('refuses the Compute Engine driver in local mode', () => {
    const env = {
      TES_MODE: 'local',
      TES_PROJECT: 'demo-tes',
      TES_COMPUTE_DRIVER: 'compute-engine',
    };
    assert.throws(() => loadConfig(env), /needs TES_MODE=gcp/);
  });
});
