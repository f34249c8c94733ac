/**
 * GET /service-info: who this service is and what it can do.
 */
import type { Config } from '../../shared/config';
import { INPUT_SCHEMES, OUTPUT_SCHEMES } from '../../shared/storage-url';
import { BACKEND_PARAMETERS } from './admission';

/** The service-info document for this deployment. */
export function serviceInfo(config: Config): Record<string, unknown> {
  const schemes = [...new Set([...INPUT_SCHEMES, ...OUTPUT_SCHEMES])];
  return {
    id: `org.ga4gh.tes.${config.projectId}`,
    name: 'TES on Google Cloud Functions',
    type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' },
    description:
      'A serverless GA4GH Task Execution Service: Cloud Functions, Firestore, Pub/Sub and one VM per task.',
    organization: { name: 'tes-on-gcp', url: 'https://github.com/tes-on-gcp' },
    version: config.version,
    environment: config.mode,
    storage: schemes.map((s) => `${s}://`),
    tesResources_backend_parameters: Object.keys(BACKEND_PARAMETERS),
  };
}
