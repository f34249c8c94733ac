/**
 * Decoding of Firestore document events. Eventarc delivers them as the
 * protobuf message google.events.cloud.firestore.v1.DocumentEventData;
 * the schema below declares the part of it the service reads, with the
 * published field numbers.
 */
import protobuf from 'protobufjs';

const SCHEMA = {
  nested: {
    DocumentEventData: {
      fields: {
        value: { type: 'Document', id: 1 },
        oldValue: { type: 'Document', id: 2 },
        updateMask: { type: 'DocumentMask', id: 3 },
      },
    },
    DocumentMask: {
      fields: { fieldPaths: { rule: 'repeated', type: 'string', id: 1 } },
    },
    Document: {
      fields: {
        name: { type: 'string', id: 1 },
        fields: { keyType: 'string', type: 'Value', id: 2 },
        createTime: { type: 'Timestamp', id: 3 },
        updateTime: { type: 'Timestamp', id: 4 },
      },
    },
    Timestamp: {
      fields: {
        seconds: { type: 'int64', id: 1 },
        nanos: { type: 'int32', id: 2 },
      },
    },
    LatLng: {
      fields: {
        latitude: { type: 'double', id: 1 },
        longitude: { type: 'double', id: 2 },
      },
    },
    ArrayValue: {
      fields: { values: { rule: 'repeated', type: 'Value', id: 1 } },
    },
    MapValue: {
      fields: { fields: { keyType: 'string', type: 'Value', id: 1 } },
    },
    Value: {
      oneofs: {
        valueType: {
          oneof: [
            'nullValue',
            'booleanValue',
            'integerValue',
            'doubleValue',
            'timestampValue',
            'stringValue',
            'bytesValue',
            'referenceValue',
            'geoPointValue',
            'arrayValue',
            'mapValue',
          ],
        },
      },
      fields: {
        nullValue: { type: 'int32', id: 11 },
        booleanValue: { type: 'bool', id: 1 },
        integerValue: { type: 'int64', id: 2 },
        doubleValue: { type: 'double', id: 3 },
        timestampValue: { type: 'Timestamp', id: 10 },
        stringValue: { type: 'string', id: 17 },
        bytesValue: { type: 'bytes', id: 18 },
        referenceValue: { type: 'string', id: 5 },
        geoPointValue: { type: 'LatLng', id: 8 },
        arrayValue: { type: 'ArrayValue', id: 9 },
        mapValue: { type: 'MapValue', id: 6 },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);
const EventType = root.lookupType('DocumentEventData');

/** A Firestore value as the protobuf decoder returns it. */
interface ProtoValue {
  valueType?: string;
  [key: string]: unknown;
}

/** A document as decoded from an event. */
export interface EventDocument {
  name: string;
  fields: Record<string, unknown>;
}

/** A decoded document change: absent `before` is a create, absent `after` a delete. */
export interface DocumentChange {
  before?: EventDocument;
  after?: EventDocument;
  updateMask: string[];
}

function plain(value: ProtoValue): unknown {
  switch (value.valueType) {
    case 'arrayValue': {
      const values = (value.arrayValue as { values?: ProtoValue[] }).values;
      return (values ?? []).map(plain);
    }
    case 'mapValue':
      return plainFields(
        (value.mapValue as { fields?: Record<string, ProtoValue> }).fields,
      );
    case 'integerValue':
      return Number(value.integerValue);
    case 'nullValue':
      return null;
    case 'timestampValue': {
      const t = value.timestampValue as { seconds?: number; nanos?: number };
      return new Date(Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6);
    }
    case undefined:
      return undefined;
    default:
      return value[value.valueType];
  }
}

function plainFields(fields?: Record<string, ProtoValue>) {
  return Object.fromEntries(
    Object.entries(fields ?? {}).map(([k, v]) => [k, plain(v)]),
  );
}

function document(raw: unknown): EventDocument | undefined {
  const doc = raw as
    | { name?: string; fields?: Record<string, ProtoValue> }
    | undefined;
  if (!doc?.name) return undefined;
  return { name: doc.name, fields: plainFields(doc.fields) };
}

/** Decodes the bytes of a DocumentEventData message. */
export function decodeDocumentEvent(bytes: Uint8Array): DocumentChange {
  const message = EventType.toObject(EventType.decode(bytes), {
    oneofs: true,
    longs: Number,
  });
  return {
    before: document(message.oldValue),
    after: document(message.value),
    updateMask: message.updateMask?.fieldPaths ?? [],
  };
}

/**
 * Fills an event's update mask with the top-level fields that differ
 * between the old and new document, as production lists them (the local
 * trigger gateway needs this: the emulator leaves the mask empty).
 */
export function withChangedFieldsMask(bytes: Uint8Array): Uint8Array {
  const decoded = EventType.decode(bytes);
  const message = EventType.toObject(decoded, { longs: String, bytes: String });
  const before = message.oldValue?.fields ?? {};
  const after = message.value?.fields ?? {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const fieldPaths =
    message.oldValue && message.value
      ? [...keys]
          .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
          .sort()
      : [];
  const raw = decoded as unknown as Record<string, unknown>;
  raw.updateMask = { fieldPaths };
  return EventType.encode(raw).finish();
}
