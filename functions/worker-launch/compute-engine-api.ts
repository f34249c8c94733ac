/**
 * The Compute Engine calls the worker VM driver makes, and nothing more:
 * insert, get and delete on instances, and wait on zonal operations. The
 * real clients from @google-cloud/compute are checked against these
 * interfaces when they are created below.
 */
import {
  InstancesClient,
  type protos,
  ZoneOperationsClient,
} from '@google-cloud/compute';

/** A Compute Engine zonal operation, as the REST API returns it. */
export type Operation = protos.google.cloud.compute.v1.IOperation;
/** A Compute Engine VM instance. */
export type Instance = protos.google.cloud.compute.v1.IInstance;

/**
 * What insert and delete resolve to: the client wraps the operation they
 * started in a long-running-operation handle, whose `latestResponse` is
 * the zonal operation itself.
 */
export type StartedOperation = [{ latestResponse: unknown }, ...unknown[]];

/** The instance calls used. */
export interface InstancesApi {
  insert(
    request: protos.google.cloud.compute.v1.IInsertInstanceRequest,
  ): Promise<StartedOperation>;
  get(
    request: protos.google.cloud.compute.v1.IGetInstanceRequest,
  ): Promise<[Instance, ...unknown[]]>;
  delete(
    request: protos.google.cloud.compute.v1.IDeleteInstanceRequest,
  ): Promise<StartedOperation>;
}

/** The zonal operation call used. */
export interface ZoneOperationsApi {
  /** Returns when the operation is done, or after about two minutes. */
  wait(
    request: protos.google.cloud.compute.v1.IWaitZoneOperationRequest,
  ): Promise<[Operation, ...unknown[]]>;
}

/** Both, as the driver receives them. */
export interface ComputeEngineApi {
  instances: InstancesApi;
  operations: ZoneOperationsApi;
}

/** Options of the real clients (endpoint, transport, credentials). */
export type ComputeClientOptions = ConstructorParameters<
  typeof InstancesClient
>[0];

/**
 * Creates the real clients. They speak REST (the library's default for
 * Compute Engine); with no options they use Application Default
 * Credentials, which on Cloud Functions is the function's service account.
 */
export function createComputeEngineApi(
  options?: ComputeClientOptions,
): ComputeEngineApi {
  // The annotations are the compile-time check that the real clients
  // provide every call above with compatible types.
  const instances: InstancesApi = new InstancesClient(options);
  const operations: ZoneOperationsApi = new ZoneOperationsClient(options);
  return { instances, operations };
}
