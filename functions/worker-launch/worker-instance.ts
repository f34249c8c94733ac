/**
 * The Compute Engine instance that runs one task attempt: its machine
 * type and disk from the task's resources, spot or standard provisioning,
 * the worker service account, labels for billing, and the scripts that
 * run and watch the worker.
 */
import type { WorkerVmConfig } from '../../shared/config';
import type { WorkerSpec } from './compute-driver';
import type { Instance } from './compute-engine-api';
import { instanceName, labelValue } from './instance-naming';
import { shutdownScript, startupScript } from './worker-scripts';

/** What every worker instance shares. */
export interface WorkerInstanceSettings {
  projectId: string;
  vm: WorkerVmConfig;
  heartbeatSeconds: number;
}

/**
 * Room on the boot disk for the OS, Docker and the worker image, on top
 * of the task's own `disk_gb`.
 */
export const SYSTEM_DISK_GB = 10;

/** The only scope: what the account may do is decided by its IAM roles. */
export const CLOUD_PLATFORM_SCOPE =
  'https://www.googleapis.com/auth/cloud-platform';

/** Balanced persistent disk: SSD-backed, cheaper than pd-ssd. */
const DISK_TYPE = 'pd-balanced';

/**
 * Spot VMs are deleted when preempted (the attempt is over anyway);
 * standard VMs are restarted after a host failure, and their startup
 * script then reports the worker lost instead of running it again.
 */
function scheduling(preemptible: boolean): Instance['scheduling'] {
  if (preemptible) {
    return {
      provisioningModel: 'SPOT',
      instanceTerminationAction: 'DELETE',
      automaticRestart: false,
      onHostMaintenance: 'TERMINATE',
    };
  }
  return {
    provisioningModel: 'STANDARD',
    automaticRestart: true,
    onHostMaintenance: 'MIGRATE',
  };
}

function networkInterface(
  vm: WorkerVmConfig,
): NonNullable<Instance['networkInterfaces']>[number] {
  return {
    network: vm.network ?? 'global/networks/default',
    ...(vm.subnetwork ? { subnetwork: vm.subnetwork } : {}),
    // Without an external IP, pulling the image and reaching Google APIs
    // needs Cloud NAT or Private Google Access on the subnetwork.
    ...(vm.externalIp
      ? { accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] }
      : {}),
  };
}

function metadata(
  spec: WorkerSpec,
  settings: WorkerInstanceSettings,
): Instance['metadata'] {
  const params = {
    taskId: spec.taskId,
    attempt: spec.attempt,
    projectId: settings.projectId,
    image: settings.vm.image,
    heartbeatSeconds: settings.heartbeatSeconds,
  };
  return {
    items: [
      { key: 'startup-script', value: startupScript(params) },
      { key: 'shutdown-script', value: shutdownScript(params) },
      { key: 'tes-task-id', value: spec.taskId },
      { key: 'tes-attempt', value: String(spec.attempt) },
      // Container-Optimized OS sends container output to Cloud Logging.
      { key: 'google-logging-enabled', value: 'true' },
    ],
  };
}

/** The instance resource for `spec` in `zone`. */
export function workerInstance(
  spec: WorkerSpec,
  zone: string,
  settings: WorkerInstanceSettings,
): Instance {
  const { machine } = spec;
  return {
    name: instanceName(spec.taskId, spec.attempt),
    machineType: `zones/${zone}/machineTypes/${machine.machineType}`,
    labels: {
      'tes-task-id': labelValue(spec.taskId),
      'tes-attempt': String(spec.attempt),
      'tes-owner': labelValue(spec.owner),
    },
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: {
          sourceImage: settings.vm.bootImage,
          diskSizeGb: machine.diskGb + SYSTEM_DISK_GB,
          diskType: `zones/${zone}/diskTypes/${DISK_TYPE}`,
        },
      },
    ],
    networkInterfaces: [networkInterface(settings.vm)],
    serviceAccounts: [
      { email: settings.vm.serviceAccount, scopes: [CLOUD_PLATFORM_SCOPE] },
    ],
    metadata: metadata(spec, settings),
    scheduling: scheduling(machine.preemptible),
  };
}
