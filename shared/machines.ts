/**
 * The machine catalogue and the choice of a machine for a task's
 * resources: the smallest predefined type that fits.
 */
import type { MachineChoice } from './messages';
import type { TesResources } from './tes';

/** A predefined machine type. */
export interface MachineType {
  name: string;
  cpuCores: number;
  ramGb: number;
}

/** The default catalogue: general-purpose Compute Engine types. */
export const DEFAULT_CATALOGUE: readonly MachineType[] = [
  { name: 'e2-small', cpuCores: 2, ramGb: 2 },
  { name: 'e2-medium', cpuCores: 2, ramGb: 4 },
  { name: 'e2-standard-2', cpuCores: 2, ramGb: 8 },
  { name: 'e2-highmem-2', cpuCores: 2, ramGb: 16 },
  { name: 'e2-standard-4', cpuCores: 4, ramGb: 16 },
  { name: 'e2-highmem-4', cpuCores: 4, ramGb: 32 },
  { name: 'e2-standard-8', cpuCores: 8, ramGb: 32 },
  { name: 'e2-highmem-8', cpuCores: 8, ramGb: 64 },
  { name: 'e2-standard-16', cpuCores: 16, ramGb: 64 },
  { name: 'e2-highmem-16', cpuCores: 16, ramGb: 128 },
  { name: 'n2-standard-32', cpuCores: 32, ramGb: 128 },
  { name: 'n2-highmem-32', cpuCores: 32, ramGb: 256 },
  { name: 'n2-standard-64', cpuCores: 64, ramGb: 256 },
  { name: 'n2-highmem-64', cpuCores: 64, ramGb: 512 },
];

/** Disk size when the task does not ask for one. */
export const DEFAULT_DISK_GB = 10;
/** The largest boot disk the service provisions. */
export const MAX_DISK_GB = 65536;

/** A request no machine in the catalogue can satisfy. */
export class NoMachineError extends Error {
  override name = 'NoMachineError';
}

/**
 * Chooses the smallest machine type that has the cores and memory the
 * task asks for. Throws NoMachineError, with the reason, when none has.
 */
export function chooseMachine(
  resources: TesResources | undefined,
  defaultZones: string[],
  catalogue: readonly MachineType[] = DEFAULT_CATALOGUE,
): MachineChoice {
  const cpuCores = resources?.cpu_cores ?? 1;
  const ramGb = resources?.ram_gb ?? 1;
  const diskGb = Math.ceil(resources?.disk_gb ?? DEFAULT_DISK_GB);
  const fits = catalogue
    .filter((m) => m.cpuCores >= cpuCores && m.ramGb >= ramGb)
    .sort((a, b) => a.cpuCores - b.cpuCores || a.ramGb - b.ramGb);

  const machine = fits[0];
  if (!machine) {
    throw new NoMachineError(
      `no machine type has ${cpuCores} cores and ${ramGb} GB of memory`,
    );
  }
  if (diskGb > MAX_DISK_GB) {
    throw new NoMachineError(`${diskGb} GB of disk exceeds ${MAX_DISK_GB} GB`);
  }

  const zones = resources?.zones?.length ? resources.zones : defaultZones;
  return {
    machineType: machine.name,
    zones,
    preemptible: resources?.preemptible ?? false,
    cpuCores,
    ramGb,
    diskGb,
  };
}
