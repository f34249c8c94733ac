import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { correctDelivery } from '../../local/trigger-gateway';
import { decodeDocumentEvent } from '../../shared/document-event';

// An independent, hand-written encoder for the fields under test, using
// the published field numbers of DocumentEventData and firestore Value.
function encodeEvent(
  before: Record<string, string> | undefined,
  after: Record<string, string>,
) {
  const writer = protobuf.Writer.create();
  const document = (field: number, fields: Record<string, string>) => {
    writer.uint32((field << 3) | 2).fork();
    writer
      .uint32((1 << 3) | 2)
      .string('projects/p/databases/(default)/documents/tasks/t1');
    for (const [key, value] of Object.entries(fields)) {
      writer.uint32((2 << 3) | 2).fork();
      writer.uint32((1 << 3) | 2).string(key);
      writer
        .uint32((2 << 3) | 2)
        .fork()
        .uint32((17 << 3) | 2)
        .string(value)
        .ldelim();
      writer.ldelim();
    }
    writer.ldelim();
  };
  document(1, after);
  if (before) document(2, before);
  return writer.finish();
}

describe('document events', () => {
  it('decodes the old and new document of an update', () => {
    const bytes = encodeEvent(
      { id: 't1', state: 'QUEUED' },
      { id: 't1', state: 'INITIALIZING' },
    );
    const change = decodeDocumentEvent(bytes);
    assert.deepEqual(change.before?.fields, { id: 't1', state: 'QUEUED' });
    assert.deepEqual(change.after?.fields, { id: 't1', state: 'INITIALIZING' });
    assert.equal(
      change.after?.name,
      'projects/p/databases/(default)/documents/tasks/t1',
    );
  });

  it('corrects an emulator delivery into what Eventarc sends', () => {
    const bytes = encodeEvent(
      { id: 't1', state: 'QUEUED', name: 'a' },
      { id: 't1', state: 'RUNNING', name: 'a' },
    );
    const emulatorBody = Buffer.from(Buffer.from(bytes).toString('base64'));
    const corrected = correctDelivery(
      {
        'ce-source':
          '//firestore.googleapis.com/projects/projects/demo-x/databases/(default)',
        'ce-type': 'google.cloud.firestore.document.v1.written',
        'content-type': 'application/json',
        host: 'ignored',
      },
      emulatorBody,
    );
    assert.equal(corrected.headers['content-type'], 'application/protobuf');
    assert.equal(
      corrected.headers['ce-source'],
      '//firestore.googleapis.com/projects/demo-x/databases/(default)',
    );
    assert.equal(corrected.headers.host, undefined);
    const change = decodeDocumentEvent(corrected.body);
    assert.deepEqual(change.updateMask, ['state']);
    assert.equal(change.after?.fields.state, 'RUNNING');
  });
});
