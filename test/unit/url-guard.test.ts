import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInputUrl, ForbiddenUrlError } from '../../worker/url-guard';

describe('input URL guard', () => {
  const env = {
    FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080',
    TES_TRIGGER_GATEWAY: 'http://127.0.0.1:5001',
  };

  it('refuses the metadata server and link-local addresses', async () => {
    for (const url of [
      'http://metadata.google.internal/x',
      'http://169.254.169.254/computeMetadata/v1/',
      'http://[fe80::1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
    ]) {
      await assert.rejects(
        checkInputUrl(new URL(url), env),
        ForbiddenUrlError,
        url,
      );
    }
  });

  it("refuses the service's own endpoints on this machine", async () => {
    await assert.rejects(
      checkInputUrl(new URL('http://127.0.0.1:8080/v1/projects'), env),
      ForbiddenUrlError,
    );
    for (const host of [
      'localhost',
      '0.0.0.0',
      '0',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[::]',
    ]) {
      await assert.rejects(
        checkInputUrl(new URL(`http://${host}:5001/routes`), env),
        ForbiddenUrlError,
        host,
      );
    }
  });

  it("allows the user's own servers, here and elsewhere", async () => {
    await checkInputUrl(new URL('http://127.0.0.1:9999/data.txt'), env);
    await checkInputUrl(new URL('https://10.1.2.3/data.txt'), env);
  });
});
